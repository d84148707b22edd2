#!/usr/bin/env bash
# Debian packages amsplan needs beyond Python: Pango for WeasyPrint, a font, HarfBuzz
# subsetting (letters about 8x faster), and with --postgres what the test suite needs:
# the PostgreSQL server and the Dovecot IMAP server it starts throw-away copies of, and
# Chromium with its chromedriver for the map page test (tests/unit/test_map_page.py).
# Installs as root; otherwise warns.
set -u
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
if [ "${1:-}" = "--postgres" ]; then
  packages+=(postgresql chromium chromium-driver dovecot-imapd)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
    apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  } || echo "WARNING: could not install ${missing[*]}" >&2
else
  echo "WARNING: not root (or no apt-get): please install ${missing[*]}." >&2
  for p in "${missing[@]}"; do
    [ "$p" = libharfbuzz-subset0 ] && echo "  Without libharfbuzz-subset0 letters are rendered about 8x slower." >&2
  done
fi
exit 0

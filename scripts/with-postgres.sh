#!/usr/bin/env bash
# Run a command with a throw-away PostgreSQL server: initdb into a temporary folder,
# listen only on a Unix socket there, export AMSPLAN_TEST_PG_URL, stop and delete after.
set -euo pipefail
initdb=$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$initdb" ]; then
  echo "with-postgres: no PostgreSQL server found (apt-get install postgresql)" >&2
  exit 1
fi
bindir=$(dirname "$(readlink -f "$initdb")")
dir=$(mktemp -d /tmp/amsplan-pg.XXXXXX)
as=()
if [ "$(id -u)" = 0 ]; then  # PostgreSQL refuses to run as root
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$dir"
  as=(runuser -u postgres --)
fi
cleanup() {
  "${as[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
"${as[@]}" "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
"${as[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o \
  "-k $dir -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
export AMSPLAN_TEST_PG_URL="postgresql://postgres@/postgres?host=$dir"
"$@"

"""The planner's language: gettext catalogs, Norwegian (bokmål) by default, English.

Everything a planner reads (tables, messages, timelines, prompts, weekdays, Excel headers)
goes through `_()`; commands, options and JSON keys stay English. The source strings
(msgids) are English; `locale/<lang>/*.po` hold the translations, one part per area of
the product, and `locale/<lang>/LC_MESSAGES/amsplan.mo` is built from them (by the wheel's
build, `make`, or here when it is missing or older than a part). docs/i18n.md explains how
to add a message.

Rules (tests/unit/test_catalogs.py checks them):
- never `_()` at import time (the language is not chosen yet): mark with `N_()` and
  translate where the text is shown;
- placeholders are named (`_("{n} orders locked").format(n=...)`), the same in every
  language; plurals with `ngettext`;
- with AMSPLAN_I18N_STRICT=1 (the test suite) a message missing from the catalog is an
  error instead of English.
"""

from __future__ import annotations

import gettext
import io
import os
from datetime import date, datetime
from pathlib import Path

LANGUAGES = ("nb", "en")
DEFAULT = "nb"
DOMAIN = "amsplan"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
# Babel's locale per language, for weekdays, months and numbers.
BABEL_LOCALE = {"nb": "nb_NO", "en": "en_GB"}

_loaded: dict[str, gettext.GNUTranslations] = {}
_language = os.environ.get("AMSPLAN_LANGUAGE") or DEFAULT


class MissingMessage(AssertionError):
    """AMSPLAN_I18N_STRICT=1: a message is not in the catalog (tests only)."""


def chosen(configured: str | None = None) -> str:
    """The language in use: AMSPLAN_LANGUAGE (one user, one cron job) before `[ui]
    language` before Norwegian."""
    return os.environ.get("AMSPLAN_LANGUAGE") or configured or DEFAULT


def use(language: str) -> None:
    """Speak `language` ("nb" or "en") from now on in this process."""
    global _language
    if language not in LANGUAGES:
        from amsplan.errors import ConfigError

        raise ConfigError(
            f"unknown language {language!r}: use one of {', '.join(LANGUAGES)}"
            " ([ui] language or AMSPLAN_LANGUAGE)"
        )
    _language = language


def language() -> str:
    return _language


def babel_locale() -> str:
    return BABEL_LOCALE[_language]


def _catalog(language: str) -> gettext.GNUTranslations:
    found = _loaded.get(language)
    if found is None:
        found = _loaded[language] = gettext.GNUTranslations(io.BytesIO(mo_bytes(language)))
    return found


def mo_bytes(language: str) -> bytes:
    """The compiled catalog: the built .mo, or built from the parts when it is missing or
    older than one of them (a checkout; the result is kept when the folder is writable)."""
    folder = LOCALE_DIR / language
    mo = folder / "LC_MESSAGES" / f"{DOMAIN}.mo"
    parts = sorted(folder.glob("*.po"))
    try:
        built = mo.stat().st_mtime
    except FileNotFoundError:
        built = None
    if built is not None and all(p.stat().st_mtime <= built for p in parts):
        return mo.read_bytes()
    data = compile_parts(parts, language)
    try:
        mo.parent.mkdir(exist_ok=True)
        tmp = mo.with_name(f".{mo.name}.{os.getpid()}")
        tmp.write_bytes(data)
        os.replace(tmp, mo)
    except OSError:
        pass  # installed read-only: kept in memory
    return data


def compile_parts(parts: list[Path], language: str) -> bytes:
    """One .mo from the parts of a language (Babel's reader and writer)."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    merged = Catalog(locale=language, domain=DOMAIN)
    for part in parts:
        with part.open("rb") as f:
            for message in read_po(f, locale=language):
                strings = (
                    message.string if isinstance(message.string, tuple | list) else [message.string]
                )
                if message.id and all(strings) and not message.fuzzy:
                    merged[message.id] = message
    out = io.BytesIO()
    write_mo(out, merged)
    return out.getvalue()


def _missing(message: str, language: str) -> None:
    if os.environ.get("AMSPLAN_I18N_STRICT") == "1":
        raise MissingMessage(f"not in the {language} catalog: {message!r}")


def _(message: str) -> str:
    """`message` (an English msgid) in the planner's language."""
    catalog = _catalog(_language)
    found = catalog._catalog.get(message)  # type: ignore[attr-defined]
    if found is None:
        _missing(message, _language)
        return message
    return str(found)


def ngettext(singular: str, plural: str, n: int) -> str:
    catalog = _catalog(_language)
    if (singular, 0) not in catalog._catalog:  # type: ignore[attr-defined]
        _missing(singular, _language)
        return singular if n == 1 else plural
    return catalog.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """A short text whose meaning depends on where it stands ("Status" as a column)."""
    catalog = _catalog(_language)
    if f"{context}\x04{message}" not in catalog._catalog:  # type: ignore[attr-defined]
        _missing(f"{context}|{message}", _language)
        return message
    return catalog.pgettext(context, message)


def in_every_language(message: str) -> list[str]:
    """`message` as each language says it (a planner may type a label in either)."""
    return [str(_catalog(lang)._catalog.get(message, message)) for lang in LANGUAGES]  # type: ignore[attr-defined]


def N_(message: str) -> str:
    """Marks a message for the catalog without translating it (module constants)."""
    return message


def weekday(day: date) -> str:
    """The weekday's name in the planner's language: "mandag", "Monday"."""
    from babel.dates import format_date

    return format_date(day, "EEEE", locale=babel_locale())


def day_label(day: date) -> str:
    """A day as planners write it: "mandag 14.12.2026", "Monday 14.12.2026"."""
    return f"{weekday(day)} {day:%d.%m.%Y}"


def month(day: date | datetime) -> str:
    """The month's name: "desember", "December"."""
    from babel.dates import format_date

    return format_date(day, "LLLL", locale=babel_locale())

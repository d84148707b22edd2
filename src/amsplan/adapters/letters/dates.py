"""Dates and time windows as printed in letters and messages ("tirsdag 21. april 2026 ...").

Day and month names come from CLDR through babel, never from hand-made lists. This module
is light on purpose (no WeasyPrint) so SMS templates and the CLI can use it too.
"""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date, format_time

__all__ = ["appointment_text", "long_date", "time_text"]

_DAY_PATTERN = "EEEE d. MMMM y"
_TIME_PATTERN = "HH.mm"

# The words around the dates. Norwegian (bokmål) is the default and the fallback; the few
# other languages only exist so a configured locale does not mix languages in one sentence.
_PHRASES: dict[str, dict[str, str]] = {
    "nb": {
        "same_day": "{day} mellom kl. {start} og {end}",
        "multi_day": "fra {day} kl. {start} til {end_day} kl. {end}",
    },
    "nn": {
        "same_day": "{day} mellom kl. {start} og {end}",
        "multi_day": "frå {day} kl. {start} til {end_day} kl. {end}",
    },
    "en": {
        "same_day": "{day} between {start} and {end}",
        "multi_day": "from {day} at {start} to {end_day} at {end}",
    },
}


def _phrases(locale: str) -> dict[str, str]:
    language = locale.replace("-", "_").split("_", 1)[0].lower()
    if language == "no":
        language = "nb"
    return _PHRASES.get(language, _PHRASES["nb"])


def long_date(d: date, locale: str = "nb_NO") -> str:
    """The letter date line, e.g. ``22. april 2026``."""
    return format_date(d, "d. MMMM y", locale=locale)


def day_text(d: date, locale: str = "nb_NO") -> str:
    """A day with its weekday, e.g. ``tirsdag 21. april 2026``."""
    return format_date(d, _DAY_PATTERN, locale=locale)


def time_text(t: datetime, locale: str = "nb_NO") -> str:
    """A wall-clock time the Norwegian way, e.g. ``10.00``."""
    return format_time(t, _TIME_PATTERN, locale=locale)


def appointment_text(start: datetime, end: datetime, locale: str = "nb_NO") -> str:
    """The appointment window, e.g. ``tirsdag 21. april 2026 mellom kl. 10.00 og 11.00``.

    ``start`` and ``end`` are naive local wall-clock times (or aware ones in the local time
    zone; they are printed as they are, never converted). A window that ends on another day
    is printed with both days. ``end`` before ``start`` is a bug in the caller: ValueError.
    """
    if end < start:
        raise ValueError(f"appointment ends before it starts: {start} > {end}")
    phrases = _phrases(locale)
    values = {
        "day": day_text(start.date(), locale),
        "start": time_text(start, locale),
        "end": time_text(end, locale),
    }
    if end.date() == start.date():
        return phrases["same_day"].format(**values)
    return phrases["multi_day"].format(end_day=day_text(end.date(), locale), **values)

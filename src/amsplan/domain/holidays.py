"""Public holidays: a pure lookup in the `holidays` library (imported only when asked:
it costs 80-200 ms at start-up)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import lru_cache


@lru_cache(maxsize=64)
def _holidays(country: str, year: int) -> Mapping[date, str]:
    import holidays

    try:
        return holidays.country_holidays(country, years=year, language="no")
    except NotImplementedError:  # no such country in the library: no holidays known
        return {}
    except Exception:  # a country without Norwegian names
        return holidays.country_holidays(country, years=year)


def public_holiday(country: str, day: date) -> str | None:
    """The name of the public holiday on `day` in the country (ISO code), or None."""
    return _holidays(country, day.year).get(day)

"""Time: UTC inside, the configured zone for planners and customers."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from amsplan.errors import InputError


def now() -> datetime:
    return datetime.now(UTC)


def to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    """A wall-clock time in tz (naive or aware) as aware UTC."""
    if local.tzinfo is None:
        local = local.replace(tzinfo=tz)
    return local.astimezone(UTC)


def to_local(moment: datetime, tz: ZoneInfo) -> datetime:
    """Aware UTC (or naive UTC from an old driver) as naive wall-clock time in tz."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz).replace(tzinfo=None)


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a local calendar day, in UTC (23 or 25 hours on DST days)."""
    start = datetime.combine(day, time(0)).replace(tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0)).replace(tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def parse_date(text: str, what: str = "date") -> date:
    """2026-04-22, 22.04.2026 or 22.04.26."""
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise InputError(f"{what} {text!r} is not a date (use 2026-04-22 or 22.04.2026)")


def parse_time(text: str, what: str = "time") -> time:
    """08:00, 08.00 or 8."""
    match = re.fullmatch(r"(\d{1,2})(?:[:.](\d{2}))?", text.strip())
    if match:
        hour, minute = int(match[1]), int(match[2] or 0)
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise InputError(f"{what} {text!r} is not a time of day (use 08:00)")


def parse_duration(text: str, what: str = "duration") -> timedelta:
    """1h, 90m, 1h30m, 1:30 or a number of minutes."""
    raw = text.strip().lower().replace(" ", "")
    minutes: int | None = None
    if re.fullmatch(r"\d+", raw):
        minutes = int(raw)
    elif match := re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m(?:in)?)?", raw):
        if match[1] or match[2]:
            minutes = int(match[1] or 0) * 60 + int(match[2] or 0)
    elif match := re.fullmatch(r"(\d+):(\d{2})", raw):
        minutes = int(match[1]) * 60 + int(match[2])
    if not minutes or minutes <= 0 or minutes > 24 * 60:
        raise InputError(f"{what} {text!r} is not a duration (use 1h, 90m or 1h30m)")
    return timedelta(minutes=minutes)


def parse_moment(text: str, tz: ZoneInfo, what: str = "time") -> datetime:
    """An ISO date-time (local time in tz unless it has an offset) as aware UTC."""
    try:
        moment = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError:
        for fmt in ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y"):
            try:
                moment = datetime.strptime(text.strip(), fmt)
                break
            except ValueError:
                continue
        else:
            raise InputError(f"{what} {text!r} is not a date and time") from None
    if not 1900 <= moment.year <= 2200:
        raise InputError(f"{what} {text!r} is not a plausible date")
    try:
        return to_utc(moment, tz)
    except (OverflowError, ValueError):
        raise InputError(f"{what} {text!r} is not a plausible date") from None

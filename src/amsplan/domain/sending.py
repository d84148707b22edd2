"""When messages may go to customers: only inside the sending window ([sms] send_from
to send_until, local time), never in quiet hours, whatever time a message was due."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from amsplan import clock


def in_window(at: datetime, tz: ZoneInfo, start: time, end: time) -> bool:
    """Whether `at` (aware UTC) is inside the sending window [start, end) in tz."""
    return start <= clock.to_local(at, tz).time() < end


def next_send_time(at: datetime, tz: ZoneInfo, start: time, end: time) -> datetime:
    """`at`, or the start of the next sending window when `at` is in quiet hours."""
    local = clock.to_local(at, tz)
    if local.time() < start:
        return clock.to_utc(datetime.combine(local.date(), start), tz)
    if local.time() >= end:
        return clock.to_utc(datetime.combine(local.date() + timedelta(days=1), start), tz)
    return at

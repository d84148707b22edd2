"""Pure decisions about time: booking deadlines and reminder due times (the follow-up
kinds and their importance are in followups.py).

No I/O: the services load what these functions read and act on what they return.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


def utc(moment: datetime) -> datetime:
    """Aware UTC (a naive value from SQLite is UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def elapsed_hours(sms_hours: float, email_hours: float) -> dict[str, float]:
    """The booking channels that wait elapsed hours, not calendar days: channel -> hours."""
    return {"sms": sms_hours, "email": email_hours}


def booking_deadline(
    awaiting_since: datetime, channel: str | None, letter_days: float, sms_hours: float,
    tz: ZoneInfo, email_hours: float = 72,
) -> datetime:  # fmt: skip
    """When an order waiting since `awaiting_since` has waited long enough (UTC).

    SMS bookings wait `sms_hours` and e-mail bookings `email_hours` elapsed hours. Letters
    wait `letter_days` calendar days in local time: the same wall-clock time that many
    days later, also across a DST change (a fraction of a day is added as elapsed time
    after that).
    """
    start = utc(awaiting_since)
    elapsed = elapsed_hours(sms_hours, email_hours).get(channel or "")
    if elapsed is not None:
        return start + timedelta(hours=elapsed)
    whole = math.floor(letter_days)
    local = start.astimezone(tz).replace(tzinfo=None) + timedelta(days=whole)
    wall = local.replace(tzinfo=tz).astimezone(UTC)
    return wall + timedelta(days=letter_days - whole)


# How far a calendar-day deadline can be from the same number of elapsed days (a DST
# change): the reminder query selects candidates with this margin, then asks
# booking_deadline.
DST_MARGIN = timedelta(hours=2)


def appointment_reminder_due(due: datetime, visit: datetime) -> datetime | None:
    """When to send an appointment reminder, or None to skip it.

    `due` is when it could go out (quiet hours applied). A reminder is never due at or
    after the visit starts: then it is skipped (the caller lists it as skipped).
    """
    due = utc(due)
    return due if due < utc(visit) else None

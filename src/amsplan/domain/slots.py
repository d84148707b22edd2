"""The calendar's rules, pure: do two visits overlap, is a slot free, may a day be planned.

Times are local wall-clock (naive) datetimes; the services read the orders, the
technician, the holidays and the absences and ask these functions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from amsplan.domain.statuses import Status

# A slot is taken by every order that holds it, whatever its status: held orders too
# (until they are unassigned). Only open orders without a slot and closed ones are free.
OCCUPYING = (
    Status.PLANNING, Status.READY_TO_PRINT, Status.AWAITING_RESPONSE, Status.MANUAL_FOLLOWUP,
    Status.READY_FOR_EXECUTION, Status.IN_PROGRESS, Status.ON_HOLD, Status.REOPENED,
    Status.RESOLVED, Status.REJECTED_QUANT,
)  # fmt: skip

# The customer already has a time for these (a letter, an SMS, or a confirmation).
HAS_TIME = (Status.AWAITING_RESPONSE, Status.MANUAL_FOLLOWUP, Status.READY_FOR_EXECUTION)

WEEKDAY_NAMES = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")


@dataclass(frozen=True)
class Busy:
    """A visit in a technician's day."""

    order_no: str
    start: datetime
    end: datetime


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


def conflicts(start: datetime, end: datetime, busy: Iterable[Busy]) -> list[Busy]:
    """The visits that the slot [start, end) overlaps."""
    return [b for b in busy if overlaps(start, end, b.start, b.end)]


def overlap_reason(order_no: str, start: datetime, end: datetime, other: Busy) -> str:
    return (
        f"{order_no}: {start:%H:%M}-{end:%H:%M} overlaps "
        f"{other.order_no} ({other.start:%H:%M}-{other.end:%H:%M})"
    )


def first_free(
    cursor: datetime, length: timedelta, busy: Iterable[Busy], work_end: datetime
) -> datetime | None:
    """The earliest start at or after `cursor` where `length` fits before `work_end`
    without overlapping any visit; None when the day is full."""
    taken = sorted(busy, key=lambda b: b.start)
    start = cursor
    moved = True
    while moved:
        moved = False
        for b in taken:
            if overlaps(start, start + length, b.start, b.end):
                start, moved = b.end, True
    return start if start + length <= work_end else None


def past_reason(start: datetime, now_local: datetime) -> str | None:
    """A visit may not start before now (the current local time)."""
    if start < now_local:
        return f"{start:%d.%m.%Y %H:%M} is in the past (now {now_local:%d.%m.%Y %H:%M})"
    return None


def day_reason(
    day: date,
    today: date,
    working_days: str,
    holiday: str | None = None,
    absence: str | None = None,
    allow_weekend: bool = False,
    allow_holiday: bool = False,
) -> str | None:
    """Why nobody may be planned on `day` for this technician, or None.

    Weekends (days outside the technician's working days) and public holidays are
    refused unless allowed; a day in the past and an absence always are.
    """
    label = f"{WEEKDAY_NAMES[day.weekday()]} {day:%d.%m.%Y}"
    if day < today:
        return f"{label} is in the past"
    if absence is not None:
        return (
            f"{label}: the technician is away ({absence})"
            if absence
            else (f"{label}: the technician is away")
        )
    if holiday and not allow_holiday:
        return f"{label} is a public holiday ({holiday}); --allow-holiday to plan it anyway"
    if str(day.isoweekday()) not in (working_days or "12345") and not allow_weekend:
        return (
            f"{label} is not one of the technician's working days ({days_text(working_days)}); "
            "--allow-weekend to plan it anyway"
        )
    return None


def days_text(working_days: str) -> str:
    """'12345' -> 'man-fre'; '1357' -> 'man, ons, fre, søn'."""
    digits = sorted({int(d) for d in working_days or "" if d in "1234567"})
    short = [WEEKDAY_NAMES[d - 1][:3] for d in digits]
    if len(digits) > 2 and digits == list(range(digits[0], digits[-1] + 1)):
        return f"{short[0]}-{short[-1]}"
    return ", ".join(short)


def parse_working_days(text: str) -> str:
    """'12345' or '1-5' -> '12345'; ValueError when it is not days of the week."""
    raw = (text or "").strip().lower().replace(" ", "")
    if re.fullmatch(r"[1-7]+", raw):
        return "".join(sorted(set(raw)))
    if match := re.fullmatch(r"([1-7])-([1-7])", raw):
        a, b = int(match[1]), int(match[2])
        if a <= b:
            return "".join(str(d) for d in range(a, b + 1))
    raise ValueError(f"{text!r} is not a set of working days (use 12345 for Monday to Friday)")


def change_notice(
    status: Status, has_code: bool, can_sms: bool, needs_answer: bool, sms_in_time: bool = True
) -> str:
    """How a customer whose time changes is told.

    "none": the customer has no time yet; "sms": a change SMS, the status stays;
    "sms_wait": a change SMS, and the order waits for a new answer; "letter": a new
    letter (back to ready to print, the code kept); "call": an SMS could only go out at
    or after the new start (quiet hours), so a planner must call: no SMS, the status
    stays, the order is in follow-up.
    """
    if status not in HAS_TIME or (status is Status.MANUAL_FOLLOWUP and not has_code):
        return "none"
    if not can_sms:
        return "letter"
    if not sms_in_time:
        return "call"
    return "sms_wait" if needs_answer else "sms"


_NUMBER = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple:
    """'Stangevegen 7' before 'Stangevegen 12' (numbers compare as numbers)."""
    parts = _NUMBER.split((text or "").casefold())
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)

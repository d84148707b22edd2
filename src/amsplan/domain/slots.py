"""The calendar's rules, pure: do two visits overlap, is a slot free, may a day be planned.

Times are local wall-clock (naive) datetimes; the services read the orders, the
technician, the holidays and the absences and ask these functions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from amsplan import clock
from amsplan.domain.statuses import DEFAULT_LABELS, Status
from amsplan.i18n import _, day_label, weekday

# A slot is taken by every order that holds it, whatever its status: held orders too
# (until they are unassigned). Only open orders without a slot and closed ones are free.
OCCUPYING = (
    Status.PLANNING, Status.READY_TO_PRINT, Status.AWAITING_RESPONSE, Status.MANUAL_FOLLOWUP,
    Status.READY_FOR_EXECUTION, Status.IN_PROGRESS, Status.ON_HOLD, Status.REOPENED,
    Status.RESOLVED, Status.REJECTED_QUANT,
)  # fmt: skip

# What a technician's day shows (calendar, map): the visits that hold it, and the done ones.
DAY_VISITS = (*OCCUPYING, Status.CLOSED)

# Orders that may be put on a technician's day.
ASSIGNABLE = (Status.OPEN, Status.PLANNING, Status.REOPENED, Status.MANUAL_FOLLOWUP)
# A new time for an order the customer has (or will get) a time for.
RESCHEDULABLE = (
    Status.PLANNING, Status.READY_TO_PRINT, Status.AWAITING_RESPONSE, Status.MANUAL_FOLLOWUP,
    Status.READY_FOR_EXECUTION, Status.ON_HOLD,
)  # fmt: skip

# The customer already has a time for these (a letter, an SMS, or a confirmation).
HAS_TIME = (Status.AWAITING_RESPONSE, Status.MANUAL_FOLLOWUP, Status.READY_FOR_EXECUTION)

_MONDAY = date(2024, 1, 1)  # the weekdays' names are read from this week


@dataclass(frozen=True)
class Busy:
    """A visit in a technician's day."""

    order_no: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Allow:
    """Days a planner may plan although the rules would refuse them."""

    weekend: bool = False
    holiday: bool = False


@dataclass(frozen=True)
class WorkDay:
    """A technician's day as the rules see it (read by the service)."""

    tech_id: str
    day: date
    work_start: time
    work_end: time
    working_days: str
    holiday: str | None = None  # the public holiday's name
    absence: str | None = None  # the absence's reason ("" when none given); None: not away


def visit(order_no: str, planned_start: datetime | None, minutes: int | None, tz: ZoneInfo) -> Busy:
    """A planned visit (start in UTC, as stored) in local wall-clock time."""
    if planned_start is None:
        raise ValueError(f"{order_no} has no planned start")
    start = clock.to_local(planned_start, tz)
    return Busy(order_no, start, start + timedelta(minutes=minutes or 0))


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


def conflicts(start: datetime, end: datetime, busy: Iterable[Busy]) -> list[Busy]:
    """The visits that the slot [start, end) overlaps."""
    return [b for b in busy if overlaps(start, end, b.start, b.end)]


def overlap_reason(order_no: str, start: datetime, end: datetime, other: Busy) -> str:
    return _("{order}: {time} overlaps {other} ({other_time})").format(
        order=order_no,
        time=f"{start:%H:%M}-{end:%H:%M}",
        other=other.order_no,
        other_time=f"{other.start:%H:%M}-{other.end:%H:%M}",
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
        return _("{start} is in the past (now {now})").format(
            start=f"{start:%d.%m.%Y %H:%M}", now=f"{now_local:%d.%m.%Y %H:%M}"
        )
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
    label = day_label(day)
    if day < today:
        return _("{day} is in the past").format(day=label)
    if absence is not None:
        return (
            _("{day}: the technician is away ({why})").format(day=label, why=absence)
            if absence
            else _("{day}: the technician is away").format(day=label)
        )
    if holiday and not allow_holiday:
        return _("{day} is a public holiday ({holiday}); --allow-holiday to plan it anyway").format(
            day=label, holiday=holiday
        )
    if str(day.isoweekday()) not in (working_days or "12345") and not allow_weekend:
        return _(
            "{day} is not one of the technician's working days ({days}); "
            "--allow-weekend to plan it anyway"
        ).format(day=label, days=days_text(working_days))
    return None


def day_problem(work: WorkDay, today: date, allow: Allow) -> str | None:
    """Why nothing may be planned on the technician's day, or None."""
    reason = day_reason(
        work.day, today, work.working_days, work.holiday, work.absence,
        allow.weekend, allow.holiday,
    )  # fmt: skip
    return f"{work.tech_id} {reason}" if reason else None


def slot_problems(
    work: WorkDay,
    now: datetime,
    statuses: list[tuple[str, Status]],
    slots: list[Busy],
    others: list[Busy],
    allowed: tuple[Status, ...],
    verb: str,
    allow: Allow,
) -> list[str]:
    """Why the orders (order number, status) may not take the slots on the technician's
    day, every reason; empty when they may. `others`: the visits the day holds besides
    these orders; `now`: the current local time; `verb`: what is done to them, in the
    planner's language ("assigned")."""
    problems = []
    names = ", ".join(_(DEFAULT_LABELS[a]) for a in allowed)
    for order_no, status in statuses:
        if status not in allowed:
            problems.append(
                _("{order}: is {status}; only {statuses} orders can be {verb}").format(
                    order=order_no,
                    status=_(DEFAULT_LABELS[Status(status)]),
                    statuses=names,
                    verb=verb,
                )
            )
    closed = day_problem(work, now.date(), allow)
    if closed:
        problems.append(closed)
    day_end = datetime.combine(work.day, work.work_end)
    for planned in slots:
        if not closed and (late := past_reason(planned.start, now)):
            problems.append(f"{planned.order_no}: {late}")
        if planned.start.time() < work.work_start or planned.end > day_end:
            problems.append(
                _("{order}: {time} is outside {tech}'s working hours {hours}").format(
                    order=planned.order_no,
                    time=f"{planned.start:%H:%M}-{planned.end:%H:%M}",
                    tech=work.tech_id,
                    hours=f"{work.work_start:%H:%M}-{work.work_end:%H:%M}",
                )
            )
    for planned in slots:
        for other in conflicts(planned.start, planned.end, others):
            problems.append(overlap_reason(planned.order_no, planned.start, planned.end, other))
    for i, a in enumerate(slots):
        for b in slots[i + 1 :]:
            if overlaps(a.start, a.end, b.start, b.end):
                problems.append(overlap_reason(a.order_no, a.start, a.end, b))
    return problems


def slot_refusal(mine: Busy, now: datetime | None, day: Iterable[Busy]) -> str | None:
    """Why an order may not be booked on the slot it holds: the slot is in the past
    (unless `now` is None), or another visit of the day holds it too."""
    if now is not None and (late := past_reason(mine.start, now)):
        return _("the appointment {when}").format(when=late)
    clash = [b for b in conflicts(mine.start, mine.end, day) if b.order_no != mine.order_no]
    if clash:
        other = clash[0]
        return _("its slot {slot} is taken by {other} ({time})").format(
            slot=f"{mine.start:%d.%m.%Y %H:%M}-{mine.end:%H:%M}",
            other=other.order_no,
            time=f"{other.start:%H:%M}-{other.end:%H:%M}",
        )
    return None


def sequence(visits: Iterable[Busy]) -> dict[str, int]:
    """Booking sequence 1..n of a day's visits by start time (then order number)."""
    ordered = sorted(visits, key=lambda b: (b.start, b.order_no))
    return {b.order_no: n for n, b in enumerate(ordered, start=1)}


def consecutive(begin: datetime, lengths: list[timedelta]) -> list[tuple[datetime, timedelta]]:
    """(start, length) of visits that follow one another from `begin`."""
    plan, at = [], begin
    for length in lengths:
        plan.append((at, length))
        at += length
    return plan


def closed_reason(
    working_days: str, holiday: str | None, absence: str | None, day: date
) -> str | None:
    """Why a technician's day is closed for new visits (the calendar's short words), or
    None: away (with the reason), a public holiday, not a working day."""
    if absence is not None:
        return _("away ({why})").format(why=absence) if absence else _("away")
    if holiday:
        return _("public holiday ({holiday})").format(holiday=holiday)
    if str(day.isoweekday()) not in (working_days or "12345"):
        return _("not a working day")
    return None


def days_text(working_days: str) -> str:
    """'12345' -> 'man-fre' ('Mon-Fri'); '1357' -> 'man, ons, fre, søn'."""
    digits = sorted({int(d) for d in working_days or "" if d in "1234567"})
    short = [weekday(_MONDAY + timedelta(days=d - 1))[:3] for d in digits]
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
    raise ValueError(
        _("{text!r} is not a set of working days (use 12345 for Monday to Friday)").format(
            text=text
        )
    )


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


def natural_key(text: str) -> tuple[tuple[int, int, str], ...]:
    """'Stangevegen 7' before 'Stangevegen 12' (numbers compare as numbers)."""
    parts = _NUMBER.split((text or "").casefold())
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)

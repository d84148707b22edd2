"""The reports' rules, pure: which history rows count as what, the local periods, the
tallies per period, and the figures the dashboard shows (plain data for the adapter).

See amsplan.services.reports for what is counted; the service reads the rows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from amsplan import clock
from amsplan.domain.statuses import Status
from amsplan.errors import InputError

PERIODS = ("day", "week", "month")

#: How far ahead the dashboard's technician load looks.
LOAD_DAYS = 14

#: Statuses of an order that takes a slot of its technician's day.
LOAD_STATUSES = (
    Status.PLANNING, Status.READY_TO_PRINT, Status.AWAITING_RESPONSE, Status.MANUAL_FOLLOWUP,
    Status.READY_FOR_EXECUTION, Status.IN_PROGRESS,
)  # fmt: skip


@dataclass
class Period:
    """The figures of one period (or of all of them: period "Total")."""

    period: str
    closed_ok: int = 0
    failed: int = 0
    confirmed: int = 0
    awaiting: int = 0


@dataclass
class Progress:
    by: str
    tech_id: str | None
    periods: list[Period]  # periods with anything in them, oldest first
    total: Period
    generated_at: datetime  # local wall-clock time

    @property
    def awaiting_now(self) -> int:
        return self.total.awaiting


@dataclass
class StatusCount:
    status: str
    label: str
    colour: str
    count: int


@dataclass
class TechLoad:
    tech_id: str
    name: str
    planned: int  # orders planned in the coming LOAD_DAYS days (from today)
    done: int  # orders closed OK so far


@dataclass
class Dashboard:
    company: str
    generated_at: datetime  # local wall-clock time
    weeks: list[Period]  # every week from the first event to this week
    total: Period
    statuses: list[StatusCount]  # every status, in workflow order
    failed_by_reason: list[tuple[str, int]]  # most first
    load: list[TechLoad]
    load_days: int = LOAD_DAYS
    orders: int = 0  # every order
    cancelled: int = 0  # orders cancelled (not to be done)
    done: int = 0  # orders closed OK now
    ready_for_execution: int = 0  # confirmed, not yet done

    @property
    def today(self) -> date:
        return self.generated_at.date()

    @property
    def done_share(self) -> float:
        """Orders closed OK among the orders to be done (all but the cancelled ones)."""
        todo = self.orders - self.cancelled
        return self.done / todo if todo else 0.0


@dataclass(frozen=True)
class Event:
    kind: str  # closed_ok | failed | confirmed
    at: datetime
    order_id: int
    technician_id: str | None
    resolution: str | None


def period_key(moment: datetime, by: str, tz: ZoneInfo) -> str:
    """The local period a UTC moment falls in: 2026-04-22, 2026-W17 or 2026-04."""
    local = clock.to_local(moment, tz)
    if by == "day":
        return local.date().isoformat()
    if by == "week":
        return week_key(local.date())
    return f"{local:%Y-%m}"


def week_key(day: date) -> str:
    """The ISO week a day falls in: 2026-W17."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def check_by(by: str) -> None:
    if by not in PERIODS:
        raise InputError(f"--by {by!r}: use day, week or month")


def event_kind(
    transition: str,
    to_status: str,
    resolution: str | None,
    order_resolution: str | None,
    ok: str,
) -> str | None:
    """What a history row counts as: "failed" (a visit resolved other than `ok`),
    "confirmed" (made ready for execution), "closed_ok" (closed with `ok`, or an old row
    without a resolution whose order has it); None: it does not count."""
    if transition == "resolve":
        return None if resolution == ok else "failed"  # an OK resolve: the close counts
    if to_status == Status.READY_FOR_EXECUTION:
        return "confirmed"
    if (resolution or order_resolution) == ok:
        return "closed_ok"
    return None  # closed for another reason (cancelled, a planner's decision)


def tally(
    events: Iterable[Event], awaiting: Iterable[tuple[int, datetime]], by: str, tz: ZoneInfo
) -> tuple[list[Period], Period]:
    periods: dict[str, Period] = {}
    total = Period("Total")
    for event in events:
        key = period_key(event.at, by, tz)
        row = periods.setdefault(key, Period(key))
        setattr(row, event.kind, getattr(row, event.kind) + 1)
        setattr(total, event.kind, getattr(total, event.kind) + 1)
    for _order_id, since in awaiting:
        key = period_key(since, by, tz)
        periods.setdefault(key, Period(key)).awaiting += 1
        total.awaiting += 1
    return [periods[k] for k in sorted(periods)], total


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def every_week(periods: list[Period], first: date, last: date) -> list[Period]:
    """The weekly periods from the week of `first` to the week of `last`, gaps as zeros."""
    known = {p.period: p for p in periods}
    weeks = []
    start = monday(first)
    while start <= last:
        key = week_key(start)
        weeks.append(known.get(key, Period(key)))
        start += timedelta(days=7)
    return weeks


@dataclass(frozen=True)
class Crew:
    """A technician as the dashboard's load chart sees them."""

    name: str
    active: bool


def dashboard(
    company: str,
    now: datetime,
    tz: ZoneInfo,
    events: list[Event],
    awaiting: list[tuple[int, datetime]],
    counts: dict[str, int],
    statuses: list[tuple[Status, str, str]],
    cancelled: int,
    done: int,
    planned: dict[str, int],
    crew: dict[str, Crew],
) -> Dashboard:
    """The dashboard's figures from what was read: `now` local; `counts` orders per
    status; `statuses` (status, label, colour) in workflow order; `planned` each
    technician's orders in the coming LOAD_DAYS days."""
    today = now.date()
    weekly, total = tally(events, awaiting, "week", tz)
    moments = [e.at for e in events] + [since for _, since in awaiting]
    days = [clock.to_local(m, tz).date() for m in moments]
    weeks = every_week(weekly, min(days), max([today, *days])) if days else []
    reasons = Counter(e.resolution or "?" for e in events if e.kind == "failed")
    failed_by_reason = sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
    done_by_tech = Counter(e.technician_id for e in events if e.kind == "closed_ok")
    ids = {t for t, c in crew.items() if c.active} | set(planned)
    ids |= {tech for tech in done_by_tech if tech}
    load = [
        TechLoad(tech, crew[tech].name if tech in crew else "", planned.get(tech, 0),
                 done_by_tech.get(tech, 0))
        for tech in sorted(ids)
    ]  # fmt: skip
    return Dashboard(
        company=company,
        generated_at=now,
        weeks=weeks,
        total=total,
        statuses=[
            StatusCount(st.value, label, colour, counts.get(st.value, 0))
            for st, label, colour in statuses
        ],  # fmt: skip
        failed_by_reason=failed_by_reason,
        load=load,
        orders=sum(counts.values()),
        cancelled=cancelled,
        done=done,
        ready_for_execution=counts.get(Status.READY_FOR_EXECUTION.value, 0),
    )


FAILED_BY = ("reason", "tech", "week")


def check_failed_by(by: str) -> None:
    if by not in FAILED_BY:
        raise InputError(f"--by {by!r}: use reason, tech or week")


def count_failed(
    visits: Iterable[tuple[str | None, str | None, datetime]], by: str, tz: ZoneInfo
) -> list[tuple[str, int]]:
    """Failed visits (resolution, technician, when: UTC) counted by reason or technician
    (most first) or by local ISO week (oldest first)."""
    check_failed_by(by)
    counts: Counter[str] = Counter()
    for resolution, tech, at in visits:
        if by == "reason":
            counts[resolution or "?"] += 1
        elif by == "tech":
            counts[tech or "-"] += 1
        else:
            counts[period_key(at, "week", tz)] += 1
    return sorted(counts.items()) if by == "week" else counts.most_common()

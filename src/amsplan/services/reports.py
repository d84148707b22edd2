"""The team lead's reports: progress per day, week or month, and the dashboard's figures.

Progress is counted from the history, so a period's figures never change once it is over:

- closed OK: a history row that closed the order with resolution OK (an old row without a
  resolution counts by the order's resolution);
- failed visit ("bomtur"): a ``resolve`` row with any resolution but OK;
- confirmed: a row that moved the order to ready for execution (reply OK, phone, SMS);
- awaiting: a snapshot of the orders awaiting a reply now, each counted in the period it
  started waiting, so the total is the number awaiting now.

Periods are local calendar periods in the configured zone: ``2026-04-22``, ISO week
``2026-W17``, month ``2026-04``. An event belongs to the technician on its history row
(the order's technician at the time), the snapshot to the order's technician now.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, select

from amsplan import clock
from amsplan.config import RESOLUTION_OK
from amsplan.domain.statuses import Status
from amsplan.errors import InputError
from amsplan.services.context import Context
from amsplan.store.models import History, Order, Technician
from amsplan.store.technicians import get_technician

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
class _Event:
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
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{local:%Y-%m}"


def _check_by(by: str) -> None:
    if by not in PERIODS:
        raise InputError(f"--by {by!r}: use day, week or month")


def _events(s: Session, tech_id: str | None, order_ids: set[int] | None) -> list[_Event]:
    query = (
        select(History, Order.resolution)
        .join(Order, Order.id == History.order_id)
        .where(
            (History.to_status == Status.CLOSED.value)
            | (History.to_status == Status.READY_FOR_EXECUTION.value)
            | (History.transition == "resolve")
        )
        .order_by(History.at, History.id)
    )
    if tech_id:
        query = query.where(History.technician_id == tech_id)
    events = []
    for h, order_resolution in s.exec(query):
        if order_ids is not None and h.order_id not in order_ids:
            continue
        if h.transition == "resolve":
            if h.resolution == RESOLUTION_OK:
                continue  # the close right after it counts
            kind = "failed"
        elif h.to_status == Status.READY_FOR_EXECUTION.value:
            kind = "confirmed"
        elif (h.resolution or order_resolution) == RESOLUTION_OK:
            kind = "closed_ok"
        else:
            continue  # closed for another reason (cancelled, a planner's decision)
        events.append(_Event(kind, h.at, h.order_id, h.technician_id, h.resolution))
    return events


def _awaiting(
    s: Session, tech_id: str | None, order_ids: set[int] | None
) -> list[tuple[int, datetime]]:
    """(order id, since when) of every order awaiting a reply now."""
    query = select(Order.id, Order.awaiting_since, Order.updated_at).where(
        Order.status == Status.AWAITING_RESPONSE.value
    )
    if tech_id:
        query = query.where(Order.technician_id == tech_id)
    return [
        (order_id, since or updated)
        for order_id, since, updated in s.exec(query)
        if order_ids is None or order_id in order_ids
    ]


def _tally(
    events: Iterable[_Event], awaiting: Iterable[tuple[int, datetime]], by: str, tz: ZoneInfo
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


def progress(
    ctx: Context,
    by: str = "week",
    tech_id: str | None = None,
    order_ids: set[int] | None = None,
) -> Progress:
    """Orders closed OK, failed visits, confirmed and awaiting, per local period."""
    _check_by(by)
    tz = ctx.settings.tz
    with ctx.session(readonly=True) as s:
        if tech_id:
            get_technician(s, tech_id)
        events = _events(s, tech_id, order_ids)
        awaiting = _awaiting(s, tech_id, order_ids)
    periods, total = _tally(events, awaiting, by, tz)
    return Progress(by, tech_id, periods, total, clock.to_local(ctx.now(), tz))


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _every_week(periods: list[Period], first: date, last: date) -> list[Period]:
    """The weekly periods from the week of `first` to the week of `last`, gaps as zeros."""
    known = {p.period: p for p in periods}
    weeks = []
    monday = _monday(first)
    while monday <= last:
        year, week, _ = monday.isocalendar()
        key = f"{year}-W{week:02d}"
        weeks.append(known.get(key, Period(key)))
        monday += timedelta(days=7)
    return weeks


def dashboard_data(ctx: Context) -> Dashboard:
    """Everything the dashboard shows, read in one transaction."""
    tz = ctx.settings.tz
    settings = ctx.settings
    now = clock.to_local(ctx.now(), tz)
    today = now.date()
    window = (
        clock.day_bounds(today, tz)[0],
        clock.day_bounds(today + timedelta(days=LOAD_DAYS - 1), tz)[1],
    )
    with ctx.session(readonly=True) as s:
        events = _events(s, None, None)
        awaiting = _awaiting(s, None, None)
        counts = dict(s.exec(select(Order.status, func.count()).group_by(Order.status)).all())
        cancelled = s.exec(select(func.count()).where(Order.cancelled)).one()
        done = s.exec(
            select(func.count()).where(
                Order.status == Status.CLOSED.value, Order.resolution == RESOLUTION_OK
            )
        ).one()
        planned = dict(
            s.exec(
                select(Order.technician_id, func.count())
                .where(
                    Order.technician_id.is_not(None),
                    Order.status.in_([st.value for st in LOAD_STATUSES]),
                    Order.planned_start >= window[0],
                    Order.planned_start < window[1],
                )
                .group_by(Order.technician_id)
            ).all()
        )
        techs = {t.id: t for t in s.exec(select(Technician))}

    weekly, total = _tally(events, awaiting, "week", tz)
    moments = [e.at for e in events] + [since for _, since in awaiting]
    days = [clock.to_local(m, tz).date() for m in moments]
    weeks = _every_week(weekly, min(days), max([today, *days])) if days else []

    statuses = [
        StatusCount(st.value, settings.label(st), settings.colour(st), counts.get(st.value, 0))
        for st in Status
    ]
    reasons = Counter(e.resolution or "?" for e in events if e.kind == "failed")
    failed_by_reason = sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
    done_by_tech = Counter(e.technician_id for e in events if e.kind == "closed_ok")
    ids = {t.id for t in techs.values() if t.active} | set(planned)
    ids |= {tech for tech in done_by_tech if tech}
    load = [
        TechLoad(tech, techs[tech].name if tech in techs else "", planned.get(tech, 0),
                 done_by_tech.get(tech, 0))
        for tech in sorted(ids)
    ]  # fmt: skip
    return Dashboard(
        company=settings.company_name,
        generated_at=now,
        weeks=weeks,
        total=total,
        statuses=statuses,
        failed_by_reason=failed_by_reason,
        load=load,
        orders=sum(counts.values()),
        cancelled=cancelled,
        done=done,
        ready_for_execution=counts.get(Status.READY_FOR_EXECUTION.value, 0),
    )

"""The team lead's reports: progress per day, week or month with the snapshot of the same
orders now (per stage and municipality, the forecast, the follow-up backlog by age), and
the dashboard's figures.

Every event counts on the local day (in the configured zone) of its own time:

- closed OK: the orders closed with resolution OK now, on the day of the visit (the
  return's time; a planner's close: its time);
- failed visit ("bomtur"): every visit resolved with another code, on the day of the visit;
- confirmed: every move to ready for execution, on the day the reply was received (a
  planner's call or SMS confirmation: its time);
- awaiting: the orders awaiting a reply now, each on the day it started waiting.

Periods are local calendar periods: ``2026-04-22``, ISO week ``2026-W17``, month
``2026-04``. An event belongs to the technician on its history row (the order's
technician at the time); an order (closed OK, awaiting, the snapshot) to its technician
now. Everything a report shows is read in one transaction from one snapshot.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session

from amsplan import clock
from amsplan.config import RESOLUTION_OK
from amsplan.domain import reports as rules
from amsplan.domain.holidays import public_holiday
from amsplan.domain.reports import (
    AGE_BUCKETS,
    LOAD_DAYS,
    LOAD_STATUSES,
    PERIODS,
    Breakdown,
    Crew,
    Dashboard,
    Forecast,
    OrderCount,
    Period,
    Progress,
    StatusCount,
    TechLoad,
    period_key,
)
from amsplan.domain.statuses import Status
from amsplan.services.context import Context
from amsplan.store import reports as store
from amsplan.store.chunks import chunks
from amsplan.store.reports import Scope
from amsplan.store.technicians import all_technicians, get_technician

__all__ = [
    "AGE_BUCKETS", "LOAD_DAYS", "LOAD_STATUSES", "PERIODS", "Breakdown", "Dashboard",
    "Forecast", "Period", "Progress", "StatusCount", "TechLoad", "dashboard_data",
    "period_key", "progress",
]  # fmt: skip


@dataclass
class _Read:
    """What a report reads of its orders (added up over the chunks of a selection)."""

    events: list[tuple[str, datetime, str | None, int]] = field(default_factory=list)
    counts: list[OrderCount] = field(default_factory=list)
    waiting: int = 0
    waited: list[int] = field(default_factory=lambda: [0] * len(rules.AGE_LIMITS))


def _read(s: Session, ctx: Context, tech_id: str | None, order_ids: set[int] | None) -> _Read:
    now = ctx.now()
    scopes = (
        [Scope(tech_id)]
        if order_ids is None
        else [Scope(tech_id, chunk) for chunk in chunks(sorted(order_ids))]
    )
    read = _Read()
    for scope in scopes:
        read.events += store.events(s, RESOLUTION_OK, scope)
        read.counts += store.order_counts(s, RESOLUTION_OK, scope)
        waiting, waited = store.waiting_for_a_person(s, rules.age_cutoffs(now), scope)
        read.waiting += waiting
        read.waited = [a + b for a, b in zip(read.waited, waited, strict=True)]
    return read


def _working_day(ctx: Context):
    country = ctx.settings.country
    return lambda day: day.weekday() < 5 and public_holiday(country, day) is None


def _progress(ctx: Context, by: str, tech_id: str | None, read: _Read) -> Progress:
    tz = ctx.settings.tz
    now = clock.to_local(ctx.now(), tz)
    days = rules.daily(((kind, at, n) for kind, at, _, n in read.events), tz)
    periods, total = rules.tally(days, by)
    stages, orders = rules.breakdown(read.counts, "stage")
    municipalities, _ = rules.breakdown(read.counts, "municipality")
    forecast = rules.forecast(days["closed_ok"], orders.remaining, now.date(), _working_day(ctx))
    backlog = rules.backlog(read.waiting, read.waited)
    return Progress(by, tech_id, periods, total, now, stages, municipalities, orders,
                    forecast, backlog)  # fmt: skip


def progress(
    ctx: Context,
    by: str = "week",
    tech_id: str | None = None,
    order_ids: set[int] | None = None,
) -> Progress:
    """The figures per local period, and the snapshot of the same orders now (all, one
    technician's, or those of `order_ids`)."""
    rules.check_by(by)
    with ctx.session(readonly=True) as s:
        store.snapshot(s)
        if tech_id:
            get_technician(s, tech_id)
        read = _read(s, ctx, tech_id, order_ids)
    return _progress(ctx, by, tech_id, read)


def dashboard_data(ctx: Context) -> Dashboard:
    """Every figure the dashboard shows, read in one transaction from one snapshot."""
    settings = ctx.settings
    today = clock.to_local(ctx.now(), settings.tz).date()
    window = (
        clock.day_bounds(today, settings.tz)[0],
        clock.day_bounds(today + timedelta(days=LOAD_DAYS - 1), settings.tz)[1],
    )
    with ctx.session(readonly=True) as s:
        store.snapshot(s)
        read = _read(s, ctx, None, None)
        planned = store.planned_per_technician(s, LOAD_STATUSES, *window)
        done = store.done_per_technician(s, RESOLUTION_OK)
        crew = {t.id: Crew(t.name, t.active) for t in all_technicians(s)}
    progress = _progress(ctx, "week", None, read)
    per_status: Counter[str] = Counter()
    for row in read.counts:
        per_status[row.status] += row.n
    statuses = [
        StatusCount(st.value, settings.label(st), settings.colour(st), per_status[st.value])
        for st in Status
    ]
    reasons: Counter[str] = Counter()
    for kind, _, resolution, n in read.events:
        if kind == "failed":
            reasons[resolution or "?"] += n
    return rules.dashboard(settings.company_name, progress, statuses, reasons,
                           rules.load(planned, done, crew))  # fmt: skip

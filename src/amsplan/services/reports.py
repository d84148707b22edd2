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

from datetime import datetime, timedelta

from sqlmodel import Session

from amsplan import clock
from amsplan.config import RESOLUTION_OK
from amsplan.domain import reports as rules
from amsplan.domain.reports import (
    LOAD_DAYS,
    LOAD_STATUSES,
    PERIODS,
    Crew,
    Dashboard,
    Event,
    Period,
    Progress,
    StatusCount,
    TechLoad,
    period_key,
)
from amsplan.domain.statuses import Status
from amsplan.services.context import Context
from amsplan.store import reports as store
from amsplan.store.counts import status_counts
from amsplan.store.technicians import all_technicians, get_technician

__all__ = [
    "LOAD_DAYS", "LOAD_STATUSES", "PERIODS", "Dashboard", "Period", "Progress", "StatusCount",
    "TechLoad", "dashboard_data", "period_key", "progress",
]  # fmt: skip


def _events(s: Session, tech_id: str | None, order_ids: set[int] | None) -> list[Event]:
    events = []
    for h, order_resolution in store.progress_rows(s, tech_id):
        if order_ids is not None and h.order_id not in order_ids:
            continue
        kind = rules.event_kind(
            h.transition, h.to_status, h.resolution, order_resolution, RESOLUTION_OK
        )
        if kind:
            events.append(Event(kind, h.at, h.order_id, h.technician_id, h.resolution))
    return events


def _awaiting(
    s: Session, tech_id: str | None, order_ids: set[int] | None
) -> list[tuple[int, datetime]]:
    """(order id, since when) of every order awaiting a reply now."""
    rows = store.awaiting(s, tech_id)
    return [row for row in rows if order_ids is None or row[0] in order_ids]


def progress(
    ctx: Context,
    by: str = "week",
    tech_id: str | None = None,
    order_ids: set[int] | None = None,
) -> Progress:
    """Orders closed OK, failed visits, confirmed and awaiting, per local period."""
    rules.check_by(by)
    tz = ctx.settings.tz
    with ctx.session(readonly=True) as s:
        if tech_id:
            get_technician(s, tech_id)
        events = _events(s, tech_id, order_ids)
        awaiting = _awaiting(s, tech_id, order_ids)
    periods, total = rules.tally(events, awaiting, by, tz)
    return Progress(by, tech_id, periods, total, clock.to_local(ctx.now(), tz))


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
        counts = status_counts(s)
        cancelled = store.count_cancelled(s)
        done = store.count_closed_with(s, RESOLUTION_OK)
        planned = store.planned_per_technician(s, LOAD_STATUSES, *window)
        crew = {t.id: Crew(t.name, t.active) for t in all_technicians(s)}
    statuses = [(st, settings.label(st), settings.colour(st)) for st in Status]
    return rules.dashboard(
        settings.company_name, now, tz, events, awaiting, counts, statuses, cancelled, done,
        planned, crew,
    )  # fmt: skip

"""The calendar: a technician's day with gaps and overlaps, and every technician's load."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from amsplan import clock
from amsplan.domain.holidays import public_holiday
from amsplan.domain.slots import DAY_VISITS, OCCUPYING, closed_reason, visit
from amsplan.domain.statuses import Status
from amsplan.services.context import Context
from amsplan.services.routes import day_figures
from amsplan.store.models import Absence, Technician
from amsplan.store.orders import day_orders, planned_between
from amsplan.store.technicians import absence_on, absences_on, all_technicians, get_technician


@dataclass
class Visit:
    sequence: int | None
    start: datetime  # local
    end: datetime
    order_no: str
    customer_name: str
    address: str
    status: Status
    important_info: bool
    difficult_meter: bool


@dataclass
class Day:
    tech_id: str
    tech_name: str
    day: date
    work_start: datetime
    work_end: datetime
    visits: list[Visit] = field(default_factory=list)
    gaps: list[tuple[datetime, datetime]] = field(default_factory=list)
    overlaps: list[tuple[str, str]] = field(default_factory=list)
    # Why the day is closed for new visits: away, a public holiday, not a working day.
    closed: str | None = None
    # Driving from the start point through the visits in time order and back (None: no
    # visits, or `route_unknown` says why it cannot be known).
    km: float | None = None
    drive_minutes: float | None = None
    route_unknown: str | None = None

    @property
    def booked_minutes(self) -> int:
        return sum(int((v.end - v.start).total_seconds() // 60) for v in self.visits)

    @property
    def working_minutes(self) -> int:
        return int((self.work_end - self.work_start).total_seconds() // 60)


def analyse(day: Day) -> Day:
    """Fill in the free gaps of the working day and the pairs of visits that overlap."""
    visits = sorted(day.visits, key=lambda v: (v.start, v.end))
    cursor = day.work_start
    latest: Visit | None = None
    for v in visits:
        if latest is not None and v.start < latest.end:
            day.overlaps.append((latest.order_no, v.order_no))
        if v.start > cursor:
            day.gaps.append((cursor, min(v.start, day.work_end)))
        if latest is None or v.end > latest.end:
            latest = v
        cursor = max(cursor, v.end)
    if cursor < day.work_end:
        day.gaps.append((cursor, day.work_end))
    # A closed day has no free time, whatever it holds.
    day.gaps = [] if day.closed else [(a, b) for a, b in day.gaps if b > a]
    return day


def technician_day(ctx: Context, tech_id: str, day: date) -> Day:
    tz = ctx.settings.tz
    with ctx.session(readonly=True) as s:
        tech = get_technician(s, tech_id)
        result = Day(tech.id, tech.name, day, datetime.combine(day, tech.work_start),
                     datetime.combine(day, tech.work_end))  # fmt: skip
        result.closed = _closed(ctx, tech, day, absence_on(s, tech.id, day))
        orders = day_orders(s, tz, tech_id, day, statuses=DAY_VISITS, lock=False)
        if orders:
            driving = day_figures(s, ctx, tech, orders)
            if isinstance(driving, str):
                result.route_unknown = driving
            else:
                result.km, result.drive_minutes = driving.km, driving.drive_minutes
        for o in orders:
            at = visit(o.order_no, o.planned_start, o.estimate_minutes, tz)
            result.visits.append(
                Visit(
                    o.booking_seq,
                    at.start,
                    at.end,
                    o.order_no,
                    o.customer_name,
                    f"{o.street}, {o.postcode} {o.city}",
                    o.status,
                    o.important_info,
                    o.difficult_meter,
                )  # fmt: skip
            )
    return analyse(result)


def _closed(ctx: Context, tech: Technician, day: date, away: Absence | None) -> str | None:
    """Why the technician's day is closed for new visits, or None."""
    if away is not None:
        return closed_reason(tech.working_days, None, away.reason or "", day)
    return closed_reason(tech.working_days, public_holiday(ctx.settings.country, day), None, day)


def week(ctx: Context, tech_id: str, day: date) -> list[Day]:
    """Monday to Friday of the week of `day` (and a weekend day with visits)."""
    monday = day - timedelta(days=day.weekday())
    days = [technician_day(ctx, tech_id, monday + timedelta(days=i)) for i in range(7)]
    return [d for i, d in enumerate(days) if i < 5 or d.visits]


@dataclass
class Load:
    tech_id: str
    tech_name: str
    visits: int
    booked_minutes: int
    working_minutes: int
    first: datetime | None
    last: datetime | None
    closed: str | None = None  # away, public holiday, not a working day


def load(ctx: Context, day: date) -> list[Load]:
    """Every technician's load on a day."""
    tz = ctx.settings.tz
    start, end = clock.day_bounds(day, tz)
    with ctx.session(readonly=True) as s:
        techs = all_technicians(s)
        away = {a.technician_id: a for a in absences_on(s, day)}
        orders = planned_between(s, start, end, OCCUPYING)
    out = []
    for t in techs:
        mine = [o for o in orders if o.technician_id == t.id]
        visits = [visit(o.order_no, o.planned_start, o.estimate_minutes, tz) for o in mine]
        starts = [v.start for v in visits]
        ends = [v.end for v in visits]
        work = datetime.combine(day, t.work_end) - datetime.combine(day, t.work_start)
        out.append(Load(t.id, t.name, len(mine), sum(o.estimate_minutes or 0 for o in mine),
                        int(work.total_seconds() // 60), min(starts, default=None),
                        max(ends, default=None), _closed(ctx, t, day, away.get(t.id))))  # fmt: skip
    return out

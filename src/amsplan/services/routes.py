"""Route-aware planning: `amsplan plan` (orders onto technician-days by driving route),
`amsplan route` (one unlocked day in driving order), the day's km for the calendar, and
the data of `amsplan map`.

The rules (the schedule, a day's figures, a visit's length) are in domain.routes; the
solver is adapters.solver; placing orders goes through services.planning.place, the same
path as `assign` (history, workflow, booking sequence).
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import cast
from zoneinfo import ZoneInfo

from sqlmodel import Session

from amsplan import clock
from amsplan.adapters import maps
from amsplan.config import Settings
from amsplan.domain import routes
from amsplan.domain import slots as rules
from amsplan.domain.geo import Located, Placement
from amsplan.domain.routes import Figures, Shift, Visit
from amsplan.domain.search import OrderFilter
from amsplan.domain.slots import ASSIGNABLE, DAY_VISITS, Allow
from amsplan.domain.statuses import Status
from amsplan.errors import AmsplanError, InputError, NotFound
from amsplan.i18n import N_, _, day_label, ngettext
from amsplan.services import geo
from amsplan.services.context import Context
from amsplan.services.geo import Placed
from amsplan.services.planning import Slot, busy, local_now, place, work_day
from amsplan.store import search as store_search
from amsplan.store.models import Order, Technician
from amsplan.store.orders import day_orders, load_orders, orders_by_id
from amsplan.store.technicians import all_technicians, get_technician, technicians_by_id

PLANNABLE = (Status.OPEN, Status.REOPENED)  # what `plan` takes: see _wants_time


def _wants_time(order: Order, now: datetime, tz: ZoneInfo) -> bool:
    """Whether `plan` may give the order a time: an open or reopened order without one; a
    reopened order keeps the time of its failed visit, which is behind it (`now`, local)."""
    if order.status not in PLANNABLE:
        return False
    if order.planned_start is None:
        return True
    return order.status is Status.REOPENED and clock.to_local(order.planned_start, tz) < now


@dataclass
class PlannedVisit:
    order_no: str
    start: datetime  # local wall-clock
    minutes: int
    kept: bool = False  # was already on the day, stays at its time
    approximate: bool = False  # placed at its postcode's centre


@dataclass
class PlannedDay:
    tech_id: str
    day: date
    visits: list[PlannedVisit]
    figures: Figures

    @property
    def new(self) -> list[PlannedVisit]:
        return [v for v in self.visits if not v.kept]


@dataclass
class Closed:
    tech_id: str
    day: date
    reason: str
    routine: bool = False  # a weekend or public holiday (not worth a line each)


@dataclass
class Proposal:
    days: list[PlannedDay] = field(default_factory=list)
    left: list[str] = field(default_factory=list)  # order numbers that did not fit
    unplaceable: list[Located] = field(default_factory=list)
    closed: list[Closed] = field(default_factory=list)
    selected: int = 0  # orders the selection matched that plan may take
    hit_time_limit: bool = False

    @property
    def count(self) -> int:
        return sum(len(d.new) for d in self.days)


@dataclass
class Applied:
    placed: list[Slot] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (order no, reason)


def _minute(moment: datetime | time) -> int:
    """Minutes since midnight of a local wall-clock time."""
    return moment.hour * 60 + moment.minute


def _at(day: date, minute: int) -> datetime:
    return datetime.combine(day, time()) + timedelta(minutes=minute)


def _opens(ctx: Context, tech: Technician, day: date) -> int:
    """When the technician-day may start: its working hours, and not in the past (today:
    from now, on the next GRAIN mark)."""
    opens = _minute(tech.work_start)
    now = local_now(ctx)
    if day == now.date():
        now_minute = math.ceil((_minute(now) + now.second / 60) / routes.GRAIN) * routes.GRAIN
        opens = max(opens, now_minute)
    return opens


def _length(settings: Settings, order: Order) -> int:
    return routes.visit_minutes(
        order.estimate_minutes, order.difficult_meter,
        settings.plan_visit_minutes, settings.plan_difficult_minutes,
    )  # fmt: skip


@dataclass
class _Problem:
    """What the solver sees, and what is needed to read its answer back."""

    shifts: list[Shift] = field(default_factory=list)
    rank: list[int] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)
    points: list[tuple[float, float]] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # each point's name, for errors
    orders: dict[int, Order] = field(default_factory=dict)
    placed: dict[int, Located] = field(default_factory=dict)

    def node(self, point: tuple[float, float], name: str) -> int:
        self.points.append(point)
        self.names.append(name)
        return len(self.points) - 1


def _selection(
    s: Session, ctx: Context, flt: OrderFilter, max_orders: int
) -> tuple[list[Order], int]:
    """The orders plan may take: the filter's open and reopened orders without a slot."""
    wanted = [st.value for st in PLANNABLE]
    statuses = [st for st in flt.status if st in wanted] if flt.status else wanted
    if not statuses:
        return [], 0
    flt = OrderFilter(**{**flt.__dict__, "status": statuses})
    ids = store_search.matching_ids(s, flt, ctx.settings.tz, ctx.settings.country)
    if len(ids) > max_orders:
        raise InputError(
            _("the selection has {n} open orders, more than planning.max_orders "
              "({max}): narrow it (--stage, --municipality, --postcode, --filter)").format(
                n=len(ids), max=max_orders)
        )  # fmt: skip
    found = orders_by_id(s, ids)
    now = local_now(ctx)
    orders = [o for _, o in sorted(found.items()) if _wants_time(o, now, ctx.settings.tz)]
    return orders, len(orders)


def propose(
    ctx: Context,
    flt: OrderFilter,
    first: date,
    last: date,
    tech_ids: list[str] | None = None,
    allow: Allow | None = None,
) -> Proposal:
    """A plan for the selected orders over the days `first`..`last` and the technicians
    (all active ones by default), around what is already planned. Reads only."""
    from amsplan.adapters import solver

    if last < first:
        raise InputError(_("--to is before --from"))
    today = local_now(ctx).date()
    if first < today:
        raise InputError(
            _("--from {day} is in the past (today is {today})").format(
                day=f"{first:%d.%m.%Y}", today=f"{today:%d.%m.%Y}"
            )
        )
    if (last - first).days > 62:
        raise InputError(_("plan at most 63 days at a time"))
    settings = ctx.settings
    tz = settings.tz
    proposal = Proposal()
    problem = _Problem()
    with ctx.session(readonly=True) as s:
        orders, proposal.selected = _selection(s, ctx, flt, settings.plan_max_orders)
        techs = _technicians(s, tech_ids)
        fixed_orders: dict[Hashable, list[Order]] = {}
        homes: dict[str, int] = {}
        for offset in range((last - first).days + 1):
            day = first + timedelta(days=offset)
            for tech in techs:
                work = work_day(s, ctx, tech, day)
                reason = rules.day_problem(work, today, allow or Allow())
                if reason is None and (tech.start_lat is None or tech.start_lon is None):
                    reason = _no_start_point(tech)
                if reason:
                    routine = bool(work.holiday) or str(day.isoweekday()) not in (
                        tech.working_days or "12345"
                    )
                    proposal.closed.append(Closed(tech.id, day, reason, routine and day >= today))
                    continue
                assert tech.start_lat is not None and tech.start_lon is not None
                if tech.id not in homes:
                    homes[tech.id] = problem.node(
                        (tech.start_lat, tech.start_lon),
                        _("{tech}'s start point").format(tech=tech.id),
                    )
                opens = _opens(ctx, tech, day)
                closes = _minute(tech.work_end)
                if opens >= closes:
                    proposal.closed.append(Closed(tech.id, day, _("the working day is over")))
                    continue
                key = (tech.id, day)
                fixed_orders[key] = day_orders(s, tz, tech.id, day, lock=False)
                problem.shifts.append(Shift(key, homes[tech.id], opens, closes))
                problem.rank.append(offset)
        every = [o.id for o in orders] + [o.id for v in fixed_orders.values() for o in v]
        placed = geo.place_in(s, [i for i in every if i is not None])
    problem.placed = placed.by_id()
    proposal.unplaceable = [u for u in placed.unplaceable if u.order_id in {o.id for o in orders}]
    problem.orders = {o.id: o for o in orders if o.id is not None}
    for o in orders:
        where = problem.placed.get(o.id or 0)
        if where is not None:
            assert where.lat is not None and where.lon is not None
            node = problem.node((where.lat, where.lon), o.order_no)
            problem.visits.append(Visit(where.order_id, node, _length(settings, o)))
    shifts = []
    for shift, rank in zip(problem.shifts, problem.rank, strict=True):
        around = _fixed_visits(problem, shift, fixed_orders[shift.key], settings)
        if isinstance(around, Shift):
            shifts.append((around, rank))
        else:
            tech_id, day = _tech_day(shift)
            proposal.closed.append(Closed(tech_id, day, around))
    minutes, km = geo.travel_times(settings, problem.points, problem.names)
    usable = []
    for shift, rank in shifts:
        if routes.schedule(shift, shift.fixed, minutes) is None:
            tech_id, day = _tech_day(shift)
            proposal.closed.append(Closed(tech_id, day,
                _("its planned visits and the drives between them do not fit its working "
                  "hours: kept as they are, nothing added")))  # fmt: skip
        else:
            usable.append((shift, rank))
    planned = solver.plan(
        [sh for sh, _ in usable], problem.visits, minutes, [r for _, r in usable],
        solver.Limits(settings.plan_solutions, settings.plan_time_limit),
    )  # fmt: skip
    proposal.hit_time_limit = planned.hit_time_limit
    taken: set[int] = set()
    for shift, _rank in usable:
        fixed_by_key = {f.key: f for f in shift.fixed}
        route, starts = planned.days[shift.key].route, planned.days[shift.key].starts
        new = [v for v in route if v.key not in fixed_by_key]
        if not new:
            continue
        taken |= {v.key for v in new}
        tech_id, day = _tech_day(shift)
        visits = [
            PlannedVisit(
                _order_no(problem, fixed_orders[shift.key], v.key), _at(day, start), v.minutes,
                kept=v.key in fixed_by_key,
                approximate=problem.placed[v.key].placement is Placement.APPROXIMATE,
            )
            for v, start in zip(route, starts, strict=True)
        ]  # fmt: skip
        proposal.days.append(
            PlannedDay(tech_id, day, visits, routes.figures(shift, route, minutes, km))
        )
    proposal.left = [problem.orders[v.key].order_no for v in problem.visits if v.key not in taken]
    proposal.days.sort(key=lambda d: (d.day, d.tech_id))
    proposal.closed.sort(key=lambda c: (c.day, c.tech_id))
    return proposal


def _no_start_point(tech: Technician) -> str:
    return _("{tech} has no start point (amsplan techs add {tech} --lat ... --lon ...)").format(
        tech=tech.id
    )


def _tech_day(shift: Shift) -> tuple[str, date]:
    tech_id, day = cast(tuple[str, date], shift.key)
    return tech_id, day


def _order_no(problem: _Problem, fixed: list[Order], key: int) -> str:
    order = problem.orders.get(key) or next(o for o in fixed if o.id == key)
    return order.order_no


def _technicians(s: Session, tech_ids: list[str] | None) -> list[Technician]:
    if not tech_ids:
        return [t for t in all_technicians(s) if t.active]
    found = technicians_by_id(s, tech_ids)
    missing = [t for t in tech_ids if t not in found]
    if missing:
        raise NotFound(_("no technician {tech!r}").format(tech=missing[0]))
    return [found[t] for t in dict.fromkeys(tech_ids)]


def _fixed_visits(
    problem: _Problem, shift: Shift, orders: list[Order], settings: Settings
) -> Shift | str:
    """The shift with the day's planned visits as fixed stops, or why it cannot be planned
    around them: one has no position, or (today) one has begun: where the technician is
    then is not the start point, so plan adds nothing to a day under way."""
    kept = []
    for o in orders:
        assert o.planned_start is not None
        start = _minute(clock.to_local(o.planned_start, settings.tz))
        if start < shift.opens:
            return _(
                "the day has begun ({order} at {time}): "
                "plan adds to days that have not started (assign by hand today)"
            ).format(order=o.order_no, time=f"{start // 60:02d}:{start % 60:02d}")
        where = problem.placed.get(o.id or 0)
        if where is None:
            return _(
                "{order} is planned on the day but has no position: plan around it "
                "by hand, or give it coordinates"
            ).format(order=o.order_no)
        assert where.lat is not None and where.lon is not None
        node = problem.node((where.lat, where.lon), o.order_no)
        kept.append(Visit(where.order_id, node, _length(settings, o), fixed=start))
    return Shift(shift.key, shift.home, shift.opens, shift.closes, tuple(kept))


def apply(ctx: Context, proposal: Proposal) -> Applied:
    """Put the proposal's new visits on their days in one transaction, through the same
    path as `assign`. An order another planner took meanwhile, or whose slot was taken, is
    skipped with the reason; the rest is placed."""
    result = Applied()
    tz = ctx.settings.tz
    now = local_now(ctx)
    with ctx.session() as s:
        for planned in proposal.days:
            new = planned.new
            orders = load_orders(s, [v.order_no for v in new])
            keep: list[tuple[Order, PlannedVisit]] = []
            for order, visit in zip(orders, new, strict=True):
                if not _wants_time(order, now, tz):
                    status = ctx.settings.label(order.status)
                    taken = _("taken meanwhile: now {status}").format(status=status)
                    if order.technician_id and order.planned_start:
                        local = clock.to_local(order.planned_start, tz)
                        taken = _("{taken} on {tech} {when}").format(
                            taken=taken, tech=order.technician_id, when=f"{local:%d.%m.%Y %H:%M}"
                        )
                    result.skipped.append((order.order_no, taken))
                    continue
                keep.append((order, visit))
            others = busy(s, ctx, planned.tech_id, planned.day, exclude={o.id for o, _ in keep})
            free = []
            for order, visit in keep:
                end = visit.start + timedelta(minutes=visit.minutes)
                clash = rules.conflicts(visit.start, end, others)
                if clash:
                    result.skipped.append(
                        (
                            order.order_no,
                            _("its slot was taken meanwhile by {other}").format(
                                other=clash[0].order_no
                            ),
                        )  # fmt: skip
                    )
                else:
                    free.append((order, visit))
            if not free:
                continue
            plan = [(v.start, timedelta(minutes=v.minutes)) for _, v in free]
            try:
                result.placed += place(
                    s, ctx, [o for o, _ in free], planned.tech_id, planned.day, plan,
                    ASSIGNABLE, N_("assigned"),
                )  # fmt: skip
            except InputError as refused:
                for order, _visit in free:
                    result.skipped.append((order.order_no, "; ".join(refused.problems) or
                                           str(refused)))  # fmt: skip
    return result


def _route_of(
    s: Session, ctx: Context, tech: Technician, orders: list[Order], placed: Placed | None = None
) -> tuple[Shift, list[Visit], list[list[float]], list[list[float]]] | str:
    """A technician-day's visits as a route from the start point (in the given order),
    with the travel matrices; or why it cannot be drawn (no start point, or a visit
    without a position). `placed`: the orders' positions, when the caller has them."""
    if tech.start_lat is None or tech.start_lon is None:
        return _no_start_point(tech)
    where = (placed or _placed(s, orders)).by_id()
    points = [(tech.start_lat, tech.start_lon)]
    visits = []
    for o in orders:
        found = where.get(o.id or 0)
        if found is None or found.lat is None or found.lon is None:
            return _("{order} has no position").format(order=o.order_no)
        points.append((found.lat, found.lon))
        visits.append(Visit(found.order_id, len(points) - 1, _length(ctx.settings, o)))
    names = [_("{tech}'s start point").format(tech=tech.id), *(o.order_no for o in orders)]
    minutes, km = geo.travel_times(ctx.settings, points, names)
    return Shift(tech.id, 0, _minute(tech.work_start), _minute(tech.work_end)), visits, minutes, km


def day_figures(
    s: Session, ctx: Context, tech: Technician, orders: list[Order], placed: Placed | None = None
) -> Figures | str:
    """The day's km and driving minutes along its visits in time order (for the
    calendar and the map), or why they cannot be known."""
    try:
        found = _route_of(s, ctx, tech, orders, placed)
    except AmsplanError as no_times:  # e.g. the OSRM server is down: the day is still shown
        return _("no travel times ({why})").format(why=no_times)
    if isinstance(found, str):
        return found
    shift, visits, minutes, km = found
    return routes.figures(shift, visits, minutes, km)


@dataclass
class Rerouted:
    tech_id: str
    day: date
    before: Figures
    after: Figures
    slots: list[Slot]
    dry_run: bool = False


def route(ctx: Context, tech_id: str, day: date, dry_run: bool = False) -> Rerouted:
    """Put a planned, not yet locked day in driving order and give each visit its time
    (from the start of the working day, with the drive); a dry run changes nothing."""
    from amsplan.adapters import solver

    tz = ctx.settings.tz
    with ctx.session(readonly=dry_run) as s:
        tech = get_technician(s, tech_id)
        orders = day_orders(s, tz, tech.id, day, lock=not dry_run)
        if not orders:
            raise InputError(
                _("{tech} has no visits on {day}").format(tech=tech.id, day=day_label(day))
            )
        locked = [o for o in orders if o.status is not Status.PLANNING]
        if locked:
            raise InputError(
                _(
                    "{tech} {day} is locked: its customers have their times "
                    "(move single visits with amsplan followup reschedule)"
                ).format(tech=tech.id, day=day_label(day)),
                [f"{o.order_no}: {ctx.settings.label(o.status)}" for o in locked],
            )
        now = local_now(ctx)
        begun = [o for o in orders if o.planned_start and clock.to_local(o.planned_start, tz) < now]
        if begun:
            started = clock.to_local(begun[0].planned_start, tz)  # type: ignore[arg-type]
            raise InputError(
                _("{tech}'s day {day} has begun ({order} at {time}): "
                  "route puts a day in order before it starts").format(
                    tech=tech.id, day=day_label(day), order=begun[0].order_no,
                    time=f"{started:%H:%M}")
            )  # fmt: skip
        found = _route_of(s, ctx, tech, orders)
        if isinstance(found, str):
            raise InputError(
                _("cannot route {tech} {day}: {why}").format(
                    tech=tech.id, day=day_label(day), why=found
                )
            )
        shift, visits, minutes, km = found
        shift = Shift(shift.key, 0, _opens(ctx, tech, day), shift.closes)
        before = routes.figures(shift, visits, minutes, km)
        if len(visits) <= routes.EXACT_UP_TO:
            order = routes.shortest_order(0, [v.node for v in visits], minutes)
            best = [visits[i] for i in order]
        else:
            solved = solver.solve([shift], visits, minutes, limits=solver.Limits(
                ctx.settings.plan_solutions, ctx.settings.plan_time_limit))  # fmt: skip
            by_key = {v.key: v for v in visits}
            best = [by_key[k] for k in solved.routes[shift.key]]
        if routes.schedule(shift, visits, minutes) is not None:
            # The planner's order stays when no order drives less, or the shorter one does
            # not fit the day once its drives are booked.
            shorter = routes.figures(shift, best, minutes, km).drive_minutes
            if (
                len(best) < len(visits)
                or shorter >= before.drive_minutes - 1e-6
                or routes.schedule(shift, best, minutes) is None
            ):
                best = visits
        starts = routes.schedule(shift, best, minutes)
        if starts is None or len(best) < len(visits):
            needed = sum(v.minutes for v in visits) + sum(
                routes.booked(minutes[a][b]) for a, b in pairwise([0, *(v.node for v in best), 0])
            )  # fmt: skip
            raise InputError(
                _("{tech}'s visits on {day} and the drives between them take "
                  "{needed} min, more than the {left} min left of the "
                  "working day: move some visits first (amsplan move, unassign)").format(
                    tech=tech.id, day=day_label(day), needed=needed,
                    left=shift.closes - shift.opens)
            )  # fmt: skip
        after = routes.figures(shift, best, minutes, km)
        by_id = {o.id: o for o in orders}
        ordered = [by_id[v.key] for v in best]
        plan = [
            (_at(day, t), timedelta(minutes=v.minutes)) for v, t in zip(best, starts, strict=True)
        ]
        # The day is already planned: a weekend or holiday it is on is not refused again.
        slots = place(s, ctx, ordered, tech.id, day, plan, (Status.PLANNING,), N_("routed"),
                      allow=Allow(weekend=True, holiday=True), dry_run=dry_run)  # fmt: skip
    return Rerouted(tech.id, day, before, after, slots, dry_run)


ROUTE_COLOURS = ("#1f6feb", "#d97706", "#7c3aed", "#059669", "#db2777", "#0891b2", "#65a30d")


def map_page(
    ctx: Context,
    days: list[date],
    tech_id: str | None = None,
    filter_name: str | None = None,
) -> maps.Page:
    """The map of the technicians' days (`tech_id`'s, or everybody's with visits), or with
    `filter_name` that filter's orders that have no slot yet."""
    settings = ctx.settings
    tz = settings.tz
    page_routes: list[maps.Route] = []
    unplaced: list[str] = []
    with ctx.session(readonly=True) as s:
        if filter_name:
            from amsplan.services.search import get_filter

            flt = get_filter(s, filter_name)
            ids = store_search.matching_ids(s, flt, tz, settings.country)
            now = local_now(ctx)
            orders = [o for _, o in sorted(orders_by_id(s, ids).items()) if _wants_time(o, now, tz)]
            stops, missing = _stops(settings, orders, _placed(s, orders), numbered=False)
            without = ngettext(
                "{filter}: {n} order without a time",
                "{filter}: {n} orders without a time",
                len(orders),
            )
            page_routes.append(maps.Route(without.format(filter=filter_name, n=len(orders)),
                                          stops))  # fmt: skip
            unplaced += missing
            title = f"amsplan: {filter_name}"
        else:
            techs = [get_technician(s, tech_id)] if tech_id else all_technicians(s)
            for day in days:
                for tech in techs:
                    orders = day_orders(s, tz, tech.id, day, statuses=DAY_VISITS, lock=False)
                    if not orders:
                        continue
                    placed = _placed(s, orders)
                    stops, missing = _stops(settings, orders, placed, numbered=True)
                    unplaced += missing
                    figures = day_figures(s, ctx, tech, orders, placed)
                    known = figures if isinstance(figures, Figures) else None
                    start = (tech.start_lat, tech.start_lon)
                    page_routes.append(maps.Route(
                        f"{tech.id} {tech.name}, {day_label(day)}", stops,
                        start if None not in start else None,  # type: ignore[arg-type]
                        ROUTE_COLOURS[len(page_routes) % len(ROUTE_COLOURS)],
                        known.km if known else None, known.drive_minutes if known else None,
                    ))  # fmt: skip
            who = tech_id or _("all technicians")
            span = f"{days[0]:%d.%m.%Y}" + (f"-{days[-1]:%d.%m.%Y}" if len(days) > 1 else "")
            title = f"amsplan: {who} {span}"
    return maps.Page(title, page_routes, settings.map_tile_url, settings.map_attribution,
                     unplaced)  # fmt: skip


def _placed(s: Session, orders: list[Order]) -> Placed:
    return geo.place_in(s, [o.id for o in orders if o.id is not None])


def _stops(
    settings: Settings, orders: list[Order], placed: Placed, numbered: bool
) -> tuple[list[maps.Stop], list[str]]:
    """The orders as map stops (numbered in the given order), and the ones that cannot be
    placed, with the reason."""
    tz = settings.tz
    where = placed.by_id()
    reasons = {u.order_id: u.reason for u in placed.unplaceable}
    stops: list[maps.Stop] = []
    missing: list[str] = []
    no_position = _("no position")
    for o in orders:
        found = where.get(o.id or 0)
        if found is None or found.lat is None or found.lon is None:
            missing.append(f"{o.order_no}: {reasons.get(o.id or 0, no_position)}")
            continue
        window = ""
        if o.planned_start:
            at = rules.visit(o.order_no, o.planned_start, o.estimate_minutes, tz)
            window = f"{at.start:%H:%M}-{at.end:%H:%M}"
        stops.append(maps.Stop(
            len(stops) + 1 if numbered else 0, found.lat, found.lon, o.order_no,
            o.customer_name, f"{o.street}, {o.postcode} {o.city}", window,
            settings.label(o.status), settings.colours.get(o.status, "#9e9e9e"),
            approximate=found.placement is Placement.APPROXIMATE,
        ))  # fmt: skip
    return stops, missing

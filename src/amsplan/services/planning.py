"""Planning: put orders on a technician's day, and lock days for booking."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, select

from amsplan import clock
from amsplan.errors import InputError, NotFound, TransitionRefused
from amsplan.models import Order, Technician
from amsplan.services import workflow
from amsplan.services.context import Context
from amsplan.services.lookup import find_orders
from amsplan.workflow.statuses import Status

# Statuses in which an order holds its slot in the technician's day.
OCCUPYING = (
    Status.PLANNING, Status.READY_TO_PRINT, Status.AWAITING_RESPONSE, Status.MANUAL_FOLLOWUP,
    Status.READY_FOR_EXECUTION, Status.IN_PROGRESS,
)  # fmt: skip
ASSIGNABLE = (Status.OPEN, Status.PLANNING, Status.REOPENED, Status.MANUAL_FOLLOWUP)


@dataclass
class Slot:
    order_no: str
    start: datetime  # local wall-clock
    end: datetime
    sequence: int = 0


def load_orders(session: Session, order_nos: list[str]) -> list[Order]:
    """The orders in the given order (numbers in any case); NotFound naming every missing one."""
    counts = Counter(order_nos)
    dupes = sorted(n for n, k in counts.items() if k > 1)
    if dupes:
        raise InputError(f"order given twice: {', '.join(dupes)}")
    found = find_orders(session, order_nos, lock=True)
    missing = [n for n in order_nos if n not in found]
    if missing:
        raise NotFound(f"no such order: {', '.join(missing)}")
    orders = [found[n] for n in order_nos]
    if len({o.id for o in orders}) < len(orders):
        seen: dict[int, str] = {}
        twice = []
        for number, order in zip(order_nos, orders, strict=True):
            if order.id in seen:
                twice.append(f"{seen[order.id]} and {number}")
            seen.setdefault(order.id, number)
        raise InputError(f"order given twice: {', '.join(twice)}")
    return orders


def day_orders(session: Session, ctx: Context, tech_id: str, day: date, statuses=OCCUPYING):
    start, end = clock.day_bounds(day, ctx.settings.tz)
    query = (
        select(Order)
        .where(
            Order.technician_id == tech_id,
            Order.planned_start >= start,
            Order.planned_start < end,
            Order.status.in_([s.value for s in statuses]),
        )
        .order_by(Order.planned_start, Order.booking_seq, Order.order_no)
        .with_for_update()
    )
    return list(session.exec(query))


def resequence(session: Session, ctx: Context, tech_id: str, day: date) -> None:
    """Booking sequence 1..n by start time for the technician's day."""
    for seq, order in enumerate(day_orders(session, ctx, tech_id, day), start=1):
        if order.booking_seq != seq:
            order.booking_seq = seq
            session.add(order)


def get_technician(session: Session, tech_id: str) -> Technician:
    tech = session.get(Technician, tech_id)
    if tech is None:
        raise NotFound(f"no technician {tech_id!r} (see `amsplan techs list`)")
    return tech


def assign(
    ctx: Context,
    order_nos: list[str],
    tech_id: str,
    day: date,
    start: time,
    slot: timedelta,
) -> list[Slot]:
    """Fill the technician's day slot by slot in the given order (all or nothing)."""
    if not order_nos:
        raise InputError("name at least one order")
    with ctx.session() as s:
        orders = load_orders(s, order_nos)
        return place(s, ctx, orders, tech_id, day, start, slot, ASSIGNABLE, "assigned")


# A new time for an order the customer has (or will get) a time for, without a new letter.
RESCHEDULABLE = (
    Status.PLANNING, Status.READY_TO_PRINT, Status.MANUAL_FOLLOWUP, Status.READY_FOR_EXECUTION,
)  # fmt: skip


def reschedule(
    ctx: Context,
    order_no: str,
    day: date,
    start: time,
    slot: timedelta | None = None,
    tech_id: str | None = None,
    comment: str = "",
) -> Slot:
    """Move one order to a new time (and technician); its status stays, history is kept."""
    with ctx.session() as s:
        (order,) = load_orders(s, [order_no])
        if slot is None:
            slot = timedelta(minutes=order.estimate_minutes or 60)
        tech_id = tech_id or order.technician_id
        if not tech_id:
            raise InputError(f"{order_no} has no technician: give --tech")
        (placed,) = place(
            s, ctx, [order], tech_id, day, start, slot, RESCHEDULABLE, "rescheduled", comment
        )
        return placed


def place(
    s: Session,
    ctx: Context,
    orders: list[Order],
    tech_id: str,
    day: date,
    start: time,
    slot: timedelta,
    allowed: tuple[Status, ...],
    verb: str,
    comment: str = "",
) -> list[Slot]:
    """Put orders one after the other from `start`; refuse all if any slot is not free."""
    from amsplan.services import follow, outbox

    tz = ctx.settings.tz
    tech = get_technician(s, tech_id)
    begin = datetime.combine(day, start)
    slots = [
        Slot(order.order_no, begin + i * slot, begin + (i + 1) * slot)
        for i, order in enumerate(orders)
    ]
    problems = _slot_problems(s, ctx, tech, day, orders, slots, allowed, verb)
    if problems:
        raise InputError(f"nothing was {verb}", problems)
    moved_from: set[tuple[str, date]] = set()
    for order, planned in zip(orders, slots, strict=True):
        old = _describe(order, tz)
        if order.technician_id and order.planned_start:
            moved_from.add((order.technician_id, clock.to_local(order.planned_start, tz).date()))
        order.technician_id = tech.id
        order.planned_start = clock.to_utc(planned.start, tz)
        order.estimate_minutes = int(slot.total_seconds() // 60)
        note = f"{verb} to {tech.id} {planned.start:%Y-%m-%d %H:%M}-{planned.end:%H:%M}"
        if old:
            note += f" (was {old})"
        if comment:
            note += f": {comment}"
        if Status(order.status) in (Status.OPEN, Status.REOPENED) or (
            verb == "assigned" and Status(order.status) is Status.MANUAL_FOLLOWUP
        ):
            workflow.apply(s, ctx, order, "plan", comment=note)
        else:
            workflow.add_comment(s, ctx, order, note, kind="schedule")
            s.add(order)
        # A reminder belongs to the appointment it is about.
        outbox.withdraw_reminders(s, order, keep=order.planned_start)
        follow.order_changed(s, ctx, order, verb)
    s.flush()
    for key in moved_from | {(tech.id, day)}:
        resequence(s, ctx, *key)
    s.flush()
    for order, planned in zip(orders, slots, strict=True):
        planned.sequence = order.booking_seq or 0
    return slots


def _describe(order: Order, tz) -> str:
    if not (order.technician_id and order.planned_start):
        return ""
    return f"{order.technician_id} {clock.to_local(order.planned_start, tz):%Y-%m-%d %H:%M}"


def _slot_problems(s, ctx, tech, day, orders, slots, allowed, verb) -> list[str]:
    problems = []
    for order in orders:
        if Status(order.status) not in allowed:
            names = ", ".join(a.value for a in allowed)
            problems.append(
                f"{order.order_no}: is {order.status}; only {names} orders can be {verb}"
            )
    for planned in slots:
        if planned.start.time() < tech.work_start or planned.end > datetime.combine(
            day, tech.work_end
        ):
            problems.append(
                f"{planned.order_no}: {planned.start:%H:%M}-{planned.end:%H:%M} is outside "
                f"{tech.id}'s working hours {tech.work_start:%H:%M}-{tech.work_end:%H:%M}"
            )
    moving = {o.id for o in orders}
    tz = ctx.settings.tz
    for other in day_orders(s, ctx, tech.id, day):
        if other.id in moving:
            continue
        o_start = clock.to_local(other.planned_start, tz)
        o_end = o_start + timedelta(minutes=other.estimate_minutes or 0)
        for planned in slots:
            if planned.start < o_end and o_start < planned.end:
                problems.append(
                    f"{planned.order_no}: {planned.start:%H:%M}-{planned.end:%H:%M} overlaps "
                    f"{other.order_no} ({o_start:%H:%M}-{o_end:%H:%M})"
                )
    return problems


def booking_selection(
    s: Session, ctx: Context, order_nos: list[str] | None, tech_id: str | None, day: date | None
) -> list[Order]:
    """The named orders; else the planned orders of a technician's day, or of everyone's."""
    if order_nos:
        return load_orders(s, order_nos)
    if tech_id and day:
        get_technician(s, tech_id)
        return day_orders(s, ctx, tech_id, day, statuses=(Status.PLANNING,))
    if day:
        start, end = clock.day_bounds(day, ctx.settings.tz)
        query = (
            select(Order)
            .where(Order.status == Status.PLANNING.value, Order.planned_start >= start,
                   Order.planned_start < end, Order.technician_id.is_not(None))
            .order_by(Order.technician_id, Order.planned_start)
            .with_for_update()
        )  # fmt: skip
        return list(s.exec(query))
    raise InputError("name orders, or --date (and --tech)")


@dataclass
class LockResult:
    locked: list[tuple[str, str]] = field(default_factory=list)  # (order_no, code)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (order_no, reason)


def lock(
    ctx: Context,
    order_nos: list[str] | None = None,
    tech_id: str | None = None,
    day: date | None = None,
) -> LockResult:
    """Lock orders, a technician's day, or every technician's day: booking codes, ready
    to print."""
    result = LockResult()
    with ctx.session() as s:
        orders = booking_selection(s, ctx, order_nos, tech_id, day)
        pool = workflow.fresh_codes(s, len(orders))  # unique codes, in one query
        for order in orders:
            try:
                workflow.apply(s, ctx, order, "lock", _code_pool=pool)
                result.locked.append((order.order_no, order.booking_code or ""))
            except TransitionRefused as refused:
                result.refused.append((order.order_no, refused.reason))
    return result

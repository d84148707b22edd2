"""Planning: put orders on a technician's day, move them, and lock days for booking.

The rules (is a slot free, may this day be planned, how is a customer told of a
change) are pure functions in amsplan.domain.slots; this module reads what they need
and writes the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from amsplan import clock
from amsplan.domain import engine
from amsplan.domain import slots as rules
from amsplan.domain.followups import FollowupKind
from amsplan.domain.holidays import public_holiday
from amsplan.domain.slots import ASSIGNABLE, RESCHEDULABLE, Allow, Busy, WorkDay
from amsplan.domain.states import SmsKind
from amsplan.domain.statuses import Status
from amsplan.domain.transitions import sms_allowed
from amsplan.errors import InputError, TransitionRefused
from amsplan.i18n import N_, _, day_label, ngettext
from amsplan.services import follow, outbox, workflow
from amsplan.services.context import Context
from amsplan.store.models import Order, Technician
from amsplan.store.orders import day_orders, days_orders, load_orders, resequence, to_lock
from amsplan.store.technicians import absence_on, get_technician


@dataclass
class Slot:
    order_no: str
    start: datetime  # local wall-clock
    end: datetime
    sequence: int = 0


def visit_of(order: Order, tz: ZoneInfo) -> Busy:
    """The order's visit in local wall-clock time (it has a planned start)."""
    return rules.visit(order.order_no, order.planned_start, order.estimate_minutes, tz)


def busy(
    session: Session,
    ctx: Context,
    tech_id: str,
    day: date,
    exclude: set[int | None] | None = None,
    lock: bool = True,
) -> list[Busy]:
    """Every visit that holds a slot in the technician's day (but the excluded order ids)."""
    tz = ctx.settings.tz
    return [
        visit_of(o, tz)
        for o in day_orders(session, tz, tech_id, day, lock=lock)
        if o.id not in (exclude or set())
    ]  # fmt: skip


def local_now(ctx: Context) -> datetime:
    return clock.to_local(ctx.now(), ctx.settings.tz)


def work_day(session: Session, ctx: Context, tech: Technician, day: date) -> WorkDay:
    """The technician's day as the rules see it: hours, working days, holiday, absence."""
    away = absence_on(session, tech.id, day)
    return WorkDay(
        tech.id, day, tech.work_start, tech.work_end, tech.working_days,
        public_holiday(ctx.settings.country, day), (away.reason or "") if away else None,
    )  # fmt: skip


def assign(
    ctx: Context,
    order_nos: list[str],
    tech_id: str,
    day: date,
    start: time,
    slot: timedelta,
    allow: Allow | None = None,
) -> list[Slot]:
    """Fill the technician's day slot by slot in the given order (all or nothing)."""
    if not order_nos:
        raise InputError(_("name at least one order"))
    with ctx.session() as s:
        orders = load_orders(s, order_nos)
        plan = rules.consecutive(datetime.combine(day, start), [slot] * len(orders))
        return place(s, ctx, orders, tech_id, day, plan, ASSIGNABLE, N_("assigned"), allow=allow)


@dataclass
class FillResult:
    placed: list[Slot] = field(default_factory=list)
    left: list[str] = field(default_factory=list)  # order numbers that did not fit


def fill(
    ctx: Context,
    order_nos: list[str],
    tech_id: str,
    day: date,
    start: time,
    slot: timedelta,
    allow: Allow | None = None,
) -> FillResult:
    """Place orders in the given order until the technician's day is full (skipping the
    slots other orders hold); the rest are left as they were."""
    if not order_nos:
        raise InputError(_("name at least one order"))
    result = FillResult()
    with ctx.session() as s:
        orders = load_orders(s, order_nos)
        tech = get_technician(s, tech_id)
        taken = busy(s, ctx, tech.id, day, exclude={o.id for o in orders})
        cursor = max(datetime.combine(day, start), datetime.combine(day, tech.work_start))
        if day == local_now(ctx).date():
            cursor = max(cursor, local_now(ctx))
        work_end = datetime.combine(day, tech.work_end)
        plan: list[tuple[datetime, timedelta]] = []
        for _order in orders:
            at = rules.first_free(cursor, slot, taken, work_end)
            if at is None:
                break
            plan.append((at, slot))
            cursor = at + slot
        chosen = orders[: len(plan)]
        result.left = [o.order_no for o in orders[len(plan) :]]
        if chosen:
            result.placed = place(
                s, ctx, chosen, tech.id, day, plan, ASSIGNABLE, N_("assigned"), allow=allow
            )
        elif orders:  # not even one fits: say why the day is closed, if it is
            problem = rules.day_problem(
                work_day(s, ctx, tech, day), local_now(ctx).date(), allow or Allow()
            )
            if problem:
                raise InputError(_("nothing was {verb}").format(verb=_("assigned")), [problem])
    return result


def _length(order: Order, slot: timedelta | None) -> timedelta:
    return slot or timedelta(minutes=order.estimate_minutes or 60)


def reschedule(
    ctx: Context,
    order_no: str,
    day: date,
    start: time,
    slot: timedelta | None = None,
    tech_id: str | None = None,
    comment: str = "",
) -> Slot:
    """Move one order to a new time (and technician); history is kept."""
    (placed,) = reschedule_many(ctx, [order_no], day, start, slot, tech_id, comment)
    return placed


def reschedule_many(
    ctx: Context,
    order_nos: list[str],
    day: date,
    start: time,
    slot: timedelta | None = None,
    tech_id: str | None = None,
    comment: str = "",
    allow: Allow | None = None,
    dry_run: bool = False,
    agreed: bool = False,
) -> list[Slot]:
    """Move orders one after the other from `start` (each keeps its length unless
    `slot`), on their technician or `tech_id`; all or nothing. Customers who have a
    time are told of the new one (see domain.slots.change_notice), unless the new
    time was `agreed` with them. A dry run reads only (no write lock) and tells where
    the orders would go."""
    if not order_nos:
        raise InputError(_("name at least one order"))
    with ctx.session(readonly=dry_run) as s:
        orders = load_orders(s, order_nos, lock=not dry_run)
        if not tech_id:
            techs = {o.technician_id for o in orders}
            if None in techs or len(techs) != 1:
                without = [o.order_no for o in orders if not o.technician_id]
                raise InputError(
                    ngettext(
                        "{orders} has no technician: give --tech",
                        "{orders} have no technician: give --tech",
                        len(without),
                    ).format(orders=", ".join(without))
                    if without
                    else _("the orders are on different technicians: give --tech")
                )
            tech_id = orders[0].technician_id
        assert tech_id is not None
        plan = rules.consecutive(datetime.combine(day, start), [_length(o, slot) for o in orders])
        return place(
            s, ctx, orders, tech_id, day, plan, RESCHEDULABLE, N_("rescheduled"), comment, allow,
            notify=not agreed, dry_run=dry_run,
        )  # fmt: skip


def move(
    ctx: Context,
    from_tech: str,
    day: date,
    to_tech: str,
    to_day: date | None = None,
    start: time | None = None,
    comment: str = "",
    allow: Allow | None = None,
    dry_run: bool = False,
) -> list[Slot]:
    """Move a technician's day to another technician (and day): the same times when they
    are free there, or one after the other from `start`; all or nothing. A dry run
    reads only (no write lock) and tells where the visits would go."""
    to_day = to_day or day
    if (from_tech, day) == (to_tech, to_day):
        raise InputError(_("--to-tech/--to-date name the same day: nothing to move"))
    tz = ctx.settings.tz
    with ctx.session(readonly=dry_run) as s:
        get_technician(s, from_tech)
        # Visits that are done, in progress or already due stay where they were.
        now = local_now(ctx)
        orders = [
            o
            for o in day_orders(s, tz, from_tech, day, statuses=RESCHEDULABLE, lock=not dry_run)
            if visit_of(o, tz).start >= now
        ]
        if not orders:
            raise InputError(
                _("{tech} has no visits to move on {day}").format(
                    tech=from_tech, day=day_label(day)
                )
            )
        lengths = [_length(o, None) for o in orders]
        if start is None:
            plan = [
                (datetime.combine(to_day, visit_of(o, tz).start.time()), length)
                for o, length in zip(orders, lengths, strict=True)
            ]
        else:
            plan = rules.consecutive(datetime.combine(to_day, start), lengths)
        return place(
            s, ctx, orders, to_tech, to_day, plan, RESCHEDULABLE, N_("moved"), comment, allow,
            dry_run=dry_run,
        )  # fmt: skip


def place(
    s: Session,
    ctx: Context,
    orders: list[Order],
    tech_id: str,
    day: date,
    plan: list[tuple[datetime, timedelta]],
    allowed: tuple[Status, ...],
    verb: str,
    comment: str = "",
    allow: Allow | None = None,
    notify: bool = True,
    dry_run: bool = False,
) -> list[Slot]:
    """Put each order at its planned (start, length); refuse all if any slot is not free.
    A customer who has a time is told of a change (unless not `notify`). A dry run
    checks the same and writes nothing: the slots with the sequence they would get."""
    tz = ctx.settings.tz
    tech = get_technician(s, tech_id)
    slots = [
        Slot(order.order_no, at, at + length)
        for order, (at, length) in zip(orders, plan, strict=True)
    ]
    moving = [Busy(p.order_no, p.start, p.end) for p in slots]
    others = busy(s, ctx, tech.id, day, exclude={o.id for o in orders}, lock=not dry_run)
    done = _(verb)
    problems = rules.slot_problems(
        work_day(s, ctx, tech, day), local_now(ctx), [(o.order_no, o.status) for o in orders],
        moving, others, allowed, done, allow or Allow(),
    )  # fmt: skip
    if problems:
        raise InputError(_("nothing was {verb}").format(verb=done), problems)
    if dry_run:
        sequence = rules.sequence([*others, *moving])
        for planned in slots:
            planned.sequence = sequence[planned.order_no]
        return slots
    moved_from: set[tuple[str, date]] = set()
    for order, planned in zip(orders, slots, strict=True):
        old = _describe(order, tz)
        before = (
            order.technician_id,
            order.planned_start and clock.to_local(order.planned_start, tz),
        )
        if order.technician_id and order.planned_start:
            moved_from.add((order.technician_id, clock.to_local(order.planned_start, tz).date()))
        order.technician_id = tech.id
        order.planned_start = clock.to_utc(planned.start, tz)
        order.estimate_minutes = int((planned.end - planned.start).total_seconds() // 60)
        note = schedule_note(verb, tech.id, planned, old, comment)
        if order.status in (Status.OPEN, Status.REOPENED) or (
            verb == "assigned" and order.status is Status.MANUAL_FOLLOWUP
        ):
            workflow.apply(s, ctx, order, "plan", comment=note)
        else:
            workflow.add_comment(s, ctx, order, note, kind="schedule")
            s.add(order)
            if notify and before != (tech.id, planned.start):
                _tell_customer(s, ctx, order, note)
        # A reminder belongs to the appointment it is about.
        outbox.withdraw_reminders(s, order, keep=order.planned_start, at=ctx.now())
        follow.order_changed(s, ctx, order, verb)
    s.flush()
    for key in moved_from | {(tech.id, day)}:
        resequence(s, tz, *key)
    s.flush()
    for order, planned in zip(orders, slots, strict=True):
        planned.sequence = order.booking_seq or 0
    return slots


def schedule_note(verb: str, tech_id: str, planned: Slot, old: str = "", comment: str = "") -> str:
    """The timeline note of an order put on a slot, e.g. "assigned to T01 2026-04-22
    08:00-09:00", with where it was (`old`) and the planner's comment."""
    note = f"{verb} to {tech_id} {planned.start:%Y-%m-%d %H:%M}-{planned.end:%H:%M}"
    if old:
        note += f" (was {old})"
    if comment:
        note += f": {comment}"
    return note


def _tell_customer(s: Session, ctx: Context, order: Order, note: str) -> None:
    """A customer whose time changed hears of it (see domain.slots.change_notice)."""
    now = ctx.now()
    due = outbox.next_send_time(now, ctx.settings)
    how = rules.change_notice(
        order.status,
        bool(order.booking_code),
        sms_allowed(order),
        ctx.settings.change_needs_answer,
        sms_in_time=order.planned_start is None or due < order.planned_start,
    )
    if how == "call":
        local = clock.to_local(due, ctx.settings.tz)
        workflow.flag_followup(
            s, ctx, order, FollowupKind.MANUAL,
            _("moved, but an SMS could only go out {when}, after the new start: "
              "call the customer").format(when=f"{local:%d.%m %H:%M}"),
        )  # fmt: skip
    elif how == "sms":
        outbox.queue_sms(s, ctx, order, SmsKind.CHANGE, ctx.now())
    elif how == "sms_wait":
        workflow.apply(s, ctx, order, "change_sms", comment=note, channel="sms")
    elif how == "letter":
        workflow.apply(s, ctx, order, "change_letter", comment=note)


def _describe(order: Order, tz: ZoneInfo) -> str:
    if not (order.technician_id and order.planned_start):
        return ""
    return f"{order.technician_id} {clock.to_local(order.planned_start, tz):%Y-%m-%d %H:%M}"


def slot_refusals(
    s: Session, ctx: Context, orders: list[Order], past: bool = True, lock: bool = True
) -> dict[str, str]:
    """Why an order may not be booked on the slot it holds: the slot is in the past, or
    another order holds it too. One query per day for all its technicians, not per order."""
    tz = ctx.settings.tz
    now = local_now(ctx) if past else None
    visits = {
        order.order_no: (order.technician_id, visit_of(order, tz))
        for order in orders
        if order.technician_id and order.planned_start
    }
    days = {
        (tech_id, mine.start.date())
        for tech_id, mine in visits.values()
        if not (now is not None and rules.past_reason(mine.start, now))
    }
    held = {
        key: [visit_of(o, tz) for o in day]
        for key, day in days_orders(s, tz, days, lock=lock).items()
    }
    refusals: dict[str, str] = {}
    for order_no, (tech_id, mine) in visits.items():
        refusal = rules.slot_refusal(mine, now, held.get((tech_id, mine.start.date()), []))
        if refusal:
            refusals[order_no] = refusal
    return refusals


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
        orders = to_lock(s, ctx.settings.tz, order_nos, tech_id, day)
        refusals = slot_refusals(s, ctx, orders)
        pool = workflow.fresh_codes(s, len(orders))  # unique codes, in one query
        for order in orders:
            try:
                engine.check(order, "lock")
                if order.order_no in refusals:
                    raise TransitionRefused(order.order_no, "lock", refusals[order.order_no],
                                            engine.get("lock").label)  # fmt: skip
                workflow.apply(s, ctx, order, "lock", _code_pool=pool)
                result.locked.append((order.order_no, order.booking_code or ""))
            except TransitionRefused as refused:
                result.refused.append((order.order_no, refused.reason))
    return result

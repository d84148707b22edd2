"""Applying a transition to a stored order: the engine, its effects and the history row.

This is the only place that changes an order's status. Effects run in the caller's
transaction, so a status change and what it causes (a code, a letter row, an SMS)
are committed together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select

from amsplan import clock
from amsplan.config import RESOLUTION_CANCELLED
from amsplan.domain import codes, engine, followups
from amsplan.domain.statuses import Status
from amsplan.services import follow, outbox
from amsplan.services.context import Context
from amsplan.store.models import BookingCode, Comment, FollowupFlag, History, Letter, Order
from amsplan.store.orders import resequence

Effect = Callable[[Session, Context, Order, datetime, dict[str, Any]], None]

# Why an order that a transition puts in manual follow-up needs a person.
FOLLOWUP_KINDS = {
    "reply_other": "reply",
    "booking_reminder": "no_answer",
    "follow_up_manually": "manual",
    "to_manual": "rejected",
    "cancel_started": "cancelled",
}


def apply(
    session: Session,
    ctx: Context,
    order: Order,
    name: str,
    *,
    comment: str = "",
    **params: Any,
) -> History:
    """Move order through transition `name` (TransitionRefused if it may not)."""
    change = engine.apply(order, name, params)
    at = ctx.now()
    for effect in change.transition.effects:
        EFFECTS[effect](session, ctx, order, at, params)
    if change.to_status is Status.MANUAL_FOLLOWUP:
        flag_followup(
            session, ctx, order,
            params.get("kind") or FOLLOWUP_KINDS.get(name, "manual"),
            params.get("reason") or comment or change.transition.label,
            at,
        )  # fmt: skip
    else:  # any other move settles what needed a person (e.g. a failed SMS booking)
        clear_followups(session, ctx, order, at)
    order.updated_at = at
    entry = History(
        order_id=order.id,
        at=at,
        actor=ctx.user,
        transition=name,
        from_status=change.from_status.value,
        to_status=change.to_status.value,
        comment=comment,
        technician_id=order.technician_id,
        resolution=params.get("resolution"),
    )
    session.add(order)
    session.add(entry)
    follow.order_changed(session, ctx, order, name)
    return entry


def flag_followup(
    session: Session, ctx: Context, order: Order, kind: str, reason: str, at: datetime | None = None
) -> None:
    """Record one more reason the order needs a person (the one place follow-up is set).

    Reasons accumulate; the order's followup_kind/followup_reason show the most important
    open one (followups.FollowupKind order), so e.g. a reply never hides a cancellation.
    """
    at = at or ctx.now()
    session.add(FollowupFlag(order_id=order.id, kind=kind, reason=reason, at=at, actor=ctx.user))
    if followups.summary_kind(order.followup_kind, kind):
        order.followup_kind, order.followup_reason = kind, reason
    session.add(order)


def clear_followups(
    session: Session,
    ctx: Context,
    order: Order,
    at: datetime | None = None,
    kinds: tuple[str, ...] | None = None,
) -> None:
    """Every open follow-up reason of the order is settled (or only those of `kinds`; the
    summary then shows the most important reason still open)."""
    if order.followup_kind is None:  # nothing open (flags are open only while it is set)
        return
    at = at or ctx.now()
    open_flags = (FollowupFlag.order_id == order.id, FollowupFlag.cleared_at.is_(None))
    chosen = () if kinds is None else (FollowupFlag.kind.in_(kinds),)
    session.flush()  # flags added in this transaction are settled too
    session.execute(
        update(FollowupFlag).where(*open_flags, *chosen).values(cleared_at=at, cleared_by=ctx.user)
    )
    order.followup_kind = order.followup_reason = None
    if kinds is not None:
        rest = session.exec(
            select(FollowupFlag).where(*open_flags).order_by(FollowupFlag.id.desc())
        )
        for flag in sorted(rest, key=lambda f: followups.rank(f.kind))[:1]:
            order.followup_kind, order.followup_reason = flag.kind, flag.reason
    session.add(order)


def add_comment(session: Session, ctx: Context, order: Order, text: str, kind: str = "note"):
    session.add(Comment(order_id=order.id, at=ctx.now(), actor=ctx.user, kind=kind, text=text))


# --- effects ---------------------------------------------------------------


def _retire_code(session: Session, order: Order, at: datetime) -> None:
    if order.booking_code:
        live = session.get(BookingCode, order.booking_code)
        if live is not None and live.retired_at is None:
            live.retired_at = at
            session.add(live)
        order.booking_code = None


def fresh_codes(session: Session, count: int) -> list[str]:
    """`count` new booking codes never issued before (checked in one query)."""
    pool: set[str] = set()
    while len(pool) < count:
        wanted = {codes.generate() for _ in range(count - len(pool))}
        taken = set(session.exec(select(BookingCode.code).where(BookingCode.code.in_(wanted))))
        pool |= wanted - taken
    return list(pool)


def new_booking_code(session: Session, ctx: Context, order: Order, at: datetime, params) -> None:
    """Retire the old code and issue a new one that was never issued before."""
    _retire_code(session, order, at)
    pool: list[str] | None = params.get("_code_pool")
    code = pool.pop() if pool else fresh_codes(session, 1)[0]
    session.add(BookingCode(code=code, order_id=order.id, created_at=at))
    order.booking_code = code


def retire_booking_code(session: Session, ctx: Context, order: Order, at: datetime, params):
    _retire_code(session, order, at)


def letter(session: Session, ctx: Context, order: Order, at: datetime, params) -> None:
    session.add(
        Letter(
            order_id=order.id,
            booking_code=order.booking_code or "",
            file_name=params["letter_file"],
            generated_at=at,
            actor=ctx.user,
            state="staged",
            planned_start=order.planned_start,
            technician_id=order.technician_id,
        )
    )


def start_waiting(session: Session, ctx: Context, order: Order, at: datetime, params) -> None:
    order.awaiting_since = at
    order.booking_channel = params.get("channel", "letter")


def confirmed(session: Session, ctx: Context, order: Order, at: datetime, params) -> None:
    order.awaiting_since = None


def reply_comment(session: Session, ctx: Context, order: Order, at: datetime, params) -> None:
    session.add(
        Comment(order_id=order.id, at=at, actor=ctx.user, kind="reply", text=params["text"])
    )


def hold_until(session: Session, ctx: Context, order: Order, at: datetime, params) -> None:
    order.hold_until = params["until"]
    if params.get("unassign"):
        order.technician_id = None
        order.booking_seq = None


def unbooked(session: Session, ctx: Context, order: Order, at: datetime, params) -> None:
    order.awaiting_since = None
    order.booking_channel = None


def clear_slot(session: Session, ctx: Context, order: Order, at: datetime, params) -> None:
    """Off the technician: the slot is free again and the day is renumbered."""
    tech_id, start = order.technician_id, order.planned_start
    order.technician_id = order.planned_start = order.booking_seq = None
    outbox.withdraw_reminders(session, order, at=at)
    session.add(order)
    if tech_id and start:
        session.flush()
        resequence(session, ctx.settings.tz, tech_id, clock.to_local(start, ctx.settings.tz).date())


def clear_old_slot(session: Session, ctx: Context, order: Order, at: datetime, params) -> None:
    """Replanning frees the slot of a visit that failed (resolved after it was planned,
    or simply over) or was cancelled; a future slot of an order still wanted stays."""
    if order.planned_start is None:
        return
    start, resolved = _aware(order.planned_start), _aware(order.resolved_at)
    if order.cancelled or start < at or (resolved is not None and resolved >= start):
        clear_slot(session, ctx, order, at, params)


def _aware(moment: datetime | None) -> datetime | None:
    """Aware UTC (SQLite hands back naive UTC)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def resolution(session: Session, ctx: Context, order: Order, at: datetime, params) -> None:
    order.resolution = params["resolution"]
    if Status(order.status) is Status.RESOLVED:
        order.resolved_at = params.get("at") or at


def cancelled(session: Session, ctx: Context, order: Order, at: datetime, params) -> None:
    order.cancelled = True


def resolution_cancelled(session: Session, ctx: Context, order: Order, at: datetime, params):
    order.resolution = RESOLUTION_CANCELLED


def _queue_sms(kind: str) -> Effect:
    def queue(session: Session, ctx: Context, order: Order, at: datetime, params) -> None:
        if order.mobile and not order.no_sms:
            outbox.queue_sms(session, ctx, order, kind, at)

    queue.__name__ = f"queue_{kind}"
    return queue


def withdraw_reminders(session: Session, ctx: Context, order: Order, at: datetime, params):
    outbox.withdraw_reminders(session, order, at=at)


def withdraw_no_answer_sms(session: Session, ctx: Context, order: Order, at: datetime, params):
    """The customer has answered: their "no answer" reminder is withdrawn if not yet sent;
    one already sent is noted on the order for the planner (the answer came in time)."""
    sent = outbox.withdraw_no_answer(session, order, at)
    if sent is not None and params.get("reconsider") == "answered_before_reminder":
        when = clock.to_local(sent, ctx.settings.tz)
        session.add(Comment(
            order_id=order.id, at=at, actor=ctx.user, kind="note",
            text=f"Påminnelsen om manglende svar ble sendt {when:%d.%m.%Y %H:%M}, men kunden "
            "hadde svart i tide: vurder å gi kunden beskjed",
        ))  # fmt: skip


def withdraw_all_sms(session: Session, ctx: Context, order: Order, at: datetime, params):
    outbox.withdraw_all(session, order, at=at)


EFFECTS: dict[str, Effect] = {
    "new_booking_code": new_booking_code,
    "retire_booking_code": retire_booking_code,
    "letter": letter,
    "start_waiting": start_waiting,
    "confirmed": confirmed,
    "comment": reply_comment,
    "hold_until": hold_until,
    "withdraw_reminders": withdraw_reminders,
    "withdraw_all_sms": withdraw_all_sms,
    "withdraw_no_answer_sms": withdraw_no_answer_sms,
    "resolution": resolution,
    "cancelled": cancelled,
    "resolution_cancelled": resolution_cancelled,
    "booking_sms": _queue_sms("booking"),
    "reminder_sms": _queue_sms("booking_reminder"),
    "confirmation_sms": _queue_sms("confirmation"),
    "new_time_sms": _queue_sms("change"),
    "unbooked": unbooked,
    "clear_slot": clear_slot,
    "clear_old_slot": clear_old_slot,
}

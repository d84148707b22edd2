"""Applying a transition to a stored order: the engine, its effects and the history row.

This is the only place that changes an order's status. Effects run in the caller's
transaction, so a status change and what it causes (a code, a letter row, an SMS)
are committed together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlmodel import Session

from amsplan import clock
from amsplan.config import RESOLUTION_CANCELLED
from amsplan.domain import codes, engine, followups, rules
from amsplan.domain.followups import FollowupKind
from amsplan.domain.states import LetterState, SmsKind
from amsplan.domain.statuses import Status
from amsplan.domain.steps import Apply, Note, SetNoSms, Step
from amsplan.domain.transitions import sms_allowed
from amsplan.services import follow, outbox
from amsplan.services.context import Context
from amsplan.store import codes as stored_codes
from amsplan.store import followups as flags
from amsplan.store import pending
from amsplan.store.models import BookingCode, Comment, FollowupFlag, History, Letter, Order
from amsplan.store.orders import key, resequence

Effect = Callable[[Session, Context, Order, datetime, dict[str, Any]], None]


def apply(
    session: Session,
    ctx: Context,
    order: Order,
    name: str,
    *,
    comment: str = "",
    **params: Any,
) -> datetime:
    """Move order through transition `name` (TransitionRefused if it may not); the time
    it moved (its history row's).

    An order it puts in manual follow-up is flagged with the transition's follow-up kind
    (`kind=` overrides it) and `reason=` (else the comment, else none: the follow-up list
    shows the kind's text in the planner's language);
    any other move settles the order's open follow-up reasons. `at=` is the event's own
    time (a return's field time, a reply's receipt), kept on the history row."""
    change = engine.apply(order, name, params)
    at = ctx.now()
    for effect in change.transition.effects:
        EFFECTS[effect](session, ctx, order, at, params)
    if change.to_status is Status.MANUAL_FOLLOWUP:
        kind = params.get("kind") or change.transition.followup or FollowupKind.MANUAL
        reason = params.get("reason") or comment or ""
        flag_followup(session, ctx, order, FollowupKind(kind), reason, at)
    else:  # any other move settles what needed a person (e.g. a failed SMS booking)
        clear_followups(session, ctx, order, at)
    order.updated_at = at
    pending.add(session, History, {
        "order_id": key(order), "at": at, "actor": ctx.user, "transition": name,
        "from_status": change.from_status, "to_status": change.to_status,
        "comment": comment, "technician_id": order.technician_id,
        "resolution": params.get("resolution"), "login": ctx.login,
        "happened_at": params.get("at"),
    })  # fmt: skip
    _keep(session, order)
    follow.order_changed(session, ctx, order, name)
    return at


def flag_followup(
    session: Session,
    ctx: Context,
    order: Order,
    kind: FollowupKind,
    reason: str,
    at: datetime | None = None,
) -> None:
    """Record one more reason the order needs a person (the one place follow-up is set).

    Reasons accumulate; the order's followup_kind/followup_reason show the most important
    open one (followups.FollowupKind order), so e.g. a reply never hides a cancellation.
    """
    at = at or ctx.now()
    pending.add(session, FollowupFlag, {
        "order_id": key(order), "kind": kind, "reason": reason, "at": at, "actor": ctx.user,
    })  # fmt: skip
    if followups.summary_kind(order.followup_kind, kind):
        order.followup_kind, order.followup_reason = kind, reason
    _keep(session, order)


def clear_followups(
    session: Session,
    ctx: Context,
    order: Order,
    at: datetime | None = None,
    kinds: tuple[FollowupKind, ...] | None = None,
) -> None:
    """Every open follow-up reason of the order is settled (or only those of `kinds`; the
    summary then shows the most important reason still open)."""
    if order.followup_kind is None:  # nothing open (flags are open only while it is set)
        return
    at = at or ctx.now()
    flags.clear(session, key(order), at, ctx.user, kinds)  # those added here too
    order.followup_kind = order.followup_reason = None
    if kinds is not None:
        rest = flags.open_flags_of(session, key(order))
        for flag in sorted(rest, key=lambda f: followups.rank(f.kind))[:1]:
            order.followup_kind, order.followup_reason = flag.kind, flag.reason
    _keep(session, order)


def add_comment(
    session: Session,
    ctx: Context,
    order: Order,
    text: str,
    kind: str = "note",
    at: datetime | None = None,
) -> None:
    """A comment in the order's timeline (at `at`, else now)."""
    pending.add(session, Comment, {
        "order_id": key(order), "at": at or ctx.now(), "actor": ctx.user, "kind": kind,
        "text": text, "login": ctx.login,
    })  # fmt: skip


def carry_out(
    session: Session,
    ctx: Context,
    order: Order,
    step: Step,
    comment_kind: str,
    at: datetime | None = None,
) -> datetime | None:
    """Do one step a decision asked for (domain.steps) to the order; when it applied a
    transition, the time it did (the history row's). Comments are of `comment_kind`
    (reply, sms_failed); `at`: the event's own time (a reply's receipt)."""
    if isinstance(step, Apply):
        params = {**step.params, "at": at} if at else step.params
        return apply(session, ctx, order, step.transition, comment=step.comment, **params)
    if isinstance(step, Note):
        add_comment(session, ctx, order, step.text, kind=comment_kind)
    elif isinstance(step, SetNoSms):
        order.no_sms = step.no_sms
        order.updated_at = ctx.now()
        _keep(session, order)
        if step.comment:
            add_comment(session, ctx, order, step.comment, kind=comment_kind)
    else:
        flag_followup(session, ctx, order, step.kind, step.reason)
    return None


def _keep(session: Session, order: Order) -> None:
    """The order is written with the session (it is, when the session loaded it: adding
    it again walks the mapper's cascades, a cost per transition at thousands)."""
    if order not in session:
        session.add(order)


# --- effects ---------------------------------------------------------------


def _retire_code(session: Session, order: Order, at: datetime) -> None:
    if order.booking_code:
        live = stored_codes.get_code(session, order.booking_code)
        if live is not None and live.retired_at is None:
            live.retired_at = at
            session.add(live)
        order.booking_code = None


def fresh_codes(session: Session, count: int) -> list[str]:
    """`count` new booking codes never issued before (checked in one query)."""
    pool: set[str] = set()
    while len(pool) < count:
        wanted = {codes.generate() for _ in range(count - len(pool))}
        pool |= wanted - stored_codes.taken(session, wanted)
    return list(pool)


def new_booking_code(session: Session, ctx: Context, order: Order, at: datetime, params) -> None:
    """Retire the old code and issue a new one that was never issued before."""
    _retire_code(session, order, at)
    pool: list[str] | None = params.get("_code_pool")
    code = pool.pop() if pool else fresh_codes(session, 1)[0]
    pending.add(session, BookingCode, {"code": code, "order_id": key(order), "created_at": at})
    order.booking_code = code


def retire_booking_code(session: Session, ctx: Context, order: Order, at: datetime, params):
    _retire_code(session, order, at)


def letter(session: Session, ctx: Context, order: Order, at: datetime, params) -> None:
    session.add(
        Letter(
            order_id=key(order),
            booking_code=order.booking_code or "",
            file_name=params["letter_file"],
            generated_at=at,
            actor=ctx.user,
            state=LetterState.STAGED,
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
    add_comment(session, ctx, order, params["text"], params.get("comment_kind", "reply"), at)


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
    _keep(session, order)
    if tech_id and start:
        session.flush()
        resequence(session, ctx.settings.tz, tech_id, clock.to_local(start, ctx.settings.tz).date())


def clear_old_slot(session: Session, ctx: Context, order: Order, at: datetime, params) -> None:
    """Replanning frees the slot of a visit that failed (resolved after it was planned,
    or simply over) or was cancelled; a future slot of an order still wanted stays."""
    if order.planned_start is None:
        return
    start = rules.utc(order.planned_start)
    resolved = rules.utc(order.resolved_at) if order.resolved_at else None
    if order.cancelled or start < at or (resolved is not None and resolved >= start):
        clear_slot(session, ctx, order, at, params)


def resolution(session: Session, ctx: Context, order: Order, at: datetime, params) -> None:
    order.resolution = params["resolution"]
    if order.status is Status.RESOLVED:
        order.resolved_at = params.get("at") or at


def cancelled(session: Session, ctx: Context, order: Order, at: datetime, params) -> None:
    order.cancelled = True


def resolution_cancelled(session: Session, ctx: Context, order: Order, at: datetime, params):
    order.resolution = RESOLUTION_CANCELLED


def _queue_sms(kind: SmsKind) -> Effect:
    def queue(session: Session, ctx: Context, order: Order, at: datetime, params) -> None:
        if sms_allowed(order):
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
        add_comment(
            session, ctx, order,
            f"Påminnelsen om manglende svar ble sendt {when:%d.%m.%Y %H:%M}, men kunden "
            "hadde svart i tide: vurder å gi kunden beskjed",
            at=at,
        )  # fmt: skip


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
    "booking_sms": _queue_sms(SmsKind.BOOKING),
    "reminder_sms": _queue_sms(SmsKind.BOOKING_REMINDER),
    "confirmation_sms": _queue_sms(SmsKind.CONFIRMATION),
    "new_time_sms": _queue_sms(SmsKind.CHANGE),
    "unbooked": unbooked,
    "clear_slot": clear_slot,
    "clear_old_slot": clear_old_slot,
}

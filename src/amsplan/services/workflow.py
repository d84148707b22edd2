"""Applying a transition to a stored order: the engine, its effects and the history row.

This is the only place that changes an order's status. Effects run in the caller's
transaction, so a status change and what it causes (a code, a letter row, an SMS)
are committed together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from amsplan import clock, codes
from amsplan.models import BookingCode, Comment, History, Letter, Order, Sms, Technician
from amsplan.services.context import Context
from amsplan.workflow import engine
from amsplan.workflow.statuses import Status

Effect = Callable[[Session, Context, Order, datetime, dict[str, Any]], None]


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
        order.followup_reason = params.get("reason") or comment or change.transition.label
    elif change.from_status is Status.MANUAL_FOLLOWUP:
        order.followup_reason = None
    order.updated_at = at
    entry = History(
        order_id=order.id,
        at=at,
        actor=ctx.user,
        transition=name,
        from_status=change.from_status.value,
        to_status=change.to_status.value,
        comment=comment,
    )
    session.add(order)
    session.add(entry)
    return entry


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


def new_booking_code(session: Session, ctx: Context, order: Order, at: datetime, params) -> None:
    """Retire the old code and issue a new one that was never issued before."""
    _retire_code(session, order, at)
    reserved: set[str] = params.get("_reserved_codes", set())
    while True:
        code = codes.generate()
        if code not in reserved and session.get(BookingCode, code) is None:
            break
    reserved.add(code)
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


def withdraw_reminders(session: Session, ctx: Context, order: Order, at: datetime, params):
    for sms in session.exec(
        select(Sms).where(
            Sms.order_id == order.id,
            Sms.status == "queued",
            Sms.kind.in_(("booking_reminder", "appointment_reminder")),
        )
    ):
        sms.status = "withdrawn"
        session.add(sms)


def resolution(session: Session, ctx: Context, order: Order, at: datetime, params) -> None:
    order.resolution = params["resolution"]


def cancelled(session: Session, ctx: Context, order: Order, at: datetime, params) -> None:
    order.cancelled = True


def resolution_cancelled(session: Session, ctx: Context, order: Order, at: datetime, params):
    order.resolution = "Kansellert"


def _queue_sms(kind: str) -> Effect:
    def queue(session: Session, ctx: Context, order: Order, at: datetime, params) -> None:
        if not order.mobile or order.no_sms:
            return
        queue_sms(session, ctx, order, kind, at)

    queue.__name__ = f"queue_{kind}"
    return queue


def queue_sms(
    session: Session, ctx: Context, order: Order, kind: str, at: datetime, text: str | None = None
) -> Sms:
    """Render and queue one SMS for the order (caller checked mobile and opt-out)."""
    from amsplan import sms
    from amsplan.letters.dates import appointment_text

    settings = ctx.settings
    appointment = ""
    if order.planned_start and order.estimate_minutes:
        start = clock.to_local(order.planned_start, settings.tz)
        from datetime import timedelta

        end = start + timedelta(minutes=order.estimate_minutes)
        appointment = appointment_text(start, end, settings.locale)
    tech = session.get(Technician, order.technician_id) if order.technician_id else None
    body = sms.render(
        kind,
        {
            "company_name": settings.company_name,
            "appointment": appointment,
            "technician_name": tech.name if tech else "",
            "code": codes.format_code(order.booking_code) if order.booking_code else "",
            "keyword_ok": settings.keyword_ok,
            "keyword_contact": settings.keyword_contact,
            "reply_number": settings.reply_number,
            "customer_name": order.customer_name,
            "text": text or "",
        },
        settings.templates_dir,
    )
    message = Sms(
        order_id=order.id,
        kind=kind,
        to=order.mobile or "",
        text=body,
        created_at=at,
        created_by=ctx.user,
        due_at=at,
        appointment=order.planned_start,
    )
    session.add(message)
    return message


EFFECTS: dict[str, Effect] = {
    "new_booking_code": new_booking_code,
    "retire_booking_code": retire_booking_code,
    "letter": letter,
    "start_waiting": start_waiting,
    "confirmed": confirmed,
    "comment": reply_comment,
    "hold_until": hold_until,
    "withdraw_reminders": withdraw_reminders,
    "resolution": resolution,
    "cancelled": cancelled,
    "resolution_cancelled": resolution_cancelled,
    "booking_sms": _queue_sms("booking"),
    "reminder_sms": _queue_sms("booking_reminder"),
    "confirmation_sms": _queue_sms("confirmation"),
}

"""Cron: booking reminders (no answer in time) and appointment reminders (the day before).

Safe to run every few minutes, also twice at once: each candidate order is locked for
the run (BEGIN IMMEDIATE on SQLite, FOR UPDATE SKIP LOCKED on PostgreSQL), a booking
reminder moves the order out of awaiting_response, and an appointment reminder is
unique per order and appointment (a partial unique index backs this up).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, or_
from sqlmodel import select

from amsplan import clock
from amsplan.domain import rules
from amsplan.domain.statuses import Status
from amsplan.services import outbox, workflow
from amsplan.services.context import Context
from amsplan.store.models import History, Order, Sms


@dataclass
class Action:
    kind: str  # booking_reminder | appointment_reminder
    order_no: str
    sms: bool
    detail: str


@dataclass
class RunResult:
    now: datetime
    dry_run: bool
    actions: list[Action] = field(default_factory=list)
    skipped: list[Action] = field(default_factory=list)


def run(ctx: Context, dry_run: bool = False) -> RunResult:
    now = ctx.now()
    result = RunResult(now, dry_run)
    with ctx.session() as s:
        _booking_reminders(s, ctx, now, result)
        _appointment_reminders(s, ctx, now, result)
        if dry_run:
            s.rollback()
    return result


def deadline(order: Order, ctx: Context) -> datetime:
    """When the order's customer should have answered (rules.booking_deadline)."""
    settings = ctx.settings
    return rules.booking_deadline(
        order.awaiting_since, order.booking_channel, settings.letter_reminder_days,
        settings.sms_reminder_hours, settings.tz,
    )  # fmt: skip


def _booking_reminders(s, ctx: Context, now: datetime, result: RunResult) -> None:
    settings, tz = ctx.settings, ctx.settings.tz
    by_letter = timedelta(days=settings.letter_reminder_days) - rules.DST_MARGIN
    by_sms = timedelta(hours=settings.sms_reminder_hours)
    # Candidates in SQL (a calendar-day deadline is within DST_MARGIN of the elapsed one),
    # then the exact deadline from rules.booking_deadline.
    query = (
        select(Order)
        .where(
            Order.status == Status.AWAITING_RESPONSE.value,
            Order.cancelled == False,  # noqa: E712
            or_(
                and_(Order.booking_channel == "sms", Order.awaiting_since <= now - by_sms),
                and_(
                    or_(Order.booking_channel != "sms", Order.booking_channel.is_(None)),
                    Order.awaiting_since <= now - by_letter,
                ),
            ),
        )
        .order_by(Order.awaiting_since, Order.id)
        .with_for_update(skip_locked=True)
    )
    for order in s.exec(query):
        due = deadline(order, ctx)
        if due > now:
            continue
        local = clock.to_local(due, tz)
        sms = bool(order.mobile and not order.no_sms)
        workflow.apply(
            s, ctx, order, "booking_reminder",
            comment=f"Ikke svar innen {local:%d.%m.%Y %H:%M}"
            + ("; påminnelse sendt på SMS" if sms else "; ingen mobil for påminnelse"),
            reason=f"no answer by {local:%d.%m.%Y %H:%M}" + ("" if sms else " (no mobile)"),
        )  # fmt: skip
        result.actions.append(
            Action("booking_reminder", order.order_no, sms, f"no answer by {local:%d.%m %H:%M}")
        )


def _appointment_reminders(s, ctx: Context, now: datetime, result: RunResult) -> None:
    if not ctx.settings.appointment_reminders:
        return
    tz = ctx.settings.tz
    tomorrow = clock.to_local(now, tz).date() + timedelta(days=1)
    start, end = clock.day_bounds(tomorrow, tz)
    orders = list(
        s.exec(
            select(Order)
            .where(
                Order.status == Status.READY_FOR_EXECUTION.value,
                Order.cancelled == False,  # noqa: E712
                Order.planned_start >= start,
                Order.planned_start < end,
            )
            .order_by(Order.planned_start, Order.id)
            .with_for_update(skip_locked=True)
        )
    )
    if not orders:
        return
    ids = [o.id for o in orders]
    sent = {
        (m.order_id, m.appointment)
        for m in s.exec(
            select(Sms).where(
                Sms.order_id.in_(ids),
                Sms.kind == "appointment_reminder",
                Sms.status != "withdrawn",
            )
        )
    }
    confirmed: dict[int, datetime] = {}
    for h in s.exec(
        select(History).where(
            History.order_id.in_(ids), History.to_status == Status.READY_FOR_EXECUTION.value
        )
    ):
        confirmed[h.order_id] = max(confirmed.get(h.order_id, h.at), h.at)
    for order in orders:
        if (order.id, order.planned_start) in sent:
            continue
        local = clock.to_local(order.planned_start, tz)
        action = Action("appointment_reminder", order.order_no, True, f"{local:%d.%m %H:%M}")
        if not order.mobile or order.no_sms:
            continue  # nothing to send; the technician comes as agreed
        at = confirmed.get(order.id)
        if at is not None and order.planned_start - at < timedelta(hours=24):
            action.detail += " (confirmed less than 24 hours before: no reminder)"
            result.skipped.append(action)
            continue
        due = rules.appointment_reminder_due(
            outbox.next_send_time(now, ctx.settings), order.planned_start
        )
        if due is None:
            action.detail += " (could only be sent after the visit starts: no reminder)"
            result.skipped.append(action)
            continue
        message = outbox.queue_sms(s, ctx, order, "appointment_reminder", now)
        message.due_at = due
        result.actions.append(action)

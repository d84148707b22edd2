"""Cron: booking reminders (no answer in time) and appointment reminders (the day before).

Safe to run every few minutes, also twice at once: each candidate order is locked for
the run (BEGIN IMMEDIATE on SQLite, FOR UPDATE SKIP LOCKED on PostgreSQL), a booking
reminder moves the order out of awaiting_response, and an appointment reminder is
unique per order and appointment (a partial unique index backs this up). A dry run reads
in a read-only transaction (no lock) and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session

from amsplan import clock
from amsplan.domain import rules
from amsplan.domain.states import SmsKind
from amsplan.domain.statuses import Status
from amsplan.domain.transitions import sms_allowed
from amsplan.i18n import _
from amsplan.services import outbox, workflow
from amsplan.services.context import Context
from amsplan.store import history, messages
from amsplan.store.models import Order
from amsplan.store.orders import awaiting_since, confirmed_between, key


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
    with ctx.session(readonly=dry_run) as s:
        _booking_reminders(s, ctx, now, result)
        _appointment_reminders(s, ctx, now, result)
    return result


def deadline(order: Order, ctx: Context) -> datetime:
    """When the order's customer should have answered (rules.booking_deadline)."""
    settings = ctx.settings
    if order.awaiting_since is None:
        raise ValueError(f"order {order.order_no} is not waiting for an answer")
    return rules.booking_deadline(
        order.awaiting_since, order.booking_channel, settings.letter_reminder_days,
        settings.sms_reminder_hours, settings.tz, settings.email_reminder_hours,
    )  # fmt: skip


def _booking_reminders(s: Session, ctx: Context, now: datetime, result: RunResult) -> None:
    settings, tz = ctx.settings, ctx.settings.tz
    by_letter = timedelta(days=settings.letter_reminder_days) - rules.DST_MARGIN
    elapsed = rules.elapsed_hours(settings.sms_reminder_hours, settings.email_reminder_hours)
    # Candidates in SQL (a calendar-day deadline is within DST_MARGIN of the elapsed one),
    # then the exact deadline from rules.booking_deadline.
    before = {channel: now - timedelta(hours=hours) for channel, hours in elapsed.items()}
    no_answer, no_mobile = _("no answer by {time}"), _("no answer by {time} (no mobile)")
    for order in awaiting_since(s, now - by_letter, before, lock=not result.dry_run):
        due = deadline(order, ctx)
        if due > now:
            continue
        local = clock.to_local(due, tz)
        sms = sms_allowed(order)
        if not result.dry_run:
            workflow.apply(
                s, ctx, order, "booking_reminder",
                comment=f"Ikke svar innen {local:%d.%m.%Y %H:%M}"
                + ("; påminnelse sendt på SMS" if sms else "; ingen mobil for påminnelse"),
                reason=(no_answer if sms else no_mobile).format(time=f"{local:%d.%m.%Y %H:%M}"),
            )  # fmt: skip
        result.actions.append(
            Action(
                "booking_reminder",
                order.order_no,
                sms,
                no_answer.format(time=f"{local:%d.%m %H:%M}"),
            )
        )


def _appointment_reminders(s: Session, ctx: Context, now: datetime, result: RunResult) -> None:
    if not ctx.settings.appointment_reminders:
        return
    tz = ctx.settings.tz
    tomorrow = clock.to_local(now, tz).date() + timedelta(days=1)
    start, end = clock.day_bounds(tomorrow, tz)
    orders = confirmed_between(s, start, end, lock=not result.dry_run)
    if not orders:
        return
    ids = [key(o) for o in orders]
    sent = messages.reminded(s, ids)
    confirmed = history.last_arrival(s, ids, Status.READY_FOR_EXECUTION)
    for order in orders:
        if order.planned_start is None or (key(order), order.planned_start) in sent:
            continue
        local = clock.to_local(order.planned_start, tz)
        action = Action("appointment_reminder", order.order_no, True, f"{local:%d.%m %H:%M}")
        if not sms_allowed(order):
            continue  # nothing to send; the technician comes as agreed
        at = confirmed.get(key(order))
        if at is not None and order.planned_start - at < timedelta(hours=24):
            action.detail += " " + _("(confirmed less than 24 hours before: no reminder)")
            result.skipped.append(action)
            continue
        due = rules.appointment_reminder_due(
            outbox.next_send_time(now, ctx.settings), order.planned_start
        )
        if due is None:
            action.detail += " " + _("(could only be sent after the visit starts: no reminder)")
            result.skipped.append(action)
            continue
        if not result.dry_run:
            outbox.queue_sms(s, ctx, order, SmsKind.APPOINTMENT_REMINDER, now, due_at=due)
        result.actions.append(action)

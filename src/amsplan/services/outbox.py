"""The SMS outbox: queue (rendered, in the caller's transaction), withdraw, export.

`amsplan sms export` hands due messages to the provider as a file, each exactly once
(unless a batch is re-exported on purpose with --again); `amsplan sms dispatch`
(services/dispatch) sends them through a provider's API instead, with the same truth
check (`still_true`) just before.
"""

from __future__ import annotations

import csv
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlmodel import Session

from amsplan import clock
from amsplan.adapters import private, smstexts
from amsplan.config import Settings
from amsplan.domain import codes, sending, truth
from amsplan.domain.states import REMINDER_KINDS, SmsKind, SmsState
from amsplan.domain.statuses import Status
from amsplan.domain.transitions import sms_refusal
from amsplan.errors import InputError, NotFound, TransitionRefused
from amsplan.i18n import _
from amsplan.services.context import Context
from amsplan.store import messages as stored
from amsplan.store import pending
from amsplan.store.files import record_export
from amsplan.store.models import Comment, Order, Sms
from amsplan.store.orders import find_orders, get_order, key, orders_by_id
from amsplan.store.technicians import get_technician

EXPORT_COLUMNS = ["id", "to", "text", "kind", "order_no", "due_at", "batch"]


def _window(settings: Settings) -> tuple[time, time]:
    return time.fromisoformat(settings.sms_send_from), time.fromisoformat(settings.sms_send_until)


def next_send_time(at: datetime, settings: Settings) -> datetime:
    """`at`, or the start of the next sending window when `at` is in quiet hours."""
    return sending.next_send_time(at, settings.tz, *_window(settings))


def sending_now(ctx: Context, now: datetime) -> bool:
    """Whether messages may go out at `now`: inside the sending window, never in quiet
    hours (a message due at 20:55 and not sent by 21:00 waits for the next window);
    `sms export` and `sms dispatch` alike."""
    return sending.in_window(now, ctx.settings.tz, *_window(ctx.settings))


def appointment_text(order: Order, settings: Settings) -> str:
    if not (order.planned_start and order.estimate_minutes):
        return ""
    start = clock.to_local(order.planned_start, settings.tz)
    return _appointment(start, start + timedelta(minutes=order.estimate_minutes), settings.locale)


@lru_cache(maxsize=4096)
def _appointment(start: datetime, end: datetime, locale: str) -> str:
    """The appointment in words (babel, slow: once per appointment time a run)."""
    from amsplan.adapters.letters.dates import appointment_text as window

    return window(start, end, locale)


def render(session: Session, ctx: Context, order: Order, kind: SmsKind, text: str = "") -> str:
    """The text of an SMS of `kind` about the order as it is now."""
    settings = ctx.settings
    with session.no_autoflush:  # technicians come from the identity map after the first
        tech = get_technician(session, order.technician_id) if order.technician_id else None
    return smstexts.render(
        kind,
        {
            "company_name": settings.company_name,
            "appointment": appointment_text(order, settings),
            "technician_name": tech.name if tech else "",
            "code": codes.format_code(order.booking_code) if order.booking_code else "",
            "keyword_ok": settings.keyword_ok,
            "keyword_contact": settings.keyword_contact,
            "reply_number": settings.reply_number,
            "customer_name": order.customer_name,
            "text": text,
            # The order waits for the customer's answer (a change notice may not).
            "answer_wanted": order.status == Status.AWAITING_RESPONSE,
        },
        settings.templates_dir,
    )


def queue_sms(
    session: Session,
    ctx: Context,
    order: Order,
    kind: SmsKind,
    at: datetime,
    text: str = "",
    due_at: datetime | None = None,
) -> None:
    """Render and queue one SMS to the order's mobile (the caller checked it may be sent),
    due at `due_at` (else as soon as the sending window allows); written with the
    session's other pending rows (store.pending)."""
    pending.add(session, Sms, _message(session, ctx, order, kind, at, text, due_at))


def _message(
    session: Session,
    ctx: Context,
    order: Order,
    kind: SmsKind,
    at: datetime,
    text: str = "",
    due_at: datetime | None = None,
) -> dict[str, Any]:
    """The outbox row of an SMS of `kind` to the order's mobile, queued at `at`."""
    return {
        "order_id": key(order), "kind": kind, "to": order.mobile or "",
        "text": render(session, ctx, order, kind, text), "created_at": at,
        "created_by": ctx.user, "due_at": due_at or next_send_time(at, ctx.settings),
        "appointment": order.planned_start, "status": SmsState.QUEUED, "attempts": 0,
    }  # fmt: skip


def withdraw(session: Session, message: Sms, reason: str, at: datetime | None) -> None:
    """The message will not be sent (it no longer tells the truth)."""
    message.status, message.withdrawn_at, message.withdrawn_reason = SmsState.WITHDRAWN, at, reason
    session.add(message)


def check_sms(session: Session, ctx: Context, message: Sms, order: Order, now: datetime) -> str:
    """Keep, re-render or withdraw one queued message (the rule: truth.sms_verdict); the
    action taken."""
    verdict = truth.sms_verdict(order, message.kind, message.text, message.appointment)
    if verdict.action == truth.WITHDRAW:
        withdraw(session, message, verdict.reason, now)
    elif verdict.action == truth.RERENDER and (
        message.kind in REMINDER_KINDS
        and stored.other_reminder(session, message, order.planned_start)
    ):  # one reminder per appointment: one for the new time exists
        withdraw(session, message, "a reminder for the new time exists", now)
        return truth.WITHDRAW
    elif verdict.action == truth.RERENDER:
        message.text = render(session, ctx, order, message.kind)
        message.appointment = order.planned_start
        session.add(message)
    return verdict.action


def withdraw_reminders(
    session: Session, order: Order, keep: datetime | None = None, at: datetime | None = None
) -> int:
    """Withdraw the order's unsent reminders (except those for the appointment `keep`)."""
    count = 0
    for message in stored.of_order(session, key(order), REMINDER_KINDS, SmsState.QUEUED):
        if keep is not None and message.appointment == keep:
            continue
        withdraw(session, message, "the appointment changed" if keep else "no longer due", at)
        count += 1
    return count


def withdraw_no_answer(session: Session, order: Order, at: datetime) -> datetime | None:
    """Withdraw the order's unsent "no answer" reminders (the customer has answered); when
    one was already exported, the time it was exported."""
    exported = None
    for message in stored.of_order(session, key(order), (SmsKind.BOOKING_REMINDER,)):
        if message.status is SmsState.QUEUED:
            withdraw(session, message, "the customer had answered", at)
        elif message.status is SmsState.EXPORTED and message.exported_at is not None:
            exported = max(exported or message.exported_at, message.exported_at)
    return exported


def withdraw_all(session: Session, order: Order, at: datetime | None = None) -> int:
    """Withdraw every unsent message of the order (it was cancelled)."""
    count = 0
    for message in stored.of_order(session, key(order), state=SmsState.QUEUED):
        withdraw(session, message, "the order was cancelled", at)
        count += 1
    return count


def send_free_text(ctx: Context, order_no: str, text: str) -> Sms:
    """Queue a free-text SMS to the customer and keep it in the order's comments."""
    text = text.strip()
    if not text:
        raise InputError(_("the message is empty"))
    if len(text) > 612:
        raise InputError(
            _("the message is {n} characters; at most 612 (4 SMS)").format(n=len(text))
        )
    with ctx.session() as s:
        order = get_order(s, order_no)
        refusal = sms_refusal(order)
        if refusal:
            raise TransitionRefused(order_no, "sms", refusal, "SMS")
        at = ctx.now()
        message = Sms(**_message(s, ctx, order, SmsKind.FREE_TEXT, at, text))
        s.add(message)
        s.add(Comment(order_id=key(order), at=at, actor=ctx.user, login=ctx.login, kind="sms",
                      text=f"SMS: {text}"))  # fmt: skip
        return message


@dataclass
class ExportResult:
    batch: str | None
    count: int
    file: str | None


def export(
    ctx: Context, target: Path, again: str | None = None, overwrite: bool = False
) -> ExportResult:
    """Write due messages and mark them exported (or re-export batch `again`).

    `target` is a file, or a folder that gets one file per batch (sms-BATCH.csv). An
    existing file is never overwritten unless `overwrite`: the provider may not have
    collected it yet. With nothing due (or in quiet hours), nothing is written.
    """
    target = Path(target)
    now = ctx.now()
    with ctx.session() as s:
        if again:
            messages = stored.batch(s, again)
            if not messages:
                raise NotFound(_("no exported batch {batch}").format(batch=repr(again)))
            batch = again
        else:
            due = stored.due(s, now) if sending_now(ctx, now) else []
            messages = still_true(s, ctx, due, now)
            if not messages:
                return ExportResult(None, 0, None)
            stamp = clock.to_local(now, ctx.settings.tz).strftime("%Y%m%d-%H%M%S")
            batch = f"{stamp}-{secrets.token_hex(3)}"
            for message in messages:
                message.status, message.batch, message.exported_at = SmsState.EXPORTED, batch, now
                s.add(message)
        path = target / f"sms-{batch}.csv" if target.is_dir() else target
        if path.exists() and not overwrite:
            raise InputError(
                _("{file} exists (not collected yet?); use --force to overwrite").format(file=path)
            )
        orders = {i: o.order_no for i, o in orders_by_id(s, (m.order_id for m in messages)).items()}
        private.check_folder(path.parent, "export folder")
        # The file is complete on disk before the messages count as exported.
        _write_atomically(path, messages, orders, ctx.settings)
        record_export(s, "sms", path, orders, ctx.settings.base_dir, ctx.now(), ctx.user)
        return ExportResult(batch, len(messages), str(path))


def still_true(s: Session, ctx: Context, messages: list[Sms], now: datetime) -> list[Sms]:
    """The messages that still tell the truth (the others are withdrawn or re-rendered
    here, with the same rule as after every change of an order)."""
    orders = orders_by_id(s, (m.order_id for m in messages))
    keep = []
    for message in messages:
        order = orders.get(message.order_id) if message.order_id is not None else None
        if order is None or check_sms(s, ctx, message, order, now) != truth.WITHDRAW:
            keep.append(message)
    return keep


def _write_atomically(
    path: Path, messages: list[Sms], orders: dict[int, str], settings: Settings
) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(private.open_private(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), "w",
              encoding="utf-8", newline="") as f:  # fmt: skip
        writer = csv.writer(f, delimiter=";")
        writer.writerow(EXPORT_COLUMNS)
        for m in messages:
            due = clock.to_local(m.due_at, settings.tz).isoformat(timespec="minutes")
            number = orders.get(m.order_id, "") if m.order_id is not None else ""
            writer.writerow([m.id, m.to, m.text, m.kind, number, due, m.batch])
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def outbox(
    ctx: Context, status: str | None = None, order_no: str | None = None
) -> list[tuple[Sms, str | None]]:
    """Messages with their order numbers, newest first."""
    with ctx.session(readonly=True) as s:
        order_id = None
        if order_no:
            order = find_orders(s, [order_no]).get(order_no)
            if order is None:
                return []
            order_id = key(order)
        return stored.listing(s, status, order_id)

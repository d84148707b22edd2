"""What providers tell amsplan afterwards: delivery reports and customers' messages, from
callbacks (`amsplan serve`) and from files (`sms receipts`).

Every report or message is stored (sms_callback, unique on its dedup key, so a
provider's retry or the same report in a file is stored once) and applied in the same
transaction, which also marks it processed; the provider gets its 200 only after the
commit. When applying fails, that transaction is rolled back and the callback is stored
alone (unprocessed) in a new one, to be applied at the next start of `amsplan serve`, by
`sms receipts`, or when the provider sends it again; when even storing fails, the
provider gets no 200 and sends it again. Nothing is answered 200 that is not committed,
and nothing is applied twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from amsplan import clock
from amsplan.adapters.sms import PROVIDERS, provider_for
from amsplan.adapters.sms.base import Answer, DeliveryReport, InboundSms, Provider, Request
from amsplan.adapters.sms.twilio import STATES as TWILIO_STATES
from amsplan.adapters.tables import Problem, map_columns, read_csv
from amsplan.domain import callbacks as rules
from amsplan.domain.rules import utc
from amsplan.domain.states import Delivery
from amsplan.errors import AmsplanError, ConfigError, InputError
from amsplan.services import dispatch, replies
from amsplan.services.context import Context
from amsplan.store import callbacks as stored
from amsplan.store.models import Callback
from amsplan.store.orders import orders_by_id

log = logging.getLogger("amsplan.serve")

KINDS = ("status", "inbound")
# Providers whose signature covers the public URL they called: `amsplan serve` needs
# [sms] callback_url to check it behind a reverse proxy.
SIGNED_BY_URL = frozenset({"twilio"})
MAX_ID = 64  # sms_callback.provider_message_id


@dataclass(frozen=True)
class Reply:
    """What `amsplan serve` answers a callback with."""

    status: int
    answer: Answer = field(default_factory=Answer)


def _refused(status: int, text: str) -> Reply:
    return Reply(status, Answer(body=text.encode()))


def receive(ctx: Context, provider_name: str, kind: str, request: Request) -> Reply:
    """One callback of a provider: verified (403, nothing stored), read (400 when
    malformed, nothing stored), stored and applied; 200 with the provider's answer once
    it is committed."""
    if provider_name not in PROVIDERS or kind not in KINDS:
        return _refused(404, "not found")
    provider = provider_for(ctx.settings, provider_name)
    try:
        verified = provider.verify(request)
    except ConfigError as err:  # its secret is not configured: nothing can be verified
        log.error("%s %s callback refused: %s", provider_name, kind, err)
        verified = False
    if not verified:
        return _refused(403, "forbidden")
    try:
        rows = _rows(provider, kind, request, ctx.now())
    except ValueError as err:  # the providers' messages name fields, never values
        return _refused(400, f"malformed: {err}")
    try:
        with ctx.session() as s:
            new = stored.insert_once(s, rows)
            if len(new) < len(rows):  # a retry: apply what an earlier try stored, if not yet
                new += stored.unprocessed(s, {r["dedup"] for r in rows} - {c.dedup for c in new})
            _apply(s, ctx, new)
    except Exception as err:  # noqa: BLE001 - store it anyway: applied at the next start
        # The type only: a database error's text may hold the customer's message.
        log.error("%s %s callback not applied (%s); storing it to apply later",
                  provider_name, kind, type(err).__name__)  # fmt: skip
        with ctx.session() as s:
            stored.insert_once(s, rows)
    return Reply(200, provider.answer(kind))


def _rows(provider: Provider, kind: str, request: Request, now: datetime) -> list[dict[str, Any]]:
    """The sms_callback rows of one callback."""
    if kind == "status":
        return [_report_row(provider.name, r, now) for r in provider.delivery_reports(request)]
    return [_inbound_row(provider.name, m, now) for m in provider.inbound(request)]


def _row(provider: str, kind: str, message_id: str, raw_state: str, now: datetime,
         payload: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    if not message_id or len(message_id) > MAX_ID:
        raise ValueError(f"the message id must have 1 to {MAX_ID} characters")
    return {
        "provider": provider, "kind": kind,
        "dedup": rules.dedup_key(provider, kind, message_id, raw_state)[:200],
        "provider_message_id": message_id, "received_at": now,
        "payload": json.dumps(payload, ensure_ascii=False), "processed_at": None, "outcome": None,
    }  # fmt: skip


def _report_row(provider: str, report: DeliveryReport, now: datetime) -> dict[str, Any]:
    payload = {
        "delivery": report.delivery.value, "raw_state": report.raw_state,
        "reference": report.reference, "error": report.error,
        "at": report.at.isoformat() if report.at else None,
    }  # fmt: skip
    return _row(provider, "status", report.provider_message_id, report.raw_state, now, payload)


def _inbound_row(provider: str, message: InboundSms, now: datetime) -> dict[str, Any]:
    payload = {
        "sender": message.sender, "text": message.text, "to": message.to,
        "received": message.received.isoformat() if message.received else None,
        "opt_out": message.opt_out,
    }  # fmt: skip
    return _row(provider, "inbound", message.provider_message_id, "", now, payload)


# --- applying -------------------------------------------------------------------------


def apply_pending(ctx: Context) -> Counter[str]:
    """Apply every stored callback not applied yet (a crash after storing one), in
    batches of one transaction each; the outcomes counted."""
    outcomes: Counter[str] = Counter()
    while True:
        with ctx.session() as s:
            batch = stored.unprocessed(s)
            if not batch:
                return outcomes
            outcomes += _apply(s, ctx, batch)


def _apply(s: Session, ctx: Context, batch: Sequence[Any]) -> Counter[str]:
    """Apply stored callbacks (rows of store.callbacks.COLUMNS) in the caller's
    transaction, oldest first, each marked processed with its outcome."""
    outcomes: Counter[str] = Counter()
    payloads = {c.id: json.loads(c.payload) for c in batch}
    messages = _reported_messages(s, [c for c in batch if c.kind == "status"], payloads)
    # A message that may fail now is loaded whole, with its order: the follow-up needs them.
    failing = stored.messages_by_id(s, {
        m.id for cid, m in messages.items() if payloads[cid]["delivery"] == Delivery.FAILED
    })  # fmt: skip
    orders = orders_by_id(s, (m.order_id for m in failing.values()), lock=True)
    delivery = {m.id: m.delivery for m in messages.values()}  # as this batch leaves it
    changes: dict[int, dict[str, Any]] = {}
    done: dict[int, str] = {}
    for callback in sorted(batch, key=lambda c: c.id):
        payload = payloads[callback.id]
        if callback.kind == "inbound":
            outcome = _inbound(s, ctx, callback, payload)
        elif (message := messages.get(callback.id)) is None:
            outcome = rules.UNKNOWN_MESSAGE
        else:
            reported = Delivery(payload["delivery"])
            outcome = _report(delivery.get(message.id), reported)
            if outcome == rules.APPLIED:
                failed = reported is Delivery.FAILED and delivery[message.id] != Delivery.FAILED
                delivery[message.id] = reported
                at = payload["at"]
                changes[message.id] = {
                    "sms_id": message.id, "delivery": reported,
                    "delivery_at": datetime.fromisoformat(at) if at else callback.received_at,
                    "delivery_error": payload["error"] or None,
                }  # fmt: skip
                if failed and message.order_id in orders:
                    error, state = payload["error"], payload["raw_state"]
                    reason = f"{state} ({error})" if error else state
                    dispatch.sms_failed(s, ctx, failing[message.id], orders[message.order_id],
                                        reason)  # fmt: skip
        done[callback.id] = outcome
        outcomes[outcome] += 1
    s.flush()
    stored.set_delivery(s, list(changes.values()))
    stored.mark_processed(s, done, ctx.now())
    return outcomes


def _reported_messages(
    s: Session, reports: list[Any], payloads: dict[int, dict[str, Any]]
) -> dict[int, Any]:
    """Callback id -> the message it reports on (by the provider's id, else by amsplan's
    reference: the send's answer may not be stored yet), for the reports that name one."""
    found: dict[int, Any] = {}
    for provider in {c.provider for c in reports}:
        mine = [c for c in reports if c.provider == provider]
        refs = [payloads[c.id]["reference"] for c in mine if payloads[c.id]["reference"]]
        by_id, by_ref = stored.messages_reported(
            s, provider, [c.provider_message_id for c in mine], refs
        )
        for c in mine:
            message = by_id.get(c.provider_message_id) or by_ref.get(
                payloads[c.id]["reference"] or ""
            )
            if message is not None:
                found[c.id] = message
    return found


def _report(current: Delivery | str | None, reported: Delivery) -> str:
    """What a delivery report does to its message's delivery state."""
    now = Delivery(current) if current else None
    return rules.APPLIED if rules.takes_report(now, reported) else rules.STALE


def _inbound(s: Session, ctx: Context, callback: Any, payload: dict[str, Any]) -> str:
    """A customer's message, through exactly the rules of `replies ingest`."""
    received = utc(
        datetime.fromisoformat(payload["received"]) if payload["received"]
        else callback.received_at
    )  # fmt: skip
    record = {
        "received_at": received.isoformat(), "sender": payload["sender"],
        "text": payload["text"], "provider_id": callback.provider_message_id,
        "opt_out": payload["opt_out"] or "",
    }  # fmt: skip
    name = f"{callback.provider} {callback.kind}"
    digest = hashlib.sha256(callback.dedup.encode()).hexdigest()
    result = replies.ingest_rows(
        s, ctx, replies.IngestResult(name), name, digest, [(1, received, record)]
    )
    return next(iter(result.outcomes), "already_ingested")


# --- files ----------------------------------------------------------------------------

RECEIPT_COLUMNS = {
    "twilio": {
        "provider_id": ["Sid", "MessageSid"], "status": ["Status", "MessageStatus"],
        "error": ["ErrorCode"], "at": ["SentDate", "DateSent"], "direction": ["Direction"],
    },
    "sveve": {
        "provider_id": ["id", "msgId"], "status": ["status"], "reference": ["ref"],
        "error": ["errorCode"], "error_text": ["errorDesc"], "at": ["time", "tidspunkt"],
    },
}  # fmt: skip
SVEVE_STATES = {"true": "true", "delivered": "true", "false": "false", "failed": "false"}


@dataclass
class ReceiptsResult:
    file: str
    reports: int = 0
    skipped: int = 0  # rows that are no delivery report (a Twilio export's inbound rows)
    outcomes: Counter[str] = field(default_factory=Counter)


def receipts(ctx: Context, path: Path, provider_name: str | None = None) -> ReceiptsResult:
    """Delivery reports from a provider's file (a Twilio console export of messages;
    Sveve: id;status;ref;errorCode;errorDesc): stored with the same keys as callbacks, so
    a report seen both ways applies once, and applied with every callback still pending,
    all in one transaction (a bad row: nothing is stored)."""
    path = Path(path)
    name = provider_name or ctx.settings.sms_provider
    if name not in RECEIPT_COLUMNS:
        raise InputError(f"delivery report files are read for {', '.join(RECEIPT_COLUMNS)}, "
                         f"not {name!r}: give --provider")  # fmt: skip
    table = map_columns(read_csv(path), RECEIPT_COLUMNS[name], ("provider_id", "status"))
    result = ReceiptsResult(str(path))
    now = ctx.now()
    rows, problems = [], []
    for line, rec in table.records():
        if name == "twilio" and rec.get("direction", "outbound").lower().startswith("inbound"):
            result.skipped += 1
            continue
        try:
            rows.append(_report_row(name, _file_report(name, rec, ctx), now))
        except (ValueError, AmsplanError) as err:
            problems.append(Problem(line, getattr(err, "column", ""), str(err)))
    if problems:
        raise InputError(f"{path.name}: {len(problems)} invalid rows; nothing was read",
                         [p.render(path.name) for p in problems])  # fmt: skip
    result.reports = len(rows)
    with ctx.session() as s:
        stored.insert_once(s, rows)
        while batch := stored.unprocessed(s):
            result.outcomes += _apply(s, ctx, batch)
    return result


class _FieldError(ValueError):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


def _file_report(provider: str, rec: dict[str, str], ctx: Context) -> DeliveryReport:
    """One row of a provider's file as the delivery report its callback would be."""
    message_id, state = rec["provider_id"], rec["status"].lower()
    if not message_id or len(message_id) > MAX_ID:
        raise _FieldError("provider_id", f"a message id of 1 to {MAX_ID} characters is needed")
    at = _moment(rec.get("at", ""), ctx)
    if provider == "twilio":
        if state not in TWILIO_STATES:
            raise _FieldError("status", f"{rec['status']!r} is not a Twilio message status")
        code = rec.get("error", "")
        error = f"Twilio error {code}" if code and code != "0" else ""
        return DeliveryReport(message_id, TWILIO_STATES[state], state, None, error, at)
    if state not in SVEVE_STATES:
        raise _FieldError("status", f"{rec['status']!r} is not true/false (delivered/failed)")
    raw = SVEVE_STATES[state]
    delivery = Delivery.DELIVERED if raw == "true" else Delivery.FAILED
    error = " ".join(x for x in (rec.get("error", ""), rec.get("error_text", "")) if x)
    return DeliveryReport(message_id, delivery, raw, rec.get("reference") or None, error, at)


def _moment(text: str, ctx: Context) -> datetime | None:
    """A file's time: ISO (local unless it has an offset) or RFC 2822 ("Wed, 15 Apr 2026
    10:00:00 +0000", as Twilio writes dates); none when empty."""
    if not text:
        return None
    try:
        return clock.parse_moment(text, ctx.settings.tz, "time")
    except AmsplanError:
        try:
            return utc(parsedate_to_datetime(text))
        except (TypeError, ValueError):
            raise _FieldError("at", f"{text!r} is not a date and time") from None


def unmatched(ctx: Context) -> list[Callback]:
    """Delivery reports about messages amsplan does not know (for a person to look at)."""
    with ctx.session(readonly=True) as s:
        return stored.unmatched(s)


def health(ctx: Context) -> None:
    """Raises unless the database answers (at the schema this amsplan needs)."""
    with ctx.session(readonly=True) as s:
        stored.alive(s)

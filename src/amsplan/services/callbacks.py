"""What providers tell amsplan afterwards: delivery reports and customers' messages, from
callbacks (`amsplan serve`) and from files (`sms receipts`).

Every report or message is stored (sms_callback, unique on its dedup key, so a
provider's retry or the same report in a file is stored once) and applied in the same
transaction, which also marks it processed; the provider gets its 200 only after the
commit. When applying fails, that transaction is rolled back and the callback is stored
alone (unprocessed, outcome "error: <exception class> (try 1)") in a new one; the
provider has its 200 and will not send it again, so `apply_pending` tries it again (the
running server every minute, its start, `sms receipts`), each callback in its own
transaction, until domain.callbacks.MAX_TRIES, then leaves it for a person (`sms receipts
--failed`). When even storing fails, the provider gets no 200 and sends it again.
Nothing is answered 200 that is not committed, and nothing is applied twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from amsplan.adapters.sms import PROVIDERS, provider_for
from amsplan.adapters.sms.base import Answer, DeliveryReport, InboundSms, Provider, Request
from amsplan.adapters.tables import Problem, map_columns, read_csv
from amsplan.domain import callbacks as rules
from amsplan.domain.rules import utc
from amsplan.domain.states import Delivery
from amsplan.errors import ConfigError, InputError
from amsplan.i18n import _, ngettext
from amsplan.services import dispatch, replies
from amsplan.services.context import Context
from amsplan.store import callbacks as stored
from amsplan.store import db
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
        parsed = _read(provider, kind, request)
    except ValueError as err:  # the providers' messages name fields, never values
        return _refused(400, f"malformed: {err}")
    now = ctx.now()
    try:
        with ctx.session() as s:
            rows = _rows(s, provider.name, parsed, now)
            new = stored.insert_once(s, rows)
            if len(new) < len(rows):  # a retry: apply what an earlier try stored, if not yet
                new += stored.unprocessed(s, {r["dedup"] for r in rows} - {c.dedup for c in new})
            _apply(s, ctx, new)
    except Exception as err:  # noqa: BLE001 - store it anyway: apply_pending tries again
        # The type only: a database error's text may hold the customer's message.
        log.error("%s %s callback not applied (%s); storing it to apply later",
                  provider_name, kind, type(err).__name__)  # fmt: skip
        with ctx.session() as s:
            rows = _rows(s, provider.name, parsed, now)
            stored.insert_once(s, rows)
            _failed(s, ctx, stored.unprocessed(s, {r["dedup"] for r in rows}), err)
    return Reply(200, provider.answer(kind))


def _read(provider: Provider, kind: str, request: Request) -> list[DeliveryReport | InboundSms]:
    """The reports or messages of one callback (ValueError: malformed)."""
    found: list[DeliveryReport | InboundSms] = []
    found += provider.delivery_reports(request) if kind == "status" else provider.inbound(request)
    for item in found:
        _check_id(item)
    return found


def _check_id(item: DeliveryReport | InboundSms) -> None:
    made = isinstance(item, InboundSms) and item.content_key
    if not made and not 0 < len(item.provider_message_id) <= MAX_ID:
        raise ValueError(f"the message id must have 1 to {MAX_ID} characters")


def _rows(
    s: Session, provider: str, parsed: list[DeliveryReport | InboundSms], now: datetime
) -> list[dict[str, Any]]:
    """The sms_callback rows of one callback."""
    return [
        _report_row(provider, item, now) if isinstance(item, DeliveryReport)
        else _inbound_row(provider, item, _message_id(s, provider, item, now), now)
        for item in parsed
    ]  # fmt: skip


def _message_id(s: Session, provider: str, message: InboundSms, now: datetime) -> str:
    """The provider's id of a message; for a provider that sends none, the id made from
    the message and when it arrived, or the id of the push this one repeats."""
    if not message.content_key:
        return message.provider_message_id
    prefix = rules.sender_prefix(provider, message.sender)
    # One sender's pushes take turns (PostgreSQL): a retry must see the push it repeats.
    db.serialise(s, f"inbound:{prefix}")
    latest = stored.latest_inbound(s, provider, prefix)
    return rules.pushed_id(provider, message.sender, message.content_key, now, latest)


def _row(provider: str, kind: str, message_id: str, raw_state: str, now: datetime,
         payload: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
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


def _inbound_row(
    provider: str, message: InboundSms, message_id: str, now: datetime
) -> dict[str, Any]:
    payload = {
        "sender": message.sender, "text": message.text, "to": message.to,
        "received": message.received.isoformat() if message.received else None,
        "opt_out": message.opt_out,
    }  # fmt: skip
    return _row(provider, "inbound", message_id, "", now, payload)


# --- applying -------------------------------------------------------------------------


def apply_pending(ctx: Context) -> Counter[str]:
    """Apply every stored callback not applied yet (a crash after storing it, an apply
    that raised), each in its own transaction, so one that keeps failing holds up no
    other; one that raises gets the outcome "error: <exception class> (try n)" and is
    given up after rules.MAX_TRIES (processed, listed by `sms receipts --failed`). The
    outcomes counted ("error" for each failed try)."""
    with ctx.session(readonly=True) as s:
        ids = stored.pending(s)
    outcomes: Counter[str] = Counter()
    for callback_id in ids:
        try:
            with ctx.session() as s:
                outcomes += _apply(s, ctx, stored.unprocessed(s, ids=[callback_id]))
        except Exception as err:  # noqa: BLE001 - recorded on the callback; the next goes on
            log.error("stored callback %d not applied (%s)", callback_id, type(err).__name__)
            outcomes[rules.ERROR] += 1
            with ctx.session() as s:
                _failed(s, ctx, stored.unprocessed(s, ids=[callback_id]), err)
    return outcomes


def _failed(s: Session, ctx: Context, batch: Sequence[Any], err: Exception) -> None:
    """Stored callbacks whose apply raised `err`: the try counted in their outcome, and
    given up (processed) when it was the last."""
    for callback in batch:
        outcome = rules.error_outcome(err, callback.outcome)
        stored.mark_processed(s, {callback.id: outcome},
                              None if rules.retry_due(outcome) else ctx.now())  # fmt: skip


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
                failed = rules.newly_failed(delivery[message.id], reported)
                delivery[message.id] = reported
                at = datetime.fromisoformat(payload["at"]) if payload["at"] else None
                changes[message.id] = {
                    "sms_id": message.id, "delivery": reported,
                    "delivery_at": at or callback.received_at,
                    "delivery_error": payload["error"] or None,
                }  # fmt: skip
                if failed and message.order_id in orders:
                    reason = rules.failure_reason(payload["raw_state"], payload["error"], at,
                                                  ctx.settings.tz)  # fmt: skip
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


@dataclass
class ReceiptsResult:
    file: str
    reports: int = 0
    skipped: int = 0  # rows that are no delivery report (a Twilio export's inbound rows)
    outcomes: Counter[str] = field(default_factory=Counter)


def receipts(ctx: Context, path: Path, provider_name: str | None = None) -> ReceiptsResult:
    """Delivery reports from a provider's file (read by the provider's adapter: its
    receipt_columns and receipt()): stored with the same keys as callbacks, so a report
    seen both ways applies once, and applied in one transaction (a bad row: nothing is
    stored); then every callback still pending (apply_pending)."""
    path = Path(path)
    name = provider_name or ctx.settings.sms_provider
    if name not in PROVIDERS:
        raise InputError(
            _("delivery report files are read for {providers}, not {name}: give --provider").format(
                providers=", ".join(PROVIDERS), name=repr(name)
            )
        )
    provider = provider_for(ctx.settings, name)
    table = map_columns(read_csv(path), provider.receipt_columns, ("provider_id", "status"))
    result = ReceiptsResult(str(path))
    now = ctx.now()
    rows, problems = [], []
    for line, rec in table.records():
        try:
            report = provider.receipt(rec)
            if report is None:
                result.skipped += 1
                continue
            _check_id(report)
            rows.append(_report_row(name, report, now))
        except ValueError as err:
            problems.append(Problem(line, getattr(err, "column", ""), str(err)))
    if problems:
        raise InputError(ngettext("{file}: {n} invalid row; nothing was read",
                                  "{file}: {n} invalid rows; nothing was read",
                                  len(problems)).format(file=path.name, n=len(problems)),
                         [p.render(path.name) for p in problems])  # fmt: skip
    result.reports = len(rows)
    with ctx.session() as s:
        result.outcomes += _apply(s, ctx, stored.insert_once(s, rows))
    result.outcomes += apply_pending(ctx)
    return result


def failed(ctx: Context) -> list[Callback]:
    """Callbacks whose applying raised (for a person to look at)."""
    with ctx.session(readonly=True) as s:
        return stored.failed(s)


def unmatched(ctx: Context) -> list[Callback]:
    """Delivery reports about messages amsplan does not know (for a person to look at)."""
    with ctx.session(readonly=True) as s:
        return stored.unmatched(s)


def health(ctx: Context) -> None:
    """Raises unless the database answers (at the schema this amsplan needs)."""
    with ctx.session(readonly=True) as s:
        stored.alive(s)

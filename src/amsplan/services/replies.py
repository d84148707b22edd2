"""Customer replies from the SMS provider or scanning service."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import select

from amsplan import clock, db, replies
from amsplan.adapters.tables import Problem, map_columns, read_csv
from amsplan.errors import AmsplanError, InputError
from amsplan.models import BookingCode, Order, Reply
from amsplan.phones import mobile_number
from amsplan.services import workflow
from amsplan.services.context import Context
from amsplan.workflow.statuses import Status

REPLY_COLUMNS = {
    "received_at": ["Mottatt", "Tidspunkt", "Tid", "Dato", "received", "timestamp", "date"],
    "sender": ["Avsender", "Fra", "Telefon", "Mobil", "from", "phone", "msisdn"],
    "text": ["Melding", "Tekst", "Meldingstekst", "message", "body"],
    "provider_id": ["Meldings-ID", "Meldingsid", "ID", "message_id", "msg_id"],
}

# What happened to a reply. The ones marked False need a person (replies unmatched).
OUTCOMES = {
    "confirmed": "code and OK: ready for execution",
    "followup": "code and other text: manual follow-up",
    "matched_by_phone": "no valid code, sender matched one waiting order: manual follow-up",
    "late_reply": "answer after the order went to manual follow-up: kept there, reason updated",
    "retired_code": "an old (retired) code",
    "not_awaiting": "the order is not waiting for a reply",
    "unknown_code": "a valid-looking code that was never issued",
    "no_code": "no valid booking code (none, or mistyped)",
    "duplicate": "the same message was ingested before",
}


@dataclass
class IngestResult:
    file: str
    new: int = 0
    already_ingested: int = 0
    outcomes: Counter = field(default_factory=Counter)


def _fingerprint(received: str, sender: str, text: str, provider_id: str) -> str:
    if provider_id:
        return "id:" + provider_id[:60]
    return hashlib.sha256(f"{received}\x1f{sender}\x1f{text}".encode()).hexdigest()


def ingest(ctx: Context, path: Path) -> IngestResult:
    """Store every reply in the file with its outcome and apply the ones that can be."""
    path = Path(path)
    table = map_columns(read_csv(path), REPLY_COLUMNS, ("received_at", "sender", "text"))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    name = path.name
    problems: list[Problem] = []
    rows = []
    tz = ctx.settings.tz
    for line, rec in table.records():
        try:
            received = clock.parse_moment(rec["received_at"], tz, "received time")
        except AmsplanError as err:
            problems.append(Problem(line, "received", str(err)))
            continue
        if not rec["sender"] and not rec["text"]:
            problems.append(Problem(line, "", "no sender and no text"))
            continue
        rows.append((line, received, rec))
    if problems:
        raise InputError(
            f"{name}: {len(problems)} invalid rows; nothing was ingested",
            [p.render(name) for p in problems],
        )
    result = IngestResult(str(path))
    with ctx.session() as s:
        db.serialise(s, f"replies:{digest}")
        seen_lines = set(s.exec(select(Reply.line_no).where(Reply.source_sha256 == digest)).all())
        for line, received, rec in rows:
            if line in seen_lines:
                result.already_ingested += 1
                continue
            outcome = _one(s, ctx, name, digest, line, received, rec)
            result.new += 1
            result.outcomes[outcome] += 1
    return result


def _one(s, ctx: Context, name: str, digest: str, line: int, received, rec) -> str:
    text = rec["text"]
    fingerprint = _fingerprint(rec["received_at"], rec["sender"], text, rec.get("provider_id", ""))
    reply = Reply(
        source_file=name,
        source_sha256=digest,
        line_no=line,
        received_at=received,
        sender=rec["sender"],
        text=text,
        provider_id=rec.get("provider_id") or None,
        fingerprint=fingerprint,
        outcome="no_code",
        actor=ctx.user,
        ingested_at=ctx.now(),
    )
    if s.exec(select(Reply.id).where(Reply.fingerprint == fingerprint)).first() is not None:
        reply.outcome, reply.handled = "duplicate", True
        s.add(reply)
        return reply.outcome
    parsed = replies.parse(text)
    match = None
    for candidate in parsed.candidates:
        issued = s.get(BookingCode, candidate.code)
        if issued is not None:
            match = (candidate, issued)
            break
    if match is None:
        reply.outcome = "unknown_code" if parsed.candidates else "no_code"
        order = _by_phone(s, rec["sender"], ctx.settings.country)
        if order is not None:
            reply.order_id = order.id
            reply.outcome, reply.handled = "matched_by_phone", True
            note = f"Svar uten gyldig kode fra {rec['sender']}: {text}"
            workflow.apply(s, ctx, order, "reply_other", comment="Svar uten gyldig kode", text=note,
                           reason=f"replied without a valid code: {text}")  # fmt: skip
        s.add(reply)
        return reply.outcome
    candidate, issued = match
    order = s.get(Order, issued.order_id, with_for_update=True)
    reply.code, reply.order_id = candidate.code, order.id
    waiting = order.status == Status.AWAITING_RESPONSE.value
    if issued.retired_at is not None:
        reply.outcome = "retired_code"
        if waiting:
            reply.handled = True
            note = f"Svar med utgått kode: {text}"
            workflow.apply(s, ctx, order, "reply_other", comment="Svar med utgått kode", text=note,
                           reason=f"replied with an old code: {text}")  # fmt: skip
    elif order.status == Status.MANUAL_FOLLOWUP.value:
        # A late answer (e.g. to the reminder): the planner decides, with the answer at hand.
        reply.outcome, reply.handled = "late_reply", True
        answer = candidate.answer or "(no text)"
        workflow.add_comment(s, ctx, order, f"Svar (sent): {text}", kind="reply")
        order.followup_kind, order.followup_reason = "reply", f"customer replied late: {answer}"
        s.add(order)
    elif not waiting:
        reply.outcome = "not_awaiting"
    elif replies.is_confirmation(candidate.answer):
        reply.outcome, reply.handled = "confirmed", True
        workflow.apply(s, ctx, order, "reply_ok", comment="Svar OK")
    else:
        reply.outcome, reply.handled = "followup", True
        answer = candidate.answer or "(no text)"
        workflow.apply(s, ctx, order, "reply_other", comment="Svar mottatt", text=text,
                       reason=f"customer replied: {answer}")  # fmt: skip
    s.add(reply)
    return reply.outcome


def _by_phone(s, sender: str, country: str) -> Order | None:
    mobile = mobile_number(sender, country)
    if not mobile:
        return None
    waiting = s.exec(
        select(Order)
        .where(Order.mobile == mobile, Order.status == Status.AWAITING_RESPONSE.value)
        .limit(2)
    ).all()
    return waiting[0] if len(waiting) == 1 else None


def unmatched(ctx: Context) -> list[tuple[Reply, str | None]]:
    """Replies nobody has acted on: (reply, order number if linked)."""
    with ctx.session(readonly=True) as s:
        query = (
            select(Reply, Order.order_no)
            .join(Order, Order.id == Reply.order_id, isouter=True)
            .where(Reply.handled == False)  # noqa: E712
            .order_by(Reply.received_at, Reply.id)
        )
        return list(s.exec(query).all())

"""Customer replies from the SMS provider or scanning service."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import insert
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
        todo = [_Incoming(line, received, rec) for line, received, rec in rows
                if line not in seen_lines]  # fmt: skip
        result.already_ingested = len(rows) - len(todo)
        known = _Known.load(s, ctx, todo)
        now = ctx.now()
        new_rows = []
        with s.no_autoflush:
            for incoming in todo:
                reply = _one(s, ctx, known, incoming)
                reply.update(source_file=name, source_sha256=digest, ingested_at=now,
                             actor=ctx.user)  # fmt: skip
                new_rows.append(reply)
                result.outcomes[reply["outcome"]] += 1
        s.flush()
        for i in range(0, len(new_rows), 5000):
            s.execute(insert(Reply.__table__), new_rows[i : i + 5000])
        result.new = len(new_rows)
    return result


@dataclass
class _Incoming:
    line: int
    received: datetime
    rec: dict[str, str]

    def __post_init__(self) -> None:
        rec = self.rec
        self.fingerprint = _fingerprint(
            rec["received_at"], rec["sender"], rec["text"], rec.get("provider_id", "")
        )
        self.parsed = replies.parse(rec["text"])


@dataclass
class _Known:
    """What the file's replies refer to, loaded in a few queries instead of per reply."""

    fingerprints: set[str]
    codes: dict[str, BookingCode]
    orders: dict[int, Order]
    waiting_by_mobile: dict[str, list[Order]]

    @classmethod
    def load(cls, s, ctx: Context, todo: list[_Incoming]) -> _Known:
        def chunks(values):
            values = list(values)
            return (values[i : i + 5000] for i in range(0, len(values), 5000))

        fingerprints: set[str] = set()
        for chunk in chunks({i.fingerprint for i in todo}):
            fingerprints.update(
                s.exec(select(Reply.fingerprint).where(Reply.fingerprint.in_(chunk)))
            )
        issued: dict[str, BookingCode] = {}
        for chunk in chunks({c.code for i in todo for c in i.parsed.candidates}):
            issued.update(
                (b.code, b) for b in s.exec(select(BookingCode).where(BookingCode.code.in_(chunk)))
            )
        orders: dict[int, Order] = {}
        for chunk in chunks({b.order_id for b in issued.values()}):
            query = select(Order).where(Order.id.in_(chunk)).with_for_update()
            orders.update((o.id, o) for o in s.exec(query))
        mobiles = {
            m for i in todo if not i.parsed.candidates or not any(
                c.code in issued for c in i.parsed.candidates)
            if (m := mobile_number(i.rec["sender"], ctx.settings.country))
        }  # fmt: skip
        waiting: dict[str, list[Order]] = {}
        for chunk in chunks(mobiles):
            query = (
                select(Order)
                .where(Order.mobile.in_(chunk), Order.status == Status.AWAITING_RESPONSE.value)
                .with_for_update()
            )
            for order in s.exec(query):
                waiting.setdefault(order.mobile, []).append(order)
                orders[order.id] = order
        return cls(fingerprints, issued, orders, waiting)


def _one(s, ctx: Context, known: _Known, incoming: _Incoming) -> dict:
    """What happens to one reply (applied to its order); the reply row as a dict."""
    rec, text = incoming.rec, incoming.rec["text"]
    reply = {
        "line_no": incoming.line, "received_at": incoming.received, "sender": rec["sender"],
        "text": text, "provider_id": rec.get("provider_id") or None,
        "fingerprint": incoming.fingerprint, "code": None, "order_id": None,
        "outcome": "no_code", "handled": False,
    }  # fmt: skip
    if incoming.fingerprint in known.fingerprints:
        reply.update(outcome="duplicate", handled=True)
        return reply
    known.fingerprints.add(incoming.fingerprint)  # a second copy later in this file
    parsed = incoming.parsed
    match = next(
        ((c, known.codes[c.code]) for c in parsed.candidates if c.code in known.codes), None
    )
    if match is None:
        reply["outcome"] = "unknown_code" if parsed.candidates else "no_code"
        order = _by_phone(known, rec["sender"], ctx.settings.country)
        if order is not None:
            reply.update(order_id=order.id, outcome="matched_by_phone", handled=True)
            note = f"Svar uten gyldig kode fra {rec['sender']}: {text}"
            workflow.apply(s, ctx, order, "reply_other", comment="Svar uten gyldig kode", text=note,
                           reason=f"replied without a valid code: {text}")  # fmt: skip
        return reply
    candidate, issued = match
    order = known.orders[issued.order_id]
    reply.update(code=candidate.code, order_id=order.id)
    waiting = order.status == Status.AWAITING_RESPONSE.value
    if issued.retired_at is not None:
        reply["outcome"] = "retired_code"
        if waiting:
            reply["handled"] = True
            note = f"Svar med utgått kode: {text}"
            workflow.apply(s, ctx, order, "reply_other", comment="Svar med utgått kode", text=note,
                           reason=f"replied with an old code: {text}")  # fmt: skip
    elif order.status == Status.MANUAL_FOLLOWUP.value:
        # A late answer (e.g. to the reminder): the planner decides, with the answer at hand.
        reply.update(outcome="late_reply", handled=True)
        answer = candidate.answer or "(no text)"
        workflow.add_comment(s, ctx, order, f"Svar (sent): {text}", kind="reply")
        workflow.flag_followup(s, ctx, order, "reply", f"customer replied late: {answer}")
    elif not waiting:
        reply["outcome"] = "not_awaiting"
    elif replies.is_confirmation(candidate.answer):
        reply.update(outcome="confirmed", handled=True)
        workflow.apply(s, ctx, order, "reply_ok", comment="Svar OK")
    else:
        reply.update(outcome="followup", handled=True)
        answer = candidate.answer or "(no text)"
        workflow.apply(s, ctx, order, "reply_other", comment="Svar mottatt", text=text,
                       reason=f"customer replied: {answer}")  # fmt: skip
    return reply


def _by_phone(known: _Known, sender: str, country: str) -> Order | None:
    """The one order waiting for a reply from this mobile number, if exactly one is."""
    mobile = mobile_number(sender, country)
    waiting = [
        o for o in known.waiting_by_mobile.get(mobile or "", [])
        if o.status == Status.AWAITING_RESPONSE.value
    ]  # fmt: skip
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


def handle(ctx: Context, ids: list[int], comment: str, dry_run: bool = False):
    """A person has dealt with these replies: they leave `replies unmatched`, and the
    comment is kept in the order's timeline (worklist.HandleResult; dry_run: which would
    be handled)."""
    from amsplan.services import worklist

    comment = worklist.check_comment(comment)
    with ctx.session() as s:
        items = worklist.load(s, Reply, ids, "reply")
        orders = worklist.orders_by_id(s, (r.order_id for r in items))
        return worklist.mark_handled(
            s, ctx, items, comment,
            lambda r: orders.get(r.order_id),
            lambda r: f"Svar fra {r.sender} ({r.source_file}:{r.line_no})", dry_run,
        )  # fmt: skip

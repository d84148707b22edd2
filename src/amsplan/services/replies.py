"""Customer replies from the SMS provider or scanning service."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, insert
from sqlmodel import select

from amsplan import clock
from amsplan.adapters.tables import Problem, map_columns, read_csv
from amsplan.domain import replies, rules
from amsplan.domain.phones import mobile_number
from amsplan.domain.statuses import Status
from amsplan.errors import AmsplanError, InputError
from amsplan.services import workflow
from amsplan.services.context import Context
from amsplan.store import db
from amsplan.store.models import BookingCode, History, Order, Reply

REPLY_COLUMNS = {
    "received_at": ["Mottatt", "Tidspunkt", "Tid", "Dato", "received", "timestamp", "date"],
    "sender": ["Avsender", "Fra", "Telefon", "Mobil", "from", "phone", "msisdn"],
    "text": ["Melding", "Tekst", "Meldingstekst", "message", "body"],
    "provider_id": ["Meldings-ID", "Meldingsid", "ID", "message_id", "msg_id"],
}

# What happened to a reply. The ones marked False need a person (replies unmatched).
OUTCOMES = {
    "confirmed": "code and the confirming word ([replies] keyword_ok): ready for execution",
    "followup": "code and other text: manual follow-up",
    "matched_by_phone": "no valid code, sender matched one waiting order: manual follow-up",
    "late_reply": "answer after the order went to manual follow-up: kept there, reason added",
    "repeat": "the same answer again, to an order already where that answer leads",
    "superseded": "older than an answer already applied to the order: noted, changes nothing",
    "cancelled_order": "the order was cancelled upstream: answer noted, it stays in follow-up",
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


# Outcomes where the reply was the customer's answer to the order (the newest of them is
# the customer's last word: an older reply never overrides it).
ANSWERED = ("confirmed", "followup", "matched_by_phone", "late_reply", "repeat",
            "cancelled_order")  # fmt: skip


def _fingerprint(received: str, sender: str, text: str, provider_id: str) -> str:
    """The same message ingested twice: the provider's id (whole) with the sender and the
    text (providers restart their ids, so the id alone is not unique), or without an id the
    received time, sender and text."""
    key = ("id", provider_id, sender, text) if provider_id else (received, sender, text)
    return hashlib.sha256("\x1f".join(key).encode()).hexdigest()


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
        # In received order (stable), so the customer's last word is applied last.
        todo = [_Incoming(line, received, rec) for line, received, rec in
                sorted(rows, key=lambda r: r[1]) if line not in seen_lines]  # fmt: skip
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
    newest: dict[int, datetime]  # order id -> received time of its newest applied answer
    last: dict[int, tuple[str, datetime]]  # order id -> its last transition and when

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
        newest: dict[int, datetime] = {}
        last: dict[int, tuple[str, datetime]] = {}
        for chunk in chunks(orders):
            query = (
                select(Reply.order_id, func.max(Reply.received_at))
                .where(Reply.order_id.in_(chunk), Reply.outcome.in_(ANSWERED))
                .group_by(Reply.order_id)
            )
            newest.update((i, rules.utc(at)) for i, at in s.exec(query) if at is not None)
            latest = select(func.max(History.id)).where(History.order_id.in_(chunk))
            query = select(History).where(History.id.in_(latest.group_by(History.order_id)))
            last.update((h.order_id, (h.transition, rules.utc(h.at))) for h in s.exec(query))
        return cls(fingerprints, issued, orders, waiting, newest, last)


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
            _apply(s, ctx, known, order, "reply_other", comment="Svar uten gyldig kode", text=note,
                   reason=f"replied without a valid code: {text}")  # fmt: skip
        return reply
    candidate, issued = match
    order = known.orders[issued.order_id]
    reply.update(code=candidate.code, order_id=order.id)
    waiting = order.status == Status.AWAITING_RESPONSE.value
    newest = known.newest.get(order.id)
    if issued.retired_at is not None:
        reply["outcome"] = "retired_code"
        if waiting:
            reply["handled"] = True
            note = f"Svar med utgått kode: {text}"
            _apply(s, ctx, known, order, "reply_other", comment="Svar med utgått kode", text=note,
                   reason=f"replied with an old code: {text}")  # fmt: skip
        return reply
    if newest is not None and incoming.received < newest:
        # The customer has said something newer already: this changes nothing.
        reply.update(outcome="superseded", handled=True)
        when = clock.to_local(incoming.received, ctx.settings.tz)
        workflow.add_comment(
            s, ctx, order, f"Eldre svar (mottatt {when:%d.%m.%Y %H:%M}, før et nyere): {text}",
            kind="reply",
        )  # fmt: skip
        return reply
    reply["outcome"] = _answer(s, ctx, known, order, candidate, incoming)
    reply["handled"] = reply["outcome"] != "not_awaiting"
    if reply["handled"]:
        known.newest[order.id] = incoming.received
    return reply


def _answer(s, ctx: Context, known: _Known, order: Order, candidate, incoming: _Incoming) -> str:
    """Apply the customer's answer (their newest so far) to the order; the outcome."""
    text = incoming.rec["text"]
    answer = candidate.answer or "(no text)"
    ok = replies.is_confirmation(candidate.answer, ctx.settings.keyword_ok)
    status = Status(order.status)
    if order.cancelled:  # noted; never moves it out of follow-up nor hides the cancellation
        workflow.add_comment(s, ctx, order, f"Svar etter kansellering: {text}", kind="reply")
        workflow.flag_followup(s, ctx, order, "reply", f"customer replied after cancellation: "
                               f"{answer}")  # fmt: skip
        return "cancelled_order"
    if status is not Status.AWAITING_RESPONSE:
        if (ok and status is Status.READY_FOR_EXECUTION) or (
            not ok and order.followup_reason == f"customer replied: {answer}"
        ):
            workflow.add_comment(s, ctx, order, f"Samme svar igjen: {text}", kind="reply")
            return "repeat"
        reconsider = _reconsider(known, order, incoming.received)
        if reconsider is None:
            if status is not Status.MANUAL_FOLLOWUP:
                return "not_awaiting"
            # A late answer (e.g. to the reminder): the planner decides, with the answer at hand.
            workflow.add_comment(s, ctx, order, f"Svar (sent): {text}", kind="reply")
            workflow.flag_followup(s, ctx, order, "reply", f"customer replied late: {answer}")
            return "late_reply"
        when = clock.to_local(incoming.received, ctx.settings.tz)
        comment = (f"Svar mottatt {when:%d.%m.%Y %H:%M}, før påminnelsen"
                   if reconsider == "answered_before_reminder"
                   else f"Nytt svar mottatt {when:%d.%m.%Y %H:%M}")  # fmt: skip
        _apply(s, ctx, known, order, "reply_again", comment=comment, reconsider=reconsider)
    if ok:
        _apply(s, ctx, known, order, "reply_ok", comment=f"Svar {ctx.settings.keyword_ok}")
        return "confirmed"
    _apply(s, ctx, known, order, "reply_other", comment="Svar mottatt", text=text,
           reason=f"customer replied: {answer}")  # fmt: skip
    return "followup"


def _reconsider(known: _Known, order: Order, received: datetime) -> str | None:
    """Why a reply to an order no longer waiting is still the customer's last word (see
    transitions.RECONSIDER), or None: the order moved on since (a planner, the field)."""
    transition, at = known.last.get(order.id, ("", received))
    if transition == "booking_reminder" and received < at:
        return "answered_before_reminder"
    if transition in ("reply_ok", "reply_other", "reply_again"):
        return "own_reply"
    return None


def _apply(s, ctx: Context, known: _Known, order: Order, name: str, **kwargs) -> None:
    entry = workflow.apply(s, ctx, order, name, **kwargs)
    known.last[order.id] = (name, rules.utc(entry.at))


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

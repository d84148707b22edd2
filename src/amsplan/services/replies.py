"""Customer replies from the SMS provider or scanning service."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sqlmodel import Session

from amsplan import clock
from amsplan.adapters import replyfiles
from amsplan.adapters.replyfiles import REPLY_COLUMNS
from amsplan.adapters.tables import Problem
from amsplan.domain import replies, rules
from amsplan.domain.phones import mobile_number
from amsplan.domain.replies import ANSWERED, OUTCOMES, CodeState, Decision, ReplyOutcome
from amsplan.domain.statuses import Status
from amsplan.domain.steps import Apply, Step
from amsplan.errors import AmsplanError, InputError
from amsplan.services import outbox, workflow, worklist
from amsplan.services.context import Context
from amsplan.store import codes, db, history, inbound
from amsplan.store.models import BookingCode, Order, Reply
from amsplan.store.orders import awaiting_from, by_mobile, key, orders_by_id

__all__ = [
    "OUTCOMES",
    "REPLY_COLUMNS",
    "IngestResult",
    "ReplyOutcome",
    "handle",
    "ingest",
    "unmatched",
]


@dataclass
class IngestResult:
    file: str
    new: int = 0
    already_ingested: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    format: str = "amsplan"  # the file's format (adapters.replyfiles.FORMATS)
    skipped: int = 0  # rows that are no reply (a Twilio export's outbound messages)


def _fingerprint(received: str, sender: str, text: str, provider_id: str) -> str:
    """The same message ingested twice: the provider's id (whole) with the sender and the
    text (providers restart their ids, so the id alone is not unique), or without an id the
    received time, sender and text. With an id, the sender counts by its digits (a file
    may write the number without + or with 00)."""
    key: tuple[str, ...] = (received, sender, text)
    if provider_id:  # the number as digits: "+47...", "47..." and "0047..." are one sender
        number = re.sub(r"\D", "", sender).removeprefix("00") or sender
        key = ("id", provider_id, number, text)
    return hashlib.sha256("\x1f".join(key).encode()).hexdigest()


def ingest(ctx: Context, path: Path, format_name: str | None = None) -> IngestResult:
    """Store every reply in the file with its outcome and apply the ones that can be
    (the decision: domain.replies.decide, and decide_opt for STOP and START). The file is
    in one of adapters.replyfiles.FORMATS: `format_name`, else the one its header shows.
    A file without received times (Sveve's) has its replies received now."""
    path = Path(path)
    found = replyfiles.read(path, format_name)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    name = path.name
    problems: list[Problem] = []
    rows = []
    tz = ctx.settings.tz
    now = ctx.now()
    for line, rec in found.rows:
        try:
            received = (clock.parse_moment(rec["received_at"], tz, "received time")
                        if found.timed else now)  # fmt: skip
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
    result = IngestResult(str(path), format=found.format, skipped=found.skipped)
    with ctx.session() as s:
        return ingest_rows(s, ctx, result, name, digest, rows)


def ingest_rows(
    s: Session,
    ctx: Context,
    result: IngestResult,
    name: str,
    digest: str,
    rows: list[tuple[int, datetime, dict[str, str]]],
) -> IngestResult:
    """Store and apply replies in the caller's transaction: (line, received time, record
    with received_at, sender, text, provider_id and maybe opt_out, the provider's own
    opt-out flag: STOP, START, HELP) from the source `name` whose content has the sha256
    `digest` (a file; one callback of `amsplan serve`)."""
    db.serialise(s, f"replies:{digest}")
    seen_lines = inbound.reply_lines(s, digest)
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
    if known.opted_out:  # in one query, with what this run queued (no_autoflush) flushed
        for message in inbound.queued_sms(s, known.opted_out):
            outbox.withdraw(s, message, known.opted_out[message.to], now)
    inbound.add_replies(s, new_rows)
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
        self.opt = replies.opt_word(self.parsed, rec.get("opt_out"))


@dataclass
class _Known:
    """What the file's replies refer to, loaded in a few queries instead of per reply,
    and kept up to date as the file's replies are applied."""

    fingerprints: set[str]
    codes: dict[str, BookingCode]
    orders: dict[int, Order]
    waiting_by_mobile: dict[str, list[Order]]
    holders: dict[str, list[Order]]  # mobile -> its orders, for the senders of STOP/START
    newest: dict[int, datetime]  # order id -> received time of its newest applied answer
    last: dict[int, tuple[str, datetime]]  # order id -> its last transition and when
    # mobile -> why its queued messages are withdrawn once the replies are applied (its
    # last word here was STOP), all in one query
    opted_out: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, s: Session, ctx: Context, todo: list[_Incoming]) -> _Known:
        fingerprints = inbound.known_fingerprints(s, (i.fingerprint for i in todo))
        issued = codes.issued(s, (c.code for i in todo for c in i.parsed.candidates))
        orders = orders_by_id(s, (b.order_id for b in issued.values()), lock=True)
        mobiles = {
            m for i in todo if not i.parsed.candidates or not any(
                c.code in issued for c in i.parsed.candidates)
            if (m := mobile_number(i.rec["sender"], ctx.settings.country))
        }  # fmt: skip
        waiting = awaiting_from(s, mobiles)
        opting = {m for i in todo if i.opt
                  if (m := mobile_number(i.rec["sender"], ctx.settings.country))}  # fmt: skip
        holders = by_mobile(s, opting, lock=True) if opting else {}
        for found in (*waiting.values(), *holders.values()):
            orders.update((key(o), o) for o in found)
        newest = inbound.newest_answers(s, orders, ANSWERED)
        last = history.last_transitions(s, orders)
        return cls(fingerprints, issued, orders, waiting, holders, newest, last)


def _one(s: Session, ctx: Context, known: _Known, incoming: _Incoming) -> dict[str, Any]:
    """What happens to one reply (applied to its order); the reply row as a dict."""
    rec = incoming.rec
    reply: dict[str, Any] = {
        "line_no": incoming.line, "received_at": incoming.received, "sender": rec["sender"],
        "text": rec["text"], "provider_id": rec.get("provider_id") or None,
        "fingerprint": incoming.fingerprint, "code": None, "order_id": None,
    }  # fmt: skip
    duplicate = incoming.fingerprint in known.fingerprints
    known.fingerprints.add(incoming.fingerprint)  # a second copy later in this file
    candidates = incoming.parsed.candidates
    match = next(((c, known.codes[c.code]) for c in candidates if c.code in known.codes), None)
    if incoming.opt and not duplicate:
        return _opt(s, ctx, known, incoming, reply, match)
    answer, order = "", None
    if duplicate:
        code = CodeState.NONE
    elif match is None:
        code = CodeState.UNKNOWN if candidates else CodeState.NONE
        order = _by_phone(known, rec["sender"], ctx.settings.country)
    else:
        candidate, issued = match
        code = CodeState.RETIRED if issued.retired_at is not None else CodeState.LIVE
        answer, order = candidate.answer, known.orders[issued.order_id]
        reply["code"] = candidate.code
    message = replies.Incoming(rec["text"], rec["sender"], incoming.received, answer, duplicate)
    decision = replies.decide(
        message, code, None if order is None else _state(known, order), ctx.settings.keyword_ok,
        ctx.settings.tz,
    )  # fmt: skip
    if order is not None and decision.outcome is not ReplyOutcome.DUPLICATE:
        if match is not None or decision.outcome is ReplyOutcome.MATCHED_BY_PHONE:
            reply["order_id"] = order.id
        _carry_out(s, ctx, known, order, decision, incoming.received)
    reply.update(outcome=decision.outcome.value, handled=decision.handled)
    return reply


def _state(known: _Known, order: Order) -> replies.OrderState:
    """What the decision reads of the order, as it is now in this file's run."""
    return replies.OrderState(
        order.status, order.cancelled, order.followup_reason, known.newest.get(key(order)),
        known.last.get(key(order)),
    )  # fmt: skip


def _opt(
    s: Session,
    ctx: Context,
    known: _Known,
    incoming: _Incoming,
    reply: dict[str, Any],
    match: tuple[replies.Candidate, BookingCode] | None,
) -> dict[str, Any]:
    """A STOP or START (domain.replies.decide_opt), carried out; the reply row."""
    sender = incoming.rec["sender"]
    mobile = mobile_number(sender, ctx.settings.country)
    found = known.holders.get(mobile or "", [])
    holders = [replies.Holder(key(o), o.status, o.booking_channel, o.no_sms) for o in found]
    named = match[1].order_id if match else None
    message = replies.Incoming(incoming.rec["text"], sender, incoming.received)
    decision = replies.decide_opt(message, incoming.opt or "", holders, named)
    if mobile and decision.withdraw:
        known.opted_out[mobile] = decision.withdraw
    elif mobile and decision.outcome is ReplyOutcome.OPT_IN:
        known.opted_out.pop(mobile, None)
    for order_id, step in decision.steps:
        _do(s, ctx, known, known.orders[order_id], step)
    if match is not None:
        reply["code"] = match[0].code
    linked = named if named is not None else (holders[0].id if len(holders) == 1 else None)
    reply.update(order_id=linked, outcome=decision.outcome.value, handled=True)
    return reply


def _carry_out(
    s: Session, ctx: Context, known: _Known, order: Order, decision: Decision, received: datetime
) -> None:
    """Apply a decision's steps to the order, in order (`received`: the reply's time)."""
    for step in decision.steps:
        _do(s, ctx, known, order, step)
    if decision.last_word:
        known.newest[key(order)] = received


def _do(s: Session, ctx: Context, known: _Known, order: Order, step: Step) -> None:
    """Carry out one step of a decision on the order."""
    entry = workflow.carry_out(s, ctx, order, step, comment_kind="reply")
    if entry is not None and isinstance(step, Apply):
        known.last[key(order)] = (step.transition, rules.utc(entry.at))


def _by_phone(known: _Known, sender: str, country: str) -> Order | None:
    """The one order waiting for a reply from this mobile number, if exactly one is."""
    mobile = mobile_number(sender, country)
    waiting = [
        o for o in known.waiting_by_mobile.get(mobile or "", [])
        if o.status == Status.AWAITING_RESPONSE
    ]  # fmt: skip
    return waiting[0] if len(waiting) == 1 else None


def unmatched(ctx: Context) -> list[tuple[Reply, str | None]]:
    """Replies nobody has acted on: (reply, order number if linked)."""
    with ctx.session(readonly=True) as s:
        return inbound.unhandled_replies(s)


def handle(
    ctx: Context, ids: list[int], comment: str, dry_run: bool = False
) -> worklist.HandleResult:
    """A person has dealt with these replies: they leave `replies unmatched`, and the
    comment is kept in the order's timeline (worklist.HandleResult; dry_run: which would
    be handled)."""
    comment = worklist.check_comment(comment)
    with ctx.session(readonly=dry_run) as s:
        items = worklist.load(s, Reply, ids, "reply", lock=not dry_run)
        orders = orders_by_id(s, (r.order_id for r in items))

        def order_of(item: object) -> Order | None:
            reply = cast(Reply, item)
            return orders.get(reply.order_id) if reply.order_id is not None else None

        def describe(item: object) -> str:
            reply = cast(Reply, item)
            return f"Svar fra {reply.sender} ({reply.source_file}:{reply.line_no})"

        return worklist.mark_handled(s, ctx, items, comment, order_of, describe, dry_run)

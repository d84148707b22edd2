"""Customer replies from the SMS provider or scanning service, and by e-mail (read by
services.mailreplies, stored and applied here by the same rules)."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple, cast

from sqlmodel import Session

from amsplan import clock
from amsplan.adapters import replyfiles
from amsplan.adapters.replyfiles import REPLY_COLUMNS
from amsplan.adapters.tables import Problem
from amsplan.domain import replies, rules
from amsplan.domain.mail import MailKind
from amsplan.domain.phones import mobile_number
from amsplan.domain.replies import ANSWERED, OUTCOMES, CodeState, Decision, ReplyOutcome
from amsplan.domain.states import EmailKind, EmailState
from amsplan.domain.statuses import Status
from amsplan.domain.steps import Apply, Step
from amsplan.errors import AmsplanError, InputError
from amsplan.i18n import _, ngettext
from amsplan.services import outbox, workflow, worklist
from amsplan.services.context import Context
from amsplan.store import codes, db, history, inbound, mail
from amsplan.store.models import BookingCode, EmailMessage, Order, Reply
from amsplan.store.orders import awaiting_from, awaiting_from_email, by_mobile, key, orders_by_id

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
            problems.append(Problem(line, "", _("no sender and no text")))
            continue
        rows.append((line, received, rec))
    if problems:
        raise InputError(
            ngettext(
                "{file}: {n} invalid row; nothing was ingested",
                "{file}: {n} invalid rows; nothing was ingested",
                len(problems),
            ).format(file=name, n=len(problems)),
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
    `digest` (a file; one callback of `amsplan serve`).

    An e-mail's record (services.mailreplies) has channel "email", subject, answer (its
    text without the signature: what the decision reads), address (the sender's), echo
    (where an echoed code is looked for, domain.mail), kind (a domain.mail.MailKind),
    bounce_of and bounce_reason (a bounce), and its own source_sha256: each message is a
    source of one line (`digest` then names the lock)."""
    take_turns(s, digest)
    seen = inbound.reply_lines(s, {rec.get("source_sha256", digest) for _, _, rec in rows})
    # In received order (stable), so the customer's last word is applied last; a line read
    # before, or twice now (the same e-mail in two files), is skipped.
    todo = []
    for line, received, rec in sorted(rows, key=lambda r: r[1]):
        where = (rec.get("source_sha256", digest), line)
        if where not in seen:
            seen.add(where)
            todo.append(_Incoming(line, received, rec))
    result.already_ingested = len(rows) - len(todo)
    known = _Known.load(s, ctx, todo)
    now = ctx.now()
    new_rows = []
    with s.no_autoflush:
        for incoming in todo:
            reply = _one(s, ctx, known, incoming)
            reply.update(source_file=name, ingested_at=now, actor=ctx.user,
                         source_sha256=incoming.rec.get("source_sha256", digest))  # fmt: skip
            new_rows.append(reply)
            result.outcomes[reply["outcome"]] += 1
    s.flush()
    if known.opted_out:  # in one query, with what this run queued (no_autoflush) flushed
        for message in inbound.queued_sms(s, known.opted_out):
            outbox.withdraw(s, message, known.opted_out[message.to], now)
    inbound.add_replies(s, new_rows)
    result.new = len(new_rows)
    return result


def take_turns(s: Session, digest: str) -> None:
    """Hold the lock of the ingests of `digest` until the transaction ends: two runs
    ingesting the same replies take turns (ingest_rows takes it; take it first to lock
    rows before it, in the same order every run does)."""
    db.serialise(s, f"replies:{digest}")


@dataclass
class _Incoming:
    line: int
    received: datetime
    rec: dict[str, str]

    def __post_init__(self) -> None:
        rec = self.rec
        # An e-mail is known by its own source (its Message-ID, else its bytes).
        self.fingerprint = rec.get("source_sha256") or _fingerprint(
            rec["received_at"], rec["sender"], rec["text"], rec.get("provider_id", "")
        )
        # What the decision reads: an e-mail's own text without its signature (the text
        # itself, signature and all, is stored and shown).
        self.answer = rec.get("answer", rec["text"])
        self.parsed = replies.parse(self.answer)
        self.email = rec.get("channel") == "email"
        self.echoed = replies.parse(rec["echo"]) if rec.get("echo") else None
        # STOP and START are SMS words: in an e-mail they are text like any other.
        self.opt = None if self.email else replies.opt_word(self.parsed, rec.get("opt_out"))

    def codes(self) -> Iterator[str]:
        """The codes in the reply's own text, then the echoed ones."""
        for parsed in (self.parsed, self.echoed):
            yield from (c.code for c in parsed.candidates) if parsed else ()


class _Match(NamedTuple):
    """The issued code a reply names, and whether it is echoed (not in its own text)."""

    candidate: replies.Candidate
    issued: BookingCode
    echoed: bool = False


@dataclass
class _Known:
    """What the file's replies refer to, loaded in a few queries instead of per reply,
    and kept up to date as the file's replies are applied."""

    fingerprints: set[str]
    codes: dict[str, BookingCode]
    orders: dict[int, Order]
    waiting_by_sender: dict[str, list[Order]]  # mobile or e-mail address (lower case)
    holders: dict[str, list[Order]]  # mobile -> its orders, for the senders of STOP/START
    newest: dict[int, datetime]  # order id -> received time of its newest applied answer
    last: dict[int, tuple[str, datetime]]  # order id -> its last transition and when
    emails: dict[str, EmailMessage]  # the e-mails bounces return, by Message-ID
    # mobile -> why its queued messages are withdrawn once the replies are applied (its
    # last word here was STOP), all in one query
    opted_out: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, s: Session, ctx: Context, todo: list[_Incoming]) -> _Known:
        fingerprints = inbound.known_fingerprints(s, (i.fingerprint for i in todo))
        issued = codes.issued(s, (code for i in todo for code in i.codes()))
        bounced = (i.rec["bounce_of"] for i in todo if i.rec.get("bounce_of"))
        emails = mail.sent_emails(s, bounced, lock=True)
        orders = orders_by_id(s, [*(b.order_id for b in issued.values()),
                                  *(e.order_id for e in emails.values() if e.order_id)],
                              lock=True)  # fmt: skip
        unnamed = [i for i in todo if not any(code in issued for code in i.codes())]
        senders = {(i.email, k) for i in unnamed if (k := _sender_key(i.rec, ctx.settings.country))}
        waiting = {**awaiting_from(s, {k for email, k in senders if not email}),
                   **awaiting_from_email(s, {k for email, k in senders if email})}  # fmt: skip
        opting = {m for i in todo if i.opt
                  if (m := mobile_number(i.rec["sender"], ctx.settings.country))}  # fmt: skip
        holders = by_mobile(s, opting, lock=True) if opting else {}
        for found in (*waiting.values(), *holders.values()):
            orders.update((key(o), o) for o in found)
        newest = inbound.newest_answers(s, orders, ANSWERED)
        last = history.last_transitions(s, orders)
        return cls(fingerprints, issued, orders, waiting, holders, newest, last, emails)


def _one(s: Session, ctx: Context, known: _Known, incoming: _Incoming) -> dict[str, Any]:
    """What happens to one reply (applied to its order); the reply row as a dict."""
    rec = incoming.rec
    reply: dict[str, Any] = {
        "line_no": incoming.line, "received_at": incoming.received, "sender": rec["sender"],
        "text": rec["text"], "provider_id": rec.get("provider_id") or None,
        "fingerprint": incoming.fingerprint, "code": None, "order_id": None,
        "channel": rec.get("channel", "sms"), "subject": rec.get("subject") or None,
    }  # fmt: skip
    duplicate = incoming.fingerprint in known.fingerprints
    known.fingerprints.add(incoming.fingerprint)  # a second copy later in this file
    match = _match(known, incoming)
    if rec.get("kind", MailKind.REPLY) != MailKind.REPLY and not duplicate:
        return _automatic(s, ctx, known, incoming, reply, match)
    if incoming.opt and not duplicate:
        return _opt(s, ctx, known, incoming, reply, match)
    answer, order, may_confirm = "", None, True
    if duplicate:
        code = CodeState.NONE
    elif match is None:
        code = CodeState.UNKNOWN if incoming.parsed.candidates else CodeState.NONE
        order = _by_sender(known, rec, ctx.settings.country)
    else:
        candidate, issued, echoed = match
        code = CodeState.RETIRED if issued.retired_at is not None else CodeState.LIVE
        order = known.orders[issued.order_id]
        # An echoed code: the answer is the whole own text, and it confirms only from
        # the order's own address (domain.mail).
        answer = incoming.answer.strip() if echoed else candidate.answer
        may_confirm = not echoed or rec.get("address", "").lower() == order.email.lower() != ""
        reply["code"] = candidate.code
    message = replies.Incoming(
        rec["text"], rec["sender"], incoming.received, answer, duplicate, may_confirm
    )
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


def _match(known: _Known, incoming: _Incoming) -> _Match | None:
    """The first issued code in the reply's own text, else the first echoed one."""
    for parsed, echoed in ((incoming.parsed, False), (incoming.echoed, True)):
        for candidate in parsed.candidates if parsed else ():
            if candidate.code in known.codes:
                return _Match(candidate, known.codes[candidate.code], echoed)
    return None


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
    match: _Match | None,
) -> dict[str, Any]:
    """A STOP or START (domain.replies.decide_opt), carried out; the reply row."""
    sender = incoming.rec["sender"]
    mobile = mobile_number(sender, ctx.settings.country)
    found = known.holders.get(mobile or "", [])
    holders = [replies.Holder(key(o), o.status, o.booking_channel, o.no_sms) for o in found]
    named = match.issued.order_id if match else None
    message = replies.Incoming(incoming.rec["text"], sender, incoming.received)
    decision = replies.decide_opt(message, incoming.opt or "", holders, named)
    if mobile and decision.withdraw:
        known.opted_out[mobile] = decision.withdraw
    elif mobile and decision.outcome is ReplyOutcome.OPT_IN:
        known.opted_out.pop(mobile, None)
    for order_id, step in decision.steps:
        _do(s, ctx, known, known.orders[order_id], step, at=incoming.received)
    if match is not None:
        reply["code"] = match.candidate.code
    linked = named if named is not None else (holders[0].id if len(holders) == 1 else None)
    reply.update(order_id=linked, outcome=decision.outcome.value, handled=True)
    return reply


def _automatic(
    s: Session,
    ctx: Context,
    known: _Known,
    incoming: _Incoming,
    reply: dict[str, Any],
    match: _Match | None,
) -> dict[str, Any]:
    """An automatic answer, a bounce or a mail system's notice (domain.mail.kind), carried
    out; the reply row. A bounce marks the e-mail it returns bounced, once."""
    rec = incoming.rec
    if rec["kind"] == MailKind.BOUNCE:
        sent = known.emails.get(rec.get("bounce_of", ""))
        booking = sent.order_id if sent and sent.kind == EmailKind.BOOKING else None
        order = known.orders.get(booking) if booking is not None else None
        decision = replies.decide_bounce(
            sent.state if sent else None, order.status if order else None,
            order.booking_channel if order else None, rec["bounce_reason"],
        )  # fmt: skip
        if sent is not None and sent.state != EmailState.BOUNCED:
            sent.state, sent.bounced_at = EmailState.BOUNCED, incoming.received
            sent.error = rec["bounce_reason"]
            s.add(sent)
        comment_kind = "email_failed"
    else:
        if match is not None:
            order = known.orders[match.issued.order_id]
            reply["code"] = match.candidate.code
        else:
            order = _by_sender(known, rec, ctx.settings.country)
        message = replies.Incoming(rec["text"], rec["sender"], incoming.received)
        decision = replies.decide_auto_reply(message, rec.get("subject", ""), order is not None,
                                             for_person=rec["kind"] == MailKind.NOTICE)  # fmt: skip
        comment_kind = "reply"
    if order is not None:
        reply["order_id"] = order.id
        for step in decision.steps:
            _do(s, ctx, known, order, step, comment_kind, at=incoming.received)
    reply.update(outcome=decision.outcome.value, handled=decision.handled)
    return reply


def _carry_out(
    s: Session, ctx: Context, known: _Known, order: Order, decision: Decision, received: datetime
) -> None:
    """Apply a decision's steps to the order, in order (`received`: the reply's time)."""
    for step in decision.steps:
        _do(s, ctx, known, order, step, at=received)
    if decision.last_word:
        known.newest[key(order)] = received


def _do(
    s: Session,
    ctx: Context,
    known: _Known,
    order: Order,
    step: Step,
    comment_kind: str = "reply",
    at: datetime | None = None,
) -> None:
    """Carry out one step of a decision on the order (`at`: the reply's own time)."""
    moved = workflow.carry_out(s, ctx, order, step, comment_kind=comment_kind, at=at)
    if moved is not None and isinstance(step, Apply):
        known.last[key(order)] = (step.transition, rules.utc(moved))


def _sender_key(rec: dict[str, str], country: str) -> str:
    """Who sent the reply: its mobile number (E.164), or its e-mail address in lower
    case; "" when neither is known."""
    if rec.get("channel") == "email":
        return rec.get("address", "").lower()
    return mobile_number(rec["sender"], country) or ""


def _by_sender(known: _Known, rec: dict[str, str], country: str) -> Order | None:
    """The one order waiting for a reply from the reply's sender (its mobile number, or
    its e-mail address), if exactly one is."""
    waiting = [
        o for o in known.waiting_by_sender.get(_sender_key(rec, country), [])
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
            return _("Reply from {sender} ({file}:{line})").format(
                sender=reply.sender, file=reply.source_file, line=reply.line_no
            )

        return worklist.mark_handled(s, ctx, items, comment, order_of, describe, dry_run)

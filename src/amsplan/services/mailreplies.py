"""Customer replies by e-mail: from files (`replies ingest` of an .eml file, a Maildir
folder or an mbox file) and from an IMAP mailbox (`replies fetch` hands its messages to
`ingest_mails`). Each message is read (adapters.mailin), split into the customer's own
text and the rest (domain.mail), and stored and applied through exactly the rules of
SMS replies (services.replies.ingest_rows)."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from amsplan.adapters import mailin
from amsplan.domain import mail as rules
from amsplan.domain.bookmail import IN_DOUBT
from amsplan.domain.rules import utc
from amsplan.domain.states import EmailKind, EmailState
from amsplan.faults import crash_point
from amsplan.services import bookmail, replies
from amsplan.services.context import Context
from amsplan.store import mail as stored
from amsplan.store.models import EmailMessage

if TYPE_CHECKING:
    from sqlmodel import Session

# The lock every e-mail ingest takes (services.replies.ingest_rows): two runs reading the
# same message (a file and the mailbox, say) take turns, so it is stored once.
_LOCK = "email"
_LINE_ENDS = re.compile(rb"\r\n?")


@dataclass
class MailIngestResult:
    source: str
    new: int = 0
    already_ingested: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    committed: list[str] = field(default_factory=list)  # messages whose reply is stored


def is_mail(path: Path) -> bool:
    """Is the path for `ingest_path`: a folder (a Maildir, else ingest_path says what it
    is not), an .eml file or an mbox file (adapters.mailin.kind)?"""
    path = Path(path)
    return path.is_dir() or mailin.kind(path) is not None


def ingest_path(ctx: Context, path: Path) -> MailIngestResult:
    """Every message of an .eml file, a Maildir folder (new/, cur/) or an mbox file
    (InputError for anything else), as `ingest_mails` does them."""
    path = Path(path)
    return ingest_mails(ctx, path.name, ((n, raw, None) for n, raw in mailin.read(path)))


def ingest_mails(
    ctx: Context,
    source: str,
    mails: Iterable[tuple[str, bytes, datetime | None]],
    on_committed: Callable[[list[str]], None] | None = None,
    chunk: int = 50,
) -> MailIngestResult:
    """Store and apply replies by e-mail: `mails` are (name, raw bytes, the server's
    receipt time or None) from `source` (a file's or a mailbox's name).

    Each message is one reply (channel "email"): its own text is the answer, the code
    comes from it, else its subject, the booking e-mail it answers or its quoted text
    (domain.mail); automatic answers and bounces are stored and never count as an answer.
    A message is known by its Message-ID (else by its bytes, whatever their line ends:
    CRLF over IMAP, LF in a file): read again, from any file or a re-run, it is already
    ingested and never applied twice. It is received at the server's receipt time, else
    its newest Received header's date, else its Date, else now; an older answer never
    overrides a newer one.

    One transaction per `chunk` messages; after each commit `on_committed` gets the names
    of the chunk's messages (all stored now, this time or before): a mailbox may move
    them away. Killed at any point and run again: nothing is lost, nothing applied twice.
    """
    result = MailIngestResult(source)
    for batch in _batches(mails, chunk):
        now = ctx.now()
        parsed = [(name, mailin.parse(raw), raw, at) for name, raw, at in batch]
        with ctx.session() as s:
            # The lock first, then the e-mails the chunk names (locked: the ones it
            # settles, the ones it bounces), then their orders: every run in that order.
            replies.take_turns(s, _LOCK)
            sent = stored.sent_emails(s, (i for _, m, _, _ in parsed for i in _named(m)), lock=True)
            _delivered(s, ctx, [m for _, m, _, _ in parsed], sent)
            rows = [_row(m, raw, at, sent, now) for _, m, raw, at in parsed]
            done = replies.ingest_rows(s, ctx, replies.IngestResult(source), source, _LOCK, rows)
        crash_point("mail:ingested")
        names = [name for name, _, _, _ in parsed]
        if on_committed is not None:
            on_committed(names)
        result.new += done.new
        result.already_ingested += done.already_ingested
        result.outcomes.update(done.outcomes)
        result.committed.extend(names)
    return result


def _batches(
    mails: Iterable[tuple[str, bytes, datetime | None]], size: int
) -> Iterator[list[tuple[str, bytes, datetime | None]]]:
    found = iter(mails)
    while batch := list(islice(found, max(size, 1))):
        yield batch


def _thread(mail: mailin.Mail) -> list[str]:
    """The message ids the mail answers, the one it answers directly first."""
    return [*mail.in_reply_to, *reversed(mail.references)]


def _named(mail: mailin.Mail) -> list[str]:
    """The message ids the mail answers or (a bounce) returns."""
    returned = mail.bounce.message_id if mail.bounce else None
    return [*_thread(mail), returned] if returned else _thread(mail)


def _kind(mail: mailin.Mail) -> rules.MailKind:
    bounce = mail.bounce
    return rules.kind(mail.headers, mail.subject, bounce.action if bounce else None,
                      mail.receipt, mail.sender)  # fmt: skip


def _delivered(
    s: Session, ctx: Context, mails: list[mailin.Mail], sent: dict[str, EmailMessage]
) -> None:
    """A booking e-mail in doubt ("sending" or "unknown": a run died, or the connection
    broke, as the server took it) that a mail answers arrived (domain.mail.shows_delivery):
    it is settled as sent, by "reply", with what that means for its order
    (services.bookmail.settled: it awaits the answer), before the answers are decided."""
    now = ctx.now()
    for mail in mails:
        if not rules.shows_delivery(_kind(mail), mail.bounce is not None):
            continue
        for message in (sent[i] for i in _thread(mail) if i in sent):
            if message.kind != EmailKind.BOOKING or message.state not in IN_DOUBT:
                continue
            message.state, message.sent_at = EmailState.SENT, message.sending_at
            message.settled_at, message.settled_by = now, "reply"
            message.error = "settled as sent: an answer to it came in"
            s.add(message)
            bookmail.settled(s, ctx, message, EmailState.SENT)


def _row(
    mail: mailin.Mail,
    raw: bytes,
    server_time: datetime | None,
    sent: dict[str, EmailMessage],
    now: datetime,
) -> tuple[int, datetime, dict[str, str]]:
    """The message as services.replies.ingest_rows reads it: (line 1, received, record)."""
    received = utc(server_time or mail.received or mail.date or now)
    own, quoted = rules.own_text(mail.text)
    booking = [sent[i] for i in _thread(mail) if i in sent and sent[i].kind == EmailKind.BOOKING]
    thread_code = next((e.booking_code for e in booking if e.booking_code), "")
    bounce = mail.bounce
    kind = _kind(mail)
    # Without a Message-ID, the bytes: with LF line ends, as a Maildir file holds them
    # (IMAP gives the same message with CRLF).
    identity = mail.message_id.encode() if mail.message_id else _LINE_ENDS.sub(b"\n", raw)
    record = {
        "received_at": received.isoformat(), "sender": mail.sender, "address": mail.sender,
        "text": own, "answer": rules.without_signature(own),
        "provider_id": mail.message_id or "", "channel": "email",
        "subject": mail.subject, "echo": "\n".join((mail.subject, thread_code, quoted)),
        "kind": kind.value, "source_sha256": hashlib.sha256(identity).hexdigest(),
        "bounce_of": (bounce.message_id or "") if bounce else "",
        "bounce_reason": bounce.reason if bounce else "",
    }  # fmt: skip
    return 1, received, record

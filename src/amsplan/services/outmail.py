"""Sending e-mail at most once each: record, commit, claim, send, settle.

Every message amsplan sends (a booking letter, a planner's digest) is first recorded in
`email_message` with its Message-ID, state "sending", and committed. Just before each
SMTP conversation the run claims the message in a short transaction: it goes only if it
is still "sending", and the run renews `sending_at` of it and of its other messages not
sent yet (a live run's messages never look left behind, however slow the server). What
the server answered is settled in a short transaction of its own, together with what the
message means for its order (the kind's `Settled` function: a booking moves its order to
awaiting_response only once the server took it):

- the server took it: "sent";
- the server refused it (or could not be reached): "failed" — it did not go;
- the connection broke while the server was taking it: "unknown" — it may have gone;
- the run died between the commit and the settling: the message stays "sending", and
  a later run or `email list` (after domain.bookmail.left_after) makes it "unknown";
- the run stopped on any other error: the messages it had not tried are "failed" (not
  sent), the one in the conversation stays "sending" (its fate is unknown).

An "unknown" message is never sent again blindly: a person looks (the mail server's log,
the customer) and settles it (`amsplan email settle`). One that `settle_left` made
"unknown" while its run was still alive (not yet settled by a person) still takes the
run's answer: sent, refused, or not sent (this run never tried it).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage as Mime
from pathlib import Path

from sqlmodel import Session

from amsplan.adapters.mailout import (
    Attachment,
    Connection,
    NotSent,
    Server,
    Unsure,
    compose,
    new_message_id,
)
from amsplan.domain.bookmail import left_after
from amsplan.domain.cells import email_address
from amsplan.domain.states import EmailKind, EmailState
from amsplan.errors import ConfigError, Unavailable
from amsplan.faults import crash_point
from amsplan.i18n import _
from amsplan.services.context import Context
from amsplan.store import mail as store
from amsplan.store.models import EmailMessage

PASSWORD_ENV = "AMSPLAN_EMAIL_PASSWORD"
# A message of the run that settle_left showed in doubt before the run came to it.
NOT_TRIED = "not sent: it was shown in doubt before its run came to it; the next run sends it"

# What a settled message means beyond its own row (its order, its notices), carried out in
# the settling transaction: (session, context, the message, its new state).
Settled = Callable[[Session, Context, EmailMessage, EmailState], None]


@dataclass(frozen=True)
class Outcome:
    id: int
    state: EmailState
    error: str | None = None


def server(ctx: Context) -> Server:
    """Where messages go, from [email] (the password from the environment)."""
    s = ctx.settings
    if s.email_transport == "folder":
        folder = Path(s.email_folder)
        return Server("folder", folder=folder if folder.is_absolute() else s.base_dir / folder)
    if not s.email_host:
        raise ConfigError(_("[email] host is not set: the mail server to send through"))
    password = os.environ.get(PASSWORD_ENV, "")
    if s.email_user and not password:
        raise ConfigError(
            _(
                "[email] user is set but {variable} is not: the password comes from the environment"
            ).format(variable=PASSWORD_ENV)
        )
    return Server("smtp", s.email_host, s.email_port, s.email_security, s.email_user,
                  password, s.email_timeout)  # fmt: skip


def reachable(ctx: Context) -> None:
    """Log in to the mail server and leave (Unavailable when it cannot be reached or
    refuses the login): a run checks this before it records anything, so a server that
    is down leaves no failed messages behind, run after run."""
    with Connection(server(ctx)):
        pass


def sender(ctx: Context) -> str:
    """The From of every message ([email] from), checked, and [email] reply_to too."""
    value = ctx.settings.email_from.strip()
    if "@" not in value or "\n" in value or "\r" in value or email_address(value)[1]:
        raise ConfigError(
            _('[email] from must be an address, e.g. "Nettselskapet AS <post@nett.no>"')
        )
    reply_to = ctx.settings.email_reply_to.strip()
    if reply_to and ("\n" in reply_to or "\r" in reply_to or email_address(reply_to)[1]):
        raise ConfigError(_('[email] reply_to must be an address, e.g. "svar@nett.no"'))
    return value


def record(
    s: Session,
    ctx: Context,
    kind: EmailKind,
    to: str,
    subject: str,
    order_id: int | None = None,
    booking_code: str | None = None,
) -> EmailMessage:
    """A message about to be sent: "sending", with a new Message-ID, in the caller's
    transaction (commit it before sending)."""
    message = EmailMessage(
        kind=kind, order_id=order_id, booking_code=booking_code, to=to, subject=subject,
        message_id=new_message_id(sender(ctx)), state=EmailState.SENDING,
        created_by=ctx.user, sending_at=ctx.now(),
    )  # fmt: skip
    s.add(message)
    s.flush()
    return message


def mime(
    ctx: Context,
    message: EmailMessage,
    text: str,
    html: str | None,
    attachments: Iterable[Attachment] = (),
    reply_to: str | None = None,
) -> Mime:
    """The recorded message as it is sent: [email] from, its recipient(s), subject and
    Message-ID, the bodies and attachments; Reply-To `reply_to`, by default [email]
    reply_to (the mailbox customers' answers go to: for bookings). Dated now, in the
    configured zone with its offset."""
    return compose(
        sender=sender(ctx), to=[a.strip() for a in message.to.split(",")],
        subject=message.subject, text=text, html=html, message_id=message.message_id,
        date=ctx.now().astimezone(ctx.settings.tz),
        reply_to=ctx.settings.email_reply_to if reply_to is None else reply_to,
        attachments=attachments,
    )  # fmt: skip


def send(
    ctx: Context,
    outgoing: Iterable[tuple[int, Mime]],
    settled: Settled,
    progress: Callable[[int], None] | None = None,
) -> list[Outcome]:
    """Send recorded messages ((email_message id, the message), committed "sending"),
    claiming each just before its conversation and settling it as its answer comes (see
    the module docstring); the outcomes as settled. A server that cannot be reached
    settles the messages not sent yet as failed, then raises Unavailable; any other
    error settles those not tried yet as failed, leaves the one in the conversation as
    it is, and is raised."""
    outgoing = list(outgoing)
    outcomes: list[Outcome] = []
    in_flight: int | None = None  # handed to the server, its answer not settled yet
    try:
        with Connection(server(ctx)) as connection:
            for n, (message_id, mime) in enumerate(outgoing):
                if message_id in _claim(ctx, [i for i, _ in outgoing[n:]]):
                    in_flight = message_id
                    crash_point("email:sending")
                    outcome = _converse(connection, message_id, mime)
                    crash_point("email:sent")
                else:  # settled meanwhile (by a person, or shown in doubt): not sent here
                    outcome = Outcome(message_id, EmailState.FAILED, NOT_TRIED)
                outcomes += _settle(ctx, [outcome], settled)
                in_flight = None
                if progress:
                    progress(len(outcomes))
    except BaseException as err:
        known = isinstance(err, Unavailable | ConfigError)  # before the message at hand went
        # Any other error's words may hold data (a statement's values): only its kind.
        why = str(err) if known else f"the run stopped ({type(err).__name__})"
        done = {o.id for o in outcomes} | ({in_flight} if in_flight and not known else set())
        untried = [Outcome(i, EmailState.FAILED, f"not sent: {why}")
                   for i, _ in outgoing if i not in done]  # fmt: skip
        # If even that fails, they stay "sending" and are shown in doubt later: safe.
        with contextlib.suppress(Exception):
            _settle(ctx, untried, settled)
        raise
    return outcomes


def _claim(ctx: Context, ids: list[int]) -> set[int]:
    """The run's messages (`ids`, the next one first) still "sending", their claim
    renewed (sending_at = now); one short transaction."""
    with ctx.session() as s:
        return store.renew_sending(s, ids, ctx.now())


def _converse(connection: Connection, message_id: int, mime: Mime) -> Outcome:
    try:
        connection.send(mime)
        return Outcome(message_id, EmailState.SENT)
    except NotSent as refused:
        return Outcome(message_id, EmailState.FAILED, refused.reason)
    except Unsure as unsure:
        return Outcome(message_id, EmailState.UNKNOWN, unsure.reason)


def _settle(ctx: Context, outcomes: list[Outcome], settled: Settled) -> list[Outcome]:
    """Record the run's answers (one transaction) and what they mean (`settled`); the
    messages' states as they then are. A message is the run's to settle while it is
    "sending", or "unknown" from settle_left (no person settled it): the run knows better.
    One a person settled keeps that."""
    if not outcomes:
        return []
    with ctx.session() as s:
        rows = {m.id: m for m in store.messages(s, [o.id for o in outcomes], lock=True)}
        return [_answer(s, ctx, rows[o.id], o, settled) for o in outcomes]


def _answer(
    s: Session, ctx: Context, message: EmailMessage, outcome: Outcome, settled: Settled
) -> Outcome:
    shown = message.state is EmailState.UNKNOWN and message.settled_by is None
    if not (message.state is EmailState.SENDING or shown):  # a person settled it: theirs
        return Outcome(message.id or 0, message.state, message.error)
    doubted = shown and outcome.state is EmailState.UNKNOWN  # its order is flagged already
    message.state, message.error = outcome.state, outcome.error
    if outcome.state is EmailState.SENT:
        message.sent_at = ctx.now()
    s.add(message)
    if not doubted:
        settled(s, ctx, message, outcome.state)
    return outcome


def settle_left(ctx: Context, settled: Mapping[EmailKind, Settled]) -> int:
    """Messages (of the kinds in `settled`) a dead run left "sending" longer than
    domain.bookmail.left_after([email] timeout) become "unknown" (for a person); how
    many."""
    before = ctx.now() - left_after(ctx.settings.email_timeout)
    with ctx.session() as s:
        left = store.left_sending(s, before, settled.keys())
        for message in left:
            message.state = EmailState.UNKNOWN
            message.error = "a run stopped while sending it: it may or may not have gone"
            s.add(message)
            settled[message.kind](s, ctx, message, EmailState.UNKNOWN)
    return len(left)

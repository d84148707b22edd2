"""Sending e-mail at most once each: record, commit, send, settle.

Every message amsplan sends (a booking letter, a planner's digest) is first recorded in
`email_message` with its Message-ID, state "sending", and committed; only then does the
SMTP conversation start. What the server answered is settled in a short transaction of
its own, together with what the message means for its order (the kind's `Settled`
function: a booking moves its order to awaiting_response only once the server took it):

- the server took it: "sent";
- the server refused it (or could not be reached): "failed" — it did not go;
- the connection broke while the server was taking it: "unknown" — it may have gone;
- the run died between the commit and the settling: the message stays "sending", and
  the next run (after LEFT_AFTER) makes it "unknown".

An "unknown" message is never sent again blindly: a person looks (the mail server's log,
the customer) and settles it (`amsplan email settle`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage as Mime
from pathlib import Path

from sqlmodel import Session

from amsplan import clock
from amsplan.adapters.mailout import (
    Attachment,
    Connection,
    NotSent,
    Server,
    Unsure,
    compose,
    new_message_id,
)
from amsplan.domain.states import EmailKind, EmailState
from amsplan.errors import ConfigError, Unavailable
from amsplan.faults import crash_point
from amsplan.services.context import Context
from amsplan.store import mail as store
from amsplan.store.models import EmailMessage

# A message "sending" for longer than this was left by a run that died (one SMTP
# conversation takes at most a few times [email] timeout).
LEFT_AFTER = timedelta(minutes=15)
PASSWORD_ENV = "AMSPLAN_EMAIL_PASSWORD"

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
        raise ConfigError("[email] host is not set: the mail server to send through")
    password = os.environ.get(PASSWORD_ENV, "")
    if s.email_user and not password:
        raise ConfigError(f"[email] user is set but {PASSWORD_ENV} is not: the password"
                          " comes from the environment")  # fmt: skip
    return Server("smtp", s.email_host, s.email_port, s.email_security, s.email_user,
                  password, s.email_timeout)  # fmt: skip


def sender(ctx: Context) -> str:
    """The From of every message ([email] from), checked."""
    value = ctx.settings.email_from.strip()
    if "@" not in value or "\n" in value or "\r" in value:
        raise ConfigError('[email] from must be an address, e.g. "Nettselskapet AS <post@nett.no>"')
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
) -> Mime:
    """The recorded message as it is sent: [email] from and reply_to, its recipient(s),
    subject and Message-ID, the bodies and attachments."""
    return compose(
        sender=sender(ctx), to=[a.strip() for a in message.to.split(",")],
        subject=message.subject, text=text, html=html, message_id=message.message_id,
        date=clock.to_local(ctx.now(), ctx.settings.tz), reply_to=ctx.settings.email_reply_to,
        attachments=attachments,
    )  # fmt: skip


def send(
    ctx: Context,
    outgoing: Iterable[tuple[int, Mime]],
    settled: Settled,
    progress: Callable[[int], None] | None = None,
) -> list[Outcome]:
    """Send recorded messages ((email_message id, the message), committed "sending"),
    settling each as its answer comes. A server that cannot be reached settles the
    messages not sent yet as failed, then raises Unavailable."""
    outgoing = list(outgoing)
    outcomes: list[Outcome] = []
    try:
        with Connection(server(ctx)) as connection:
            for message_id, mime in outgoing:
                crash_point("email:sending")
                try:
                    connection.send(mime)
                    outcome = Outcome(message_id, EmailState.SENT)
                except NotSent as refused:
                    outcome = Outcome(message_id, EmailState.FAILED, refused.reason)
                except Unsure as unsure:
                    outcome = Outcome(message_id, EmailState.UNKNOWN, unsure.reason)
                crash_point("email:sent")
                _settle(ctx, outcome, settled)
                outcomes.append(outcome)
                if progress:
                    progress(len(outcomes))
    except (Unavailable, ConfigError) as err:
        done = {o.id for o in outcomes}
        for message_id, _ in outgoing:
            if message_id not in done:
                outcome = Outcome(message_id, EmailState.FAILED, f"not sent: {err}")
                _settle(ctx, outcome, settled)
        raise
    return outcomes


def _settle(ctx: Context, outcome: Outcome, settled: Settled) -> None:
    with ctx.session() as s:
        (message,) = store.messages(s, [outcome.id], lock=True)
        if message.state is not EmailState.SENDING:  # a later run settled it meanwhile
            return
        message.state, message.error = outcome.state, outcome.error
        if outcome.state is EmailState.SENT:
            message.sent_at = ctx.now()
        s.add(message)
        settled(s, ctx, message, outcome.state)


def settle_left(ctx: Context, settled: Mapping[EmailKind, Settled]) -> int:
    """Messages (of the kinds in `settled`) a dead run left "sending" become "unknown"
    (for a person); how many."""
    with ctx.session() as s:
        left = store.left_sending(s, ctx.now() - LEFT_AFTER, settled.keys())
        for message in left:
            message.state = EmailState.UNKNOWN
            message.error = "a run stopped while sending it: it may or may not have gone"
            s.add(message)
            settled[message.kind](s, ctx, message, EmailState.UNKNOWN)
    return len(left)

"""The e-mail amsplan sends (`amsplan email list|settle|test`): the messages and their
states, a person settling a message in doubt, and a test message for the settings.

A message is "unknown" when amsplan cannot know whether it went (the connection broke
while the server was taking it, or a run died mid-send: services.outmail). It is never
sent again blindly; a person looks (the mail server's log, the customer) and settles
it: --sent, as if the server had taken it now (a booking e-mail's order then awaits the
answer), or --not-sent, as if the server had refused it (a booking e-mail's order may
then be e-mailed or printed again). What that means beyond the row is the kind's own
function (SETTLED), in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from amsplan import clock
from amsplan.domain.cells import email_address
from amsplan.domain.states import EmailKind, EmailState
from amsplan.errors import InputError, NotFound
from amsplan.i18n import _
from amsplan.services import bookmail, notify, outmail
from amsplan.services.context import Context
from amsplan.store import mail
from amsplan.store.models import EmailMessage

# What a message's new state means beyond its row, by kind (services.outmail.Settled).
SETTLED: dict[EmailKind, outmail.Settled] = {
    EmailKind.BOOKING: bookmail.settled,
    EmailKind.DIGEST: notify.settled,
}
LIMIT = 1000
TEST_SUBJECT = "amsplan: testmelding"


def messages(
    ctx: Context, state: str | None = None, kind: str | None = None
) -> list[tuple[EmailMessage, str | None]]:
    """The newest messages (in `state`, of `kind`) with their orders' numbers, newest
    first. Messages a dead run left "sending" are made "unknown" first, so that the list
    shows what a person must settle."""
    outmail.settle_left(ctx, SETTLED)
    with ctx.session(readonly=True) as s:
        return mail.listing(s, EmailState(state) if state else None,
                            EmailKind(kind) if kind else None, LIMIT)  # fmt: skip


def settle(ctx: Context, ids: list[int], sent: bool, comment: str = "") -> list[EmailMessage]:
    """A person settles messages in doubt ("unknown"): `sent` as if the server took them
    now, else as not sent (failed). All or nothing: every message must be unknown."""
    if not ids:
        raise InputError(_("name the messages to settle (their ids in `amsplan email list`)"))
    outmail.settle_left(ctx, SETTLED)
    how = "sent" if sent else "not sent"
    with ctx.session() as s:
        found = mail.messages(s, ids, lock=True)
        missing = sorted(set(ids) - {m.id for m in found})
        if missing:
            raise NotFound(
                _("no such e-mail message: {ids}").format(ids=", ".join(map(str, missing)))
            )
        problems = [
            _("{id}: is {state}; only a message in doubt (unknown) is settled").format(
                id=m.id, state=m.state
            )
            for m in found
            if m.state is not EmailState.UNKNOWN
        ]
        if problems:
            raise InputError(_("nothing was settled"), problems)
        now = ctx.now()
        for message in found:
            message.state = EmailState.SENT if sent else EmailState.FAILED
            message.settled_at, message.settled_by = now, ctx.user
            message.sent_at = now if sent else None
            message.error = f"settled by {ctx.user} as {how}" + (f": {comment}" if comment else "")
            s.add(message)
            if settled := SETTLED.get(message.kind):
                settled(s, ctx, message, message.state)
    return found


@dataclass
class ServerAnswer:
    id: int
    to: str
    server: str
    state: EmailState
    answer: str


def test(ctx: Context, to: str) -> ServerAnswer:
    """Send one short message to `to` through the [email] settings and say what the
    server answered (recorded like every message; kind digest: it is for a person). The
    address as an order's (domain.cells.email_address): a domain outside ASCII goes in
    its IDNA form, letters outside ASCII before the @ only through a server with
    SMTPUTF8 (else it refuses the message, "553 5.6.7")."""
    to, problem = email_address(to)
    if problem or not to:
        raise InputError(
            _("--to: {problem}; give one e-mail address, e.g. it@nett.no").format(
                problem=problem or _("no address")
            )
        )
    server = outmail.server(ctx)
    when = clock.to_local(ctx.now(), ctx.settings.tz)
    text = (
        f"Dette er en testmelding fra amsplan, sendt {when:%d.%m.%Y %H:%M} av {ctx.user} "
        f"gjennom {server.where}.\nKommer den fram, er e-postinnstillingene ([email]) i orden.\n"
    )
    with ctx.session() as s:
        message = outmail.record(s, ctx, EmailKind.DIGEST, to, TEST_SUBJECT)
        mime = outmail.mime(ctx, message, text, None, reply_to="")
    (outcome,) = outmail.send(ctx, [(message.id or 0, mime)], _settled)
    answers = {
        EmailState.SENT: _("the server took it"),
        EmailState.FAILED: _("the server refused it: {error}").format(error=outcome.error),
        EmailState.UNKNOWN: _("no answer: {error}").format(error=outcome.error),
    }
    return ServerAnswer(outcome.id, to, server.where, outcome.state, answers[outcome.state])


def _settled(s, ctx: Context, message: EmailMessage, state: EmailState) -> None:
    """The kind's own function, if it has one (SETTLED)."""
    if settled := SETTLED.get(message.kind):
        settled(s, ctx, message, state)

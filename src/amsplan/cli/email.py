"""amsplan email list|settle|test."""

from __future__ import annotations

from typing import Annotated

import typer

from amsplan.cli.output import console, context, local_when, print_json, styled, table
from amsplan.cli.params import Json, choice
from amsplan.domain.states import EmailKind, EmailState
from amsplan.i18n import _, ngettext, pgettext

email_app = typer.Typer(
    help="E-mail amsplan sends: list, settle messages in doubt, test the settings.",
    no_args_is_help=True,
)

State = Annotated[
    str | None,
    choice("--state", EmailState, "sending, sent, failed, unknown or bounced.", convert=EmailState),
]
Kind = Annotated[str | None, choice("--kind", EmailKind, "booking or digest.", convert=EmailKind)]


@email_app.command("list")
def list_(
    ctx: typer.Context, state: State = None, kind: Kind = None, as_json: Json = False
) -> None:
    """List the e-mail amsplan sent (the newest 1000), newest first.

    "unknown": amsplan cannot know whether the message went (the connection broke, or a
    run stopped while sending): look in the mail server's log or ask the customer, then
    `amsplan email settle ID --sent` or `--not-sent`.

    Examples: amsplan email list --state unknown
              amsplan email list --state failed --kind booking
    """
    from amsplan.cli.records import record
    from amsplan.services import emails

    c = context(ctx)
    items = emails.messages(c, state, kind)
    states, kinds = email_states(), email_kinds()
    if as_json:
        print_json([record(m, order_no=n, state_label=states[m.state]) for m, n in items])
        return
    out = table(
        _("id"),
        _("kind"),
        _("order"),
        _("to"),
        _("state"),
        _("sending"),
        pgettext("email", "sent"),
        _("answer"),
        _("subject"),
    )
    colours = {EmailState.SENT: "green", EmailState.FAILED: "red", EmailState.UNKNOWN: "red",
               EmailState.BOUNCED: "red", EmailState.SENDING: "yellow"}  # fmt: skip
    for m, order_no in items:
        out.add_row(str(m.id), kinds[m.kind], order_no or "", m.to,
                    styled(states[m.state], colours[m.state]),
                    local_when(m.sending_at, c.settings), local_when(m.sent_at, c.settings),
                    m.error or "", m.subject)  # fmt: skip
    console.print(out)
    n = len(items)
    console.print(ngettext("{n} message", "{n} messages", n).format(n=n))


def email_states() -> dict[str, str]:
    """Each EmailState in the planner's language."""
    return {
        "sending": pgettext("email", "sending"),
        "sent": pgettext("email", "sent"),
        "failed": pgettext("email", "failed"),
        "unknown": pgettext("email", "unknown"),
        "bounced": pgettext("email", "bounced"),
    }


def email_kinds() -> dict[str, str]:
    """Each EmailKind in the planner's language."""
    return {"booking": pgettext("email", "booking"), "digest": pgettext("email", "digest")}


@email_app.command("settle")
def settle(
    ctx: typer.Context,
    ids: Annotated[list[int], typer.Argument(help="Messages in doubt (ids in `email list`).")],
    sent: Annotated[
        bool | None,
        typer.Option("--sent/--not-sent", help="It went (the customer has it), or it did not."),
    ] = None,
    comment: Annotated[str, typer.Option("--comment", help="How you know (kept).")] = "",
    as_json: Json = False,
) -> None:
    """Settle messages in doubt (unknown): --sent when the mail server's log or the
    customer shows it went (a booking's order then awaits the answer), --not-sent when it
    did not (the order may be e-mailed or printed again).

    Example: amsplan email settle 17 --not-sent --comment "not in the server's log"
    """
    from amsplan.errors import InputError
    from amsplan.services import emails

    if sent is None:
        raise InputError(_("say whether it went: --sent or --not-sent"))
    from amsplan.cli.records import record

    settled = emails.settle(context(ctx), ids, sent, comment)
    if as_json:
        states = email_states()
        print_json([record(m, state_label=states[m.state]) for m in settled])
        return
    n = len(settled)
    if sent:
        said = ngettext("{n} message settled as sent", "{n} messages settled as sent", n)
    else:
        said = ngettext("{n} message settled as not sent", "{n} messages settled as not sent", n)
    console.print(said.format(n=n))


@email_app.command("test")
def test(
    ctx: typer.Context,
    to: Annotated[str, typer.Option("--to", help="Your own address.")],
    as_json: Json = False,
) -> None:
    """Send one test message through the \\[email] settings and show what the mail
    server answered (exit code 1 when it refused it, 8 when it cannot be reached).

    Example: AMSPLAN_EMAIL_PASSWORD=... amsplan email test --to it@nett.no
    """
    from amsplan.services import emails

    answer = emails.test(context(ctx), to)
    if as_json:
        print_json(answer)
    else:
        console.print(
            _("Test message {id} to {to} through {server}: {state}, {answer}").format(
                id=answer.id,
                to=answer.to,
                server=answer.server,
                state=email_states()[answer.state],
                answer=answer.answer,
            )
        )
    if answer.state is not EmailState.SENT:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(email_app, name="email")

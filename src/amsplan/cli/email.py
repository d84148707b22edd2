"""amsplan email list|settle|test."""

from __future__ import annotations

from typing import Annotated

import typer

from amsplan.cli.output import console, context, count, local_when, print_json, styled, table
from amsplan.cli.params import Json, choice
from amsplan.domain.states import EmailKind, EmailState

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
    from amsplan.services import emails

    c = context(ctx)
    items = emails.messages(c, state, kind)
    if as_json:
        print_json([{**m.model_dump(), "order_no": n} for m, n in items])
        return
    out = table("id", "kind", "order", "to", "state", "sending", "sent", "answer", "subject")
    colours = {EmailState.SENT: "green", EmailState.FAILED: "red", EmailState.UNKNOWN: "red",
               EmailState.BOUNCED: "red", EmailState.SENDING: "yellow"}  # fmt: skip
    for m, order_no in items:
        out.add_row(str(m.id), m.kind, order_no or "", m.to, styled(m.state, colours[m.state]),
                    local_when(m.sending_at, c.settings), local_when(m.sent_at, c.settings),
                    m.error or "", m.subject)  # fmt: skip
    console.print(out)
    console.print(count(len(items), "message", "messages"))


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
        raise InputError("say whether it went: --sent or --not-sent")
    settled = emails.settle(context(ctx), ids, sent, comment)
    if as_json:
        print_json([m.model_dump() for m in settled])
        return
    how = "sent" if sent else "not sent"
    console.print(count(len(settled), "message", "messages") + f" settled as {how}")


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
        console.print(f"Test message {answer.id} to {answer.to} through {answer.server}: "
                      f"{answer.state}, {answer.answer}")  # fmt: skip
    if answer.state is not EmailState.SENT:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(email_app, name="email")

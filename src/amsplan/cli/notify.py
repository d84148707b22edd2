"""amsplan notify run | rules: digests of changes to planners ([notify])."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from amsplan.cli.output import console, context, err_console, print_json, table
from amsplan.cli.params import Json
from amsplan.i18n import _, ngettext

notify_app = typer.Typer(
    help="E-mail digests of changes to planners (\\[notify] rules; cron).", no_args_is_help=True
)


@notify_app.command("run")
def run(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the digests; record and send nothing.")
    ] = False,
    as_json: Json = False,
) -> None:
    """Send each recipient of the \\[notify] rules one digest of what changed.

    Each change goes once to each recipient, also when runs overlap; nothing is sent
    when nothing changed. A change older than \\[notify] horizon_hours (72) when first
    seen is not sent.

    Quiet on success when not on a terminal (cron mails only problems). Exit code 1 when
    a digest was refused or may not have gone (`amsplan email list`), 8 when the mail
    server cannot be reached (the changes go in the next run).

    Examples: amsplan notify run --dry-run
              */15 7-17 * * 1-5 cd /srv/amsplan && /opt/amsplan/bin/amsplan notify run
    """
    from amsplan.services.notify import run as run_notify

    c = context(ctx)
    result = run_notify(c, dry_run)
    if as_json:
        print_json(result)
    elif dry_run:
        for digest in result.digests:
            console.print(_("To: {to}").format(to=digest.recipient))
            console.print(_("Subject: {subject}").format(subject=digest.subject) + "\n")
            console.print(digest.text, soft_wrap=True)  # as the recipient will see it
        n = len(result.digests)
        console.print(
            ngettext("{n} digest would be sent", "{n} digests would be sent", n).format(n=n)
        )
    elif sys.stdout.isatty():
        from amsplan.cli.email import email_states

        states = email_states()
        out = table(_("to"), _("changes"), _("state"), _("detail"))
        for d in result.digests:
            out.add_row(
                d.recipient, str(d.changes), states.get(str(d.state), str(d.state)), d.error or ""
            )
        console.print(out)
        n = len(result.digests)
        if n:
            console.print(ngettext("{n} digest sent", "{n} digests sent", n).format(n=n))
        else:
            console.print(_("0 digests sent: nothing changed"))
    if not result.rules and not as_json:
        err_console.print(_("notify run: no [[notify.rule]] in the configuration: nothing to do"))
    for missing in result.unaddressed:
        orders = ", ".join(missing.orders[:20]) + (" ..." if len(missing.orders) > 20 else "")
        n = len(missing.orders)
        if missing.owner:
            said = ngettext(
                "notify run: owner {owner} has no address in [notify.users]: not told of"
                " {n} order: {orders}",
                "notify run: owner {owner} has no address in [notify.users]: not told of"
                " {n} orders: {orders}",
                n,
            )
        else:
            said = ngettext(
                "notify run: no owner: not told of {n} order: {orders}",
                "notify run: no owner: not told of {n} orders: {orders}",
                n,
            )
        err_console.print(said.format(owner=repr(missing.owner), n=n, orders=orders))
    if result.left:
        n = result.left
        err_console.print(
            ngettext(
                "notify run: {n} digest left sending by a run that stopped: in doubt"
                " (amsplan email list)",
                "notify run: {n} digests left sending by a run that stopped: in doubt"
                " (amsplan email list)",
                n,
            ).format(n=n)
        )
    if result.failed:
        from amsplan.cli.email import email_states

        states = email_states()
        for d in result.failed:
            err_console.print(
                _("notify run: the digest to {to} {state}: {error}").format(
                    to=d.recipient, state=states.get(str(d.state), str(d.state)), error=d.error
                )
            )
        raise typer.Exit(1)


@notify_app.command("rules")
def rules(ctx: typer.Context, as_json: Json = False) -> None:
    """Show the \\[notify] rules as amsplan understands them.

    What each rule is about, and who gets it: user names and "team" resolved to
    addresses; "owner": each order's owner through \\[notify.users].

    Example: amsplan notify rules
    """
    from amsplan.domain.followups import FollowupKind
    from amsplan.domain.notify import FOLLOWUP, OWNER
    from amsplan.domain.transitions import TRANSITIONS
    from amsplan.services.notify import rules as understood

    c = context(ctx)
    found = understood(c)
    if as_json:
        print_json({
            "horizon_hours": c.settings.notify_horizon_hours,
            "users": [{"name": n, "address": a} for n, a in sorted(found.users.items())],
            "rules": [{"number": r.number, "when": list(r.when),
                       "to": [{"name": n, "address": a} for n, a in r.to]} for r in found.rules],
        })  # fmt: skip
        return
    if not found.rules:
        console.print(_("No [[notify.rule]] in the configuration: `notify run` sends nothing."))
        return
    out = table("#", _("when"), _("recipients"))
    for rule in found.rules:
        when = "\n".join(
            f"{e} ({FollowupKind(e.removeprefix(FOLLOWUP)).text})" if e.startswith(FOLLOWUP)
            else f"{e} ({TRANSITIONS[e].label})"
            for e in rule.when
        )  # fmt: skip
        to = "\n".join(n if n in (OWNER, a) else f"{n} → {a}" for n, a in rule.to)
        out.add_row(str(rule.number), when, to)
    console.print(out)
    owners = ", ".join(f"{n} → {a}" for n, a in sorted(found.users.items())) or _("none")
    console.print(_("owner: each order's owner, by [notify.users]: {owners}").format(owners=owners))
    console.print(
        _(
            "Changes older than {hours} hours when first seen are not sent"
            " ([notify] horizon_hours)."
        ).format(hours=f"{c.settings.notify_horizon_hours:g}")
    )


def register(app: typer.Typer) -> None:
    app.add_typer(notify_app, name="notify")

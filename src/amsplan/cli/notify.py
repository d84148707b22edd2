"""amsplan notify run | rules: digests of changes to planners ([notify])."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from amsplan.cli.output import console, context, count, err_console, print_json, table
from amsplan.cli.params import Json

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
            console.print(f"To: {digest.recipient}\nSubject: {digest.subject}\n")
            console.print(digest.text, soft_wrap=True)  # as the recipient will see it
        console.print(count(len(result.digests), "digest", "digests") + " would be sent")
    elif sys.stdout.isatty():
        out = table("to", "changes", "state", "detail")
        for d in result.digests:
            out.add_row(d.recipient, str(d.changes), str(d.state), d.error or "")
        console.print(out)
        console.print(count(len(result.digests), "digest", "digests") + " sent"
                      + ("" if result.digests else ": nothing changed"))  # fmt: skip
    if not result.rules and not as_json:
        err_console.print("notify run: no [[notify.rule]] in the configuration: nothing to do")
    for missing in result.unaddressed:
        orders = ", ".join(missing.orders[:20]) + (" ..." if len(missing.orders) > 20 else "")
        who = f"owner {missing.owner!r} has no address in [notify.users]" if missing.owner \
            else "no owner"  # fmt: skip
        told = count(len(missing.orders), "order", "orders")
        err_console.print(f"notify run: {who}: not told of {told}: {orders}")
    if result.left:
        err_console.print(f"notify run: {count(result.left, 'digest', 'digests')} left sending"
                          " by a run that stopped: in doubt (amsplan email list)")  # fmt: skip
    if result.failed:
        for d in result.failed:
            err_console.print(f"notify run: the digest to {d.recipient} {d.state}: {d.error}")
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
            "users": dict(found.users),
            "rules": [{"number": r.number, "when": list(r.when),
                       "to": [{"name": n, "address": a} for n, a in r.to]} for r in found.rules],
        })  # fmt: skip
        return
    if not found.rules:
        console.print("No [[notify.rule]] in the configuration: `notify run` sends nothing.")
        return
    out = table("#", "when", "recipients")
    for rule in found.rules:
        when = "\n".join(
            f"{e} ({FollowupKind(e.removeprefix(FOLLOWUP)).text})" if e.startswith(FOLLOWUP)
            else f"{e} ({TRANSITIONS[e].label})"
            for e in rule.when
        )  # fmt: skip
        to = "\n".join(n if n in (OWNER, a) else f"{n} → {a}" for n, a in rule.to)
        out.add_row(str(rule.number), when, to)
    console.print(out)
    owners = ", ".join(f"{n} → {a}" for n, a in sorted(found.users.items())) or "none"
    console.print(f"owner: each order's owner, by [notify.users]: {owners}")
    console.print(f"Changes older than {c.settings.notify_horizon_hours:g} hours when first"
                  " seen are not sent ([notify] horizon_hours).")  # fmt: skip


def register(app: typer.Typer) -> None:
    app.add_typer(notify_app, name="notify")

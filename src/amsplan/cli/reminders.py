"""amsplan reminders run."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from amsplan.cli.batch import set_clock
from amsplan.cli.output import console, context, count, print_json, table
from amsplan.cli.params import Json, Now

reminders_app = typer.Typer(help="Booking and appointment reminders (cron).", no_args_is_help=True)


@reminders_app.command("run")
def run(
    ctx: typer.Context,
    now: Now = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be done; change nothing.")
    ] = False,
    as_json: Json = False,
) -> None:
    """Send due reminders: no answer in time -> reminder SMS + manual follow-up; the day
    before a confirmed appointment -> reminder SMS. Each exactly once; safe from cron.

    Quiet on success when not on a terminal (cron mails only failures).

    Examples: amsplan reminders run
              amsplan reminders run --dry-run --now 2026-04-21T08:00
    """
    from amsplan.services.reminders import run as run_reminders

    c = context(ctx)
    set_clock(c, now)
    result = run_reminders(c, dry_run)
    if as_json:
        print_json(result)
        return
    if not sys.stdout.isatty() and not dry_run:
        return
    title = "Would do" if dry_run else "Done"
    out = table("reminder", "order", "SMS", "detail", title=title)
    for a in result.actions:
        out.add_row(a.kind, a.order_no, "yes" if a.sms else "no", a.detail)
    for a in result.skipped:
        out.add_row(a.kind, a.order_no, "no", a.detail)
    console.print(out)
    verb = "would be" if dry_run else "was" if len(result.actions) == 1 else "were"
    console.print(count(len(result.actions), "reminder", "reminders") + f" {verb} handled")


def register(app: typer.Typer) -> None:
    app.add_typer(reminders_app, name="reminders")

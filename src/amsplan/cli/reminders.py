"""amsplan reminders run."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from amsplan.cli.batch import set_clock
from amsplan.cli.output import console, context, print_json, table
from amsplan.cli.params import Json, Now
from amsplan.i18n import _, ngettext, pgettext

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
    title = _("Would do") if dry_run else _("Done")
    out = table(_("reminder"), _("order"), _("SMS"), _("detail"), title=title)
    kinds = {
        "booking_reminder": _("no answer (booking reminder)"),
        "appointment_reminder": _("appointment tomorrow"),
    }
    yes, no = pgettext("answer", "yes"), _("no")
    for a in result.actions:
        out.add_row(kinds.get(a.kind, a.kind), a.order_no, yes if a.sms else no, a.detail)
    for a in result.skipped:
        out.add_row(kinds.get(a.kind, a.kind), a.order_no, no, a.detail)
    console.print(out)
    n = len(result.actions)
    if dry_run:
        said = ngettext("{n} reminder would be handled", "{n} reminders would be handled", n)
    else:
        said = ngettext("{n} reminder was handled", "{n} reminders were handled", n)
    console.print(said.format(n=n))


def register(app: typer.Typer) -> None:
    app.add_typer(reminders_app, name="reminders")

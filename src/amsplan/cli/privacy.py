"""amsplan privacy purge."""

from __future__ import annotations

from typing import Annotated

import typer

from amsplan.cli.batch import ask_first
from amsplan.cli.output import console, context, print_json
from amsplan.cli.params import CountOnly, Json, Yes
from amsplan.i18n import _, ngettext

privacy_app = typer.Typer(help="Personal data.", no_args_is_help=True)


@privacy_app.command("purge")
def purge(
    ctx: typer.Context,
    closed_before: Annotated[
        str,
        typer.Option(
            "--closed-before", help="Orders closed before this day (2025-01-01 or 01.01.2025)."
        ),
    ],
    dry_run: CountOnly = False,
    yes: Yes = False,
    as_json: Json = False,
) -> None:
    """Anonymise name, address, phone, e-mail and reply texts of orders closed before a date.

    Statistics (statuses, resolutions, dates, postcodes, history structure) are kept.
    Shows the count and asks before it changes anything (--yes for scripts).

    Example: amsplan privacy purge --closed-before 2025-01-01 --dry-run
    """
    from amsplan import clock
    from amsplan.services.privacy import purge as run

    c = context(ctx)
    day = clock.parse_date(closed_before, "--closed-before")
    counted = run(c, day, dry_run=True)
    if counted.orders:
        ask_first(
            ngettext(
                "Anonymise {n} order closed before {day}?",
                "Anonymise {n} orders closed before {day}?",
                counted.orders,
            ).format(n=counted.orders, day=f"{day:%d.%m.%Y}"),
            dry_run,
            yes,
        )
    result = counted if dry_run or not counted.orders else run(c, day)
    if as_json:
        print_json(result)
        return
    n, shown = result.orders, f"{day:%d.%m.%Y}"
    if dry_run:
        said = ngettext(
            "{n} order closed before {day} would be anonymised",
            "{n} orders closed before {day} would be anonymised",
            n,
        )
    else:
        said = ngettext(
            "{n} order closed before {day} was anonymised",
            "{n} orders closed before {day} were anonymised",
            n,
        )
    texts = _("({replies} replies, {messages} SMS, {emails} e-mails)").format(
        replies=result.replies, messages=result.messages, emails=result.emails
    )
    console.print(f"{said.format(n=n, day=shown)} {texts}")
    if result.files:
        files = len(result.files)
        if dry_run:
            said = ngettext(
                "{n} file with their data would be removed:",
                "{n} files with their data would be removed:",
                files,
            )
        else:
            said = ngettext(
                "{n} file with their data was removed:",
                "{n} files with their data were removed:",
                files,
            )
        console.print(said.format(n=files))
        for path in result.files:
            console.print(f"  {path}")


def register(app: typer.Typer) -> None:
    app.add_typer(privacy_app, name="privacy")

"""amsplan privacy purge."""

from __future__ import annotations

from typing import Annotated

import typer

from amsplan.cli.batch import ask_first
from amsplan.cli.output import console, context, print_json
from amsplan.cli.params import CountOnly, Json, Yes

privacy_app = typer.Typer(help="Personal data.", no_args_is_help=True)


@privacy_app.command("purge")
def purge(
    ctx: typer.Context,
    closed_before: Annotated[
        str, typer.Option("--closed-before", help="Orders closed before this day.")
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
        ask_first(f"Anonymise {counted.orders} orders closed before {day:%d.%m.%Y}?", dry_run, yes)
    result = counted if dry_run or not counted.orders else run(c, day)
    if as_json:
        print_json(result)
        return
    verb = "would be" if dry_run else "were"
    console.print(
        f"{result.orders} orders closed before {day:%d.%m.%Y} {verb} anonymised "
        f"({result.replies} replies, {result.messages} SMS, {result.emails} e-mails)"
    )
    if result.files:
        console.print(f"{len(result.files)} files with their data {verb} removed:")
        for path in result.files:
            console.print(f"  {path}")


def register(app: typer.Typer) -> None:
    app.add_typer(privacy_app, name="privacy")

"""amsplan privacy purge."""

from __future__ import annotations

from typing import Annotated

import typer

from amsplan.cli.output import console, context, print_json

privacy_app = typer.Typer(help="Personal data.", no_args_is_help=True)


@privacy_app.command("purge")
def purge(
    ctx: typer.Context,
    closed_before: Annotated[
        str, typer.Option("--closed-before", help="Orders closed before this day.")
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count.")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
    """Anonymise name, address, phone and reply texts of orders closed before a date.

    Statistics (statuses, resolutions, dates, postcodes, history structure) are kept.
    Shows the count and asks before it changes anything (--yes for scripts).

    Example: amsplan privacy purge --closed-before 2025-01-01 --dry-run
    """
    from amsplan import clock
    from amsplan.services.privacy import purge as run

    c = context(ctx)
    day = clock.parse_date(closed_before, "--closed-before")
    counted = run(c, day, dry_run=True)
    if not dry_run and counted.orders and not yes:
        typer.confirm(
            f"Anonymise {counted.orders} orders closed before {day:%d.%m.%Y}?", abort=True
        )
    result = counted if dry_run or not counted.orders else run(c, day)
    if as_json:
        print_json(result)
        return
    verb = "would be" if dry_run else "were"
    console.print(
        f"{result.orders} orders closed before {day:%d.%m.%Y} {verb} anonymised "
        f"({result.replies} replies, {result.messages} SMS)"
    )
    if result.files:
        console.print(f"{len(result.files)} files with their data {verb} removed:")
        for path in result.files:
            console.print(f"  {path}")


def register(app: typer.Typer) -> None:
    app.add_typer(privacy_app, name="privacy")

"""amsplan export mobile|validation."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from amsplan.cli.batch import selection
from amsplan.cli.output import console, context
from amsplan.cli.params import Filter, Format, Tech

export_app = typer.Typer(help="Exports to the field and upstream.", no_args_is_help=True)

OutFile = Annotated[Path, typer.Argument(help="File to write (.csv, .json or .xlsx).")]


@export_app.command("mobile")
def export_mobile(
    ctx: typer.Context,
    file: OutFile,
    tech: Tech = None,
    start: Annotated[str | None, typer.Option("--from", help="First day.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day.")] = None,
    fmt: Format = None,
    filter_name: Filter = None,
) -> None:
    """Write the orders ready for execution for the technicians' mobile system.

    Example: amsplan export mobile mobil.json --tech T01 --from 2026-04-22 --to 2026-04-24
    """
    from amsplan import clock
    from amsplan.adapters.writers import format_for
    from amsplan.services.exports import export_mobile as run

    result = run(
        context(ctx), file, tech,
        clock.parse_date(start, "--from") if start else None,
        clock.parse_date(end, "--to") if end else None,
        format_for(file, fmt),
        selection(ctx, None, filter_name),
    )  # fmt: skip
    console.print(f"{result.count} orders in {file}", markup=False)


@export_app.command("validation")
def export_validation(ctx: typer.Context, file: OutFile, fmt: Format = None) -> None:
    """Write closed orders with resolution OK for validation upstream, each exactly once.

    Example: amsplan export validation validering-2026-04-22.csv
    """
    from amsplan.adapters.writers import format_for
    from amsplan.services.exports import export_validation as run

    result = run(context(ctx), file, format_for(file, fmt))
    console.print(f"{result.count} orders in {file}", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")

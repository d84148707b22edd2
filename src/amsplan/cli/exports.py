"""amsplan export mobile|validation."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from amsplan.cli.batch import selection
from amsplan.cli.output import console, context
from amsplan.cli.params import Filter, Format, Tech
from amsplan.i18n import ngettext

export_app = typer.Typer(help="Exports to the field and upstream.", no_args_is_help=True)

OutFile = Annotated[Path, typer.Argument(help="File to write (.csv, .json or .xlsx).")]


@export_app.command("mobile")
def export_mobile(
    ctx: typer.Context,
    file: OutFile,
    tech: Tech = None,
    start: Annotated[
        str | None, typer.Option("--from", help="First day of the visits (2026-04-22).")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Last day of the visits (2026-04-24).")
    ] = None,
    fmt: Format = None,
    filter_name: Filter = None,
) -> None:
    """Write the orders ready for execution for the technicians' mobile system.

    The columns are the ones the mobile system reads (order_no, technician_id, ...),
    the same in every language (docs/reports.md).

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
    _written(result.count, file)


@export_app.command("validation")
def export_validation(ctx: typer.Context, file: OutFile, fmt: Format = None) -> None:
    """Write closed orders with resolution OK for validation upstream, each exactly once.

    The columns are the ones the upstream system reads, the same in every language.

    Example: amsplan export validation validering-2026-04-22.csv
    """
    from amsplan.adapters.writers import format_for
    from amsplan.services.exports import export_validation as run

    result = run(context(ctx), file, format_for(file, fmt))
    _written(result.count, file)


def _written(n: int, file: Path) -> None:
    console.print(ngettext("{n} order in {file}", "{n} orders in {file}", n).format(n=n, file=file))


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")

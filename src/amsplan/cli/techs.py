"""amsplan techs add|list|import."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from amsplan.cli.output import console, context, print_json, styled, table

techs_app = typer.Typer(help="Technicians and their working hours.", no_args_is_help=True)


@techs_app.command("add")
def add(
    ctx: typer.Context,
    tech_id: Annotated[str, typer.Argument(help="Technician id, e.g. T01.")],
    name: Annotated[
        str | None, typer.Option("--name", help="Full name (printed in letters).")
    ] = None,
    phone: Annotated[str | None, typer.Option("--phone")] = None,
    start: Annotated[
        str | None, typer.Option("--start", help="Working day starts (new: 07:30).")
    ] = None,
    end: Annotated[str | None, typer.Option("--end", help="Working day ends (new: 15:30).")] = None,
):
    """Add a technician, or update the one with this id (only the options given change).

    Example: amsplan techs add T07 --name "Ola Nordmann" --phone 41234567 --start 07:00 --end 15:00
    """
    from amsplan.services.technicians import add_technician

    saved = add_technician(context(ctx), tech_id, name, phone, start, end)
    tech = saved.tech
    console.print(f"{tech.id} {tech.name} {tech.work_start:%H:%M}-{tech.work_end:%H:%M}")
    _outside(saved.outside)


def _outside(visits) -> None:
    """Booked visits the new working hours leave outside them: a warning, not an error."""
    if not visits:
        return
    console.print(
        styled(f"{len(visits)} booked visits are outside the new working hours", "yellow"),
        "(move them with amsplan followup reschedule):",
    )
    for v in visits:
        console.print(
            f"  {v.order_no}  {v.tech_id}  {v.start:%Y-%m-%d %H:%M}-{v.end:%H:%M}  {v.status}"
        )


@techs_app.command("list")
def list_(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False):
    """List technicians.

    Example: amsplan techs list
    """
    from amsplan.services.technicians import list_technicians

    techs = list_technicians(context(ctx))
    if as_json:
        print_json([t.model_dump() for t in techs])
        return
    out = table("id", "name", "phone", "hours")
    for t in techs:
        out.add_row(t.id, t.name, t.phone, f"{t.work_start:%H:%M}-{t.work_end:%H:%M}")
    console.print(out)


@techs_app.command("import")
def import_(ctx: typer.Context, file: Annotated[Path, typer.Argument(help="CSV of technicians.")]):
    """Import technicians (Montørnr;Navn;Telefon;Arbeidstid fra;Arbeidstid til).

    Example: amsplan techs import sample_data/technicians.csv
    """
    from amsplan.services.technicians import import_technicians

    result = import_technicians(context(ctx), file)
    console.print(f"{file.name}: {result.created} new, {result.updated} updated")
    _outside(result.outside)


def register(app: typer.Typer) -> None:
    app.add_typer(techs_app, name="techs")

"""amsplan techs add|list|import|absent|absences|absence-remove."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from amsplan.cli.output import console, context, print_json, status_text, styled, table
from amsplan.cli.params import Json
from amsplan.i18n import _, ngettext

techs_app = typer.Typer(help="Technicians and their working hours.", no_args_is_help=True)


@techs_app.command("add")
def add(
    ctx: typer.Context,
    tech_id: Annotated[str, typer.Argument(help="Technician id, e.g. T01.")],
    name: Annotated[
        str | None, typer.Option("--name", help="Full name (printed in letters).")
    ] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="Phone number.")] = None,
    start: Annotated[
        str | None, typer.Option("--start", help="Working day starts (new: 07:30).")
    ] = None,
    end: Annotated[str | None, typer.Option("--end", help="Working day ends (new: 15:30).")] = None,
    days: Annotated[
        str | None,
        typer.Option("--days", help="ISO weekdays worked: 12345 = Monday to Friday (new)."),
    ] = None,
    lat: Annotated[
        str | None, typer.Option("--lat", help="Start point latitude (home/depot), e.g. 60.7945.")
    ] = None,
    lon: Annotated[
        str | None, typer.Option("--lon", help="Start point longitude, e.g. 11.0679.")
    ] = None,
):
    """Add a technician, or update the one with this id (only the options given change).

    Example: amsplan techs add T07 --name "Ola Nordmann" --phone 41234567 --start 07:00 --end 15:00
             amsplan techs add T08 --days 123456
             amsplan techs add T01 --lat 60.7945 --lon 11.0679
    """
    from amsplan.services.technicians import add_technician

    c = context(ctx)
    saved = add_technician(c, tech_id, name, phone, start, end, days, lat, lon)
    tech = saved.tech
    console.print(
        f"{tech.id} {tech.name} {tech.work_start:%H:%M}-{tech.work_end:%H:%M}"
        f" {_days(tech.working_days)}"
        + (_(" start {point}").format(point=_start(tech)) if tech.start_lat is not None else "")
    )
    _outside(saved.outside, c.settings)


def _days(working_days: str) -> str:
    """The ISO weekdays worked in the planner's words: "12345" -> "man-fre", "Mon-Fri"."""
    from amsplan.domain.slots import days_text

    return days_text(working_days)


def _start(tech) -> str:
    """The start point as "lat, lon", "-" when there is none."""
    if tech.start_lat is None or tech.start_lon is None:
        return "-"
    return f"{tech.start_lat:.5f}, {tech.start_lon:.5f}"


def _outside(visits, settings) -> None:
    """Booked visits the new working hours leave outside them: a warning, not an error."""
    if not visits:
        return
    console.print(
        styled(
            ngettext(
                "{n} booked visit is outside the new working hours",
                "{n} booked visits are outside the new working hours",
                len(visits),
            ).format(n=len(visits)),
            "yellow",
        ),
        _("(move them with amsplan followup reschedule):"),
    )
    label = settings.label
    for v in visits:
        window = f"{v.start:%Y-%m-%d %H:%M}-{v.end:%H:%M}"
        console.print(f"  {v.order_no}  {v.tech_id}  {window}  {label(v.status)}")


@techs_app.command("list")
def list_(ctx: typer.Context, as_json: Json = False):
    """List technicians.

    Example: amsplan techs list
    """
    from amsplan.services.technicians import list_technicians

    techs = list_technicians(context(ctx))
    if as_json:
        print_json([t.model_dump() for t in techs])
        return
    out = table(_("id"), _("name"), _("phone"), _("hours"), _("days"), _("start point"))
    for t in techs:
        hours = f"{t.work_start:%H:%M}-{t.work_end:%H:%M}"
        out.add_row(t.id, t.name, t.phone, hours, _days(t.working_days), _start(t))
    console.print(out)


@techs_app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV (or .xlsx) of technicians.")],
):
    """Import technicians (Montørnr;Navn;Telefon;Arbeidstid fra;Arbeidstid til;Arbeidsdager;
    Breddegrad;Lengdegrad: the start point, decimal comma or point).

    Example: amsplan techs import sample_data/technicians.csv
    """
    from amsplan.services.technicians import import_technicians

    c = context(ctx)
    result = import_technicians(c, file)
    console.print(
        _("{file}: {created} new, {updated} updated").format(
            file=file.name, created=result.created, updated=result.updated
        )
    )
    _outside(result.outside, c.settings)


@techs_app.command("absent")
def absent(
    ctx: typer.Context,
    tech_id: Annotated[str, typer.Argument(help="Technician id.")],
    first: Annotated[str, typer.Option("--from", help="First day away (2026-04-22).")],
    last: Annotated[
        str | None, typer.Option("--to", help="Last day away (default: --from).")
    ] = None,
    reason: Annotated[
        str, typer.Option("--reason", help="Why, in your words: ill, holiday, course, ...")
    ] = "",
):
    """Record a technician away (ill, holiday, course): nothing can be planned on those
    days. Visits already booked then are listed: move them with `amsplan move`.

    Example: amsplan techs absent T01 --from 2026-04-22 --to 2026-04-24 --reason syk
    """
    from amsplan import clock
    from amsplan.services.technicians import add_absence

    begin = clock.parse_date(first, "--from")
    end = clock.parse_date(last, "--to") if last else begin
    c = context(ctx)
    result = add_absence(c, tech_id, begin, end, reason)
    a = result.absence
    console.print(
        _("Absence {id}: {tech} away {period}").format(
            id=a.id, tech=a.technician_id, period=_period(a)
        )
    )
    if result.booked:
        out = table(
            _("order"), _("appointment"), _("status"), title=_("Booked visits in the period")
        )
        for order_no, start, status in result.booked:
            out.add_row(order_no, f"{start:%d.%m.%Y %H:%M}", status_text(status, c.settings))
        console.print(out)
        n = len(result.booked)
        console.print(
            ngettext(
                "{n} booked visit: move it, e.g. {command}",
                "{n} booked visits: move them, e.g. {command}",
                n,
            ).format(
                n=n,
                command=f"amsplan move --from-tech {a.technician_id} "
                f"--date {result.booked[0][1]:%Y-%m-%d} --to-tech T02",
            )
        )


@techs_app.command("absences")
def absences(
    ctx: typer.Context,
    tech_id: Annotated[str | None, typer.Argument(help="Only this technician.")] = None,
    show_all: Annotated[bool, typer.Option("--all", help="Past absences too.")] = False,
    as_json: Json = False,
):
    """List absences (from today on, or --all).

    Example: amsplan techs absences T01
    """
    from amsplan import clock
    from amsplan.cli.records import record
    from amsplan.services.technicians import list_absences

    c = context(ctx)
    today = clock.to_local(c.now(), c.settings.tz).date()
    items = list_absences(c, tech_id, None if show_all else today)
    if as_json:
        print_json([record(a) for a in items])
        return
    out = table(_("id"), _("technician"), _("away"), _("reason"), _("by"))
    for a in items:
        out.add_row(str(a.id), a.technician_id, _period(a), a.reason, a.created_by)
    console.print(out)


@techs_app.command("absence-remove")
def absence_remove(
    ctx: typer.Context,
    absence_id: Annotated[int, typer.Argument(help="Absence id (amsplan techs absences).")],
):
    """Remove an absence (recorded by mistake, or the technician is back early).

    Example: amsplan techs absence-remove 3
    """
    from amsplan.services.technicians import remove_absence

    a = remove_absence(context(ctx), absence_id)
    console.print(
        _("Removed absence {id}: {tech} {period}").format(
            id=a.id, tech=a.technician_id, period=_period(a)
        )
    )


def _period(a) -> str:
    if a.first_day == a.last_day:
        return f"{a.first_day:%d.%m.%Y}"
    return f"{a.first_day:%d.%m.%Y}-{a.last_day:%d.%m.%Y}"


def register(app: typer.Typer) -> None:
    app.add_typer(techs_app, name="techs")

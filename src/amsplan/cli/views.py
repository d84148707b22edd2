"""amsplan filters list|show|delete, amsplan transition (cli/transitions.py), amsplan calendar."""

from __future__ import annotations

from typing import Annotated

import typer

from amsplan.cli import transitions
from amsplan.cli.output import console, context, print_json, status_text, styled, table
from amsplan.cli.params import Day, Json, Tech
from amsplan.i18n import _, day_label, ngettext

filters_app = typer.Typer(help="Saved order searches.", no_args_is_help=True)


@filters_app.command("list")
def filters_list(ctx: typer.Context, as_json: Json = False) -> None:
    """List saved and predefined filters.

    Example: amsplan filters list
    """
    from amsplan.services.search import list_filters

    c = context(ctx)
    items = list_filters(c)
    label, predefined = c.settings.label, _("predefined")
    if as_json:
        print_json(
            [
                {"name": n, "description": f.describe(label), "criteria": f.criteria(),
                 "predefined": by is None, "saved_by": by}
                for n, f, by in items
            ]
        )  # fmt: skip
        return
    out = table(_("name"), _("criteria"), _("saved by"))
    for name, flt, by in items:
        out.add_row(name, flt.describe(label), by or predefined)
    console.print(out)


@filters_app.command("show")
def filters_show(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Filter name (amsplan filters list).")],
    as_json: Json = False,
) -> None:
    """Show what a filter selects, and how many orders it matches now.

    Example: amsplan filters show "Alle ordre klar til utskrift"
    """
    from amsplan.services.search import search, show_filter

    c = context(ctx)
    flt = show_filter(c, name)
    total = search(c, flt, limit=0)[1]
    described = flt.describe(c.settings.label)
    if as_json:
        print_json(
            {"name": name, "description": described, "criteria": flt.criteria(), "matches": total}
        )
        return
    now = ngettext("{n} order now", "{n} orders now", total).format(n=total)
    console.print(f"{name}: {described} ({now})")


@filters_app.command("delete")
def filters_delete(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="Saved filter's name.")]
) -> None:
    """Delete a saved filter.

    Example: amsplan filters delete "E1 oppf"
    """
    from amsplan.services.search import delete_filter

    delete_filter(context(ctx), name)
    console.print(_("Deleted {name!r}").format(name=name))


def calendar(
    ctx: typer.Context,
    tech: Tech = None,
    date: Day = None,
    whole_week: Annotated[bool, typer.Option("--week", help="The whole week.")] = False,
    as_json: Json = False,
) -> None:
    """A technician's day (or --week): sequence, time, customer, status, flags, gaps and
    overlaps. Without --tech: every technician's load that day.

    Examples: amsplan calendar --tech T01 --date 2026-04-22
              amsplan calendar --date 2026-04-22
    """
    from amsplan import clock
    from amsplan.services import calendar as cal

    c = context(ctx)
    day = (
        clock.parse_date(date, "--date") if date else clock.to_local(c.now(), c.settings.tz).date()
    )
    if not tech:
        loads = cal.load(c, day)
        if as_json:
            print_json(loads)
            return
        out = table(_("technician"), _("name"), _("visits"), _("booked"), _("of"), _("first"),
                    _("last"), _("closed"), title=day_label(day))  # fmt: skip
        for ld in loads:
            share = f"{ld.booked_minutes / ld.working_minutes:.0%}" if ld.working_minutes else ""
            out.add_row(ld.tech_id, ld.tech_name, str(ld.visits), f"{ld.booked_minutes} min",
                        share, f"{ld.first:%H:%M}" if ld.first else "",
                        f"{ld.last:%H:%M}" if ld.last else "", ld.closed or "")  # fmt: skip
        console.print(out)
        return
    days = cal.week(c, tech, day) if whole_week else [cal.technician_day(c, tech, day)]
    if as_json:
        print_json([_day_json(c, d) for d in days])
        return
    for d in days:
        _print_day(c, d)


def _day_json(c, d) -> dict:
    """A technician's day for scripts (docs/json.md): gaps and overlaps as objects, each
    visit's status with its label."""
    from dataclasses import asdict

    data = asdict(d)
    for visit in data["visits"]:
        visit["status_label"] = c.settings.label(visit["status"])
    data["gaps"] = [{"start": a, "end": b} for a, b in d.gaps]
    data["overlaps"] = [{"order_no": a, "other_order_no": b} for a, b in d.overlaps]
    return data


def _print_day(c, d) -> None:
    hours = f"{d.work_start:%H:%M}-{d.work_end:%H:%M}"
    title = f"{d.tech_id} {d.tech_name}, {day_label(d.day)} ({hours})"
    free, important, difficult = _("free"), _("important"), _("difficult")
    out = table("#", _("time"), _("order"), _("customer"), _("address"), _("status"), _("flags"),
                title=title)  # fmt: skip
    rows = [(v.start, 0, v) for v in d.visits] + [(a, 1, (a, b)) for a, b in d.gaps]
    overlapping = {n for pair in d.overlaps for n in pair}
    for _start, kind, item in sorted(rows, key=lambda r: (r[0], r[1])):
        if kind == 1:
            a, b = item
            out.add_row("", f"{a:%H:%M}-{b:%H:%M}", styled(free, "dim"), "", "", "", "")
            continue
        v = item
        flags = " ".join(x for x, on in ((important, v.important_info),
                                         (difficult, v.difficult_meter)) if on)  # fmt: skip
        order = styled(v.order_no, "bold red") if v.order_no in overlapping else v.order_no
        status = status_text(v.status, c.settings)
        window = f"{v.start:%H:%M}-{v.end:%H:%M}"
        out.add_row(str(v.sequence or ""), window, order, v.customer_name, v.address, status, flags)
    console.print(out)
    console.print(
        ngettext("{n} visit", "{n} visits", len(d.visits)).format(n=len(d.visits))
        + ", "
        + _("{booked} of {working} min booked").format(
            booked=d.booked_minutes, working=d.working_minutes
        )
        + ", "
        + ngettext("{n} gap", "{n} gaps", len(d.gaps)).format(n=len(d.gaps))
    )
    if d.km is not None:
        console.print(
            _("Driving: {km} km, {minutes} min (start point and back)").format(
                km=f"{d.km:.1f}", minutes=f"{d.drive_minutes:.0f}"
            )
        )
    elif d.route_unknown:
        console.print(styled(_("Driving unknown: {why}").format(why=d.route_unknown), "dim"))
    if d.closed:
        console.print(styled(_("Closed: {why}").format(why=d.closed), "bold yellow"))
    for a, b in d.overlaps:
        console.print(styled(_("Overlap: {a} and {b}").format(a=a, b=b), "bold red"))


def register(app: typer.Typer) -> None:
    app.add_typer(filters_app, name="filters")
    app.command("transition")(transitions.transition)
    app.command("calendar")(calendar)

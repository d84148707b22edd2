"""amsplan plan, route, map: route-aware planning and the map."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from amsplan.cli.batch import allowed, ask_first
from amsplan.cli.output import console, context, print_json, table
from amsplan.cli.params import (
    AllowHoliday,
    AllowWeekend,
    Day,
    DryRun,
    Filter,
    Json,
    Municipality,
    Postcode,
    Stage,
    Tech,
    Yes,
)
from amsplan.i18n import _, day_label, ngettext, pgettext


def _km(value: float) -> str:
    return f"{value:,.1f}".replace(",", " ")


def plan(
    ctx: typer.Context,
    start: Annotated[str, typer.Option("--from", help="First day: 2026-04-22 or 22.04.2026.")],
    end: Annotated[str | None, typer.Option("--to", help="Last day (default: --from).")] = None,
    filter_name: Filter = None,
    stage: Stage = None,
    municipality: Municipality = None,
    postcode: Postcode = None,
    techs: Annotated[
        list[str] | None,
        typer.Option("--tech", help="Plan for this technician (repeat; default: all active)."),
    ] = None,
    visits: Annotated[
        bool, typer.Option("--visits", help="List every visit of the proposal.")
    ] = False,
    allow_weekend: AllowWeekend = False,
    allow_holiday: AllowHoliday = False,
    dry_run: DryRun = False,
    yes: Yes = False,
    as_json: Json = False,
) -> None:
    """Plan open orders onto technicians' days by driving route, around what is planned.

    Takes the open and reopened orders without a time that match the selection
    (--filter, --stage, --municipality, --postcode), and the days --from..--to of the
    technicians (--tech, default all active ones with a start point). Each day starts and
    ends at the technician's start point within working hours, drives included; visits
    already on a day keep their time. Prints the proposal per technician-day (visits, km,
    driving and idle minutes), asks, and assigns it as `assign` does. An order another
    planner took meanwhile is skipped and listed (exit code 1). Orders that did not fit,
    and orders without a position, are listed with the reason.

    Example: amsplan plan --stage "Etappe 1" --from 2026-04-20 --to 2026-04-24 --dry-run
    """
    from amsplan import clock
    from amsplan.domain.search import OrderFilter
    from amsplan.services import routes
    from amsplan.services.search import show_filter

    c = context(ctx)
    first = clock.parse_date(start, "--from")
    last = clock.parse_date(end, "--to") if end else first
    flt = show_filter(c, filter_name) if filter_name else OrderFilter()
    flt = flt.merged(OrderFilter(stage=stage, municipality=municipality, postcode=postcode))
    proposal = routes.propose(c, flt, first, last, techs, allowed(allow_weekend, allow_holiday))
    if as_json and (dry_run or not proposal.count):
        print_json(_plan_json(proposal, None))
        return
    if not as_json:
        _print_proposal(proposal, visits)
    if not proposal.count:
        console.print(
            _("Nothing to plan.")
            if proposal.selected
            else _("Nothing to plan: no open or reopened order without a time matches.")
        )
        return
    orders = ngettext("{n} order", "{n} orders", proposal.count).format(n=proposal.count)
    n_days = len(proposal.days)
    days = ngettext("{n} technician-day", "{n} technician-days", n_days).format(n=n_days)
    ask_first(_("Assign {orders} to {days}?").format(orders=orders, days=days), dry_run, yes)
    if dry_run:
        return
    applied = routes.apply(c, proposal)
    if as_json:
        print_json(_plan_json(proposal, applied))
    else:
        for order_no, reason in applied.skipped:
            console.print(_("skipped {order}: {reason}").format(order=order_no, reason=reason))
        n = len(applied.placed)
        done = ngettext("Assigned {n} order", "Assigned {n} orders", n).format(n=n)
        if applied.skipped:
            done = _("{done}, {n} skipped").format(done=done, n=len(applied.skipped))
        console.print(f"{done}.")
    if applied.skipped:
        raise typer.Exit(1)


def _plan_json(proposal, applied) -> dict:
    """docs/json.md, `amsplan plan`: the proposal, and what was assigned (null: nothing)."""
    done = None
    if applied is not None:
        skipped = [{"order_no": order_no, "reason": why} for order_no, why in applied.skipped]
        done = {"placed": applied.placed, "skipped": skipped}
    return {"proposal": proposal, "applied": done}


def _days_table(p):
    """The proposal's technician-days with their figures, and the totals."""
    out = table(_("tech"), _("day"), _("visits"), pgettext("column", "new"), "km",
                _("driving"), _("idle"), _("back"), title=_("Proposal"))  # fmt: skip
    for d in p.days:
        f = d.figures
        out.add_row(d.tech_id, day_label(d.day), str(f.visits), str(len(d.new)),
                    _km(f.km), f"{f.drive_minutes:.0f} min", f"{f.idle_minutes:.0f} min",
                    f"{f.back // 60:02d}:{f.back % 60:02d}")  # fmt: skip
    km = sum(d.figures.km for d in p.days)
    drive = sum(d.figures.drive_minutes for d in p.days)
    idle = sum(d.figures.idle_minutes for d in p.days)
    n = len(p.days)
    out.add_row(_("total"), ngettext("{n} day", "{n} days", n).format(n=n),
                str(sum(d.figures.visits for d in p.days)),
                str(p.count), _km(km), f"{drive:.0f} min", f"{idle:.0f} min", "",
                style="bold")  # fmt: skip
    return out


def _print_proposal(p, with_visits: bool) -> None:
    if p.days:
        console.print(_days_table(p))
    if with_visits:
        kept, approximate = _("kept"), _("approximate position")
        for d in p.days:
            rows = table("#", _("time"), _("order"), "", title=f"{d.tech_id} {day_label(d.day)}")
            for i, v in enumerate(d.visits, 1):
                end = v.start + timedelta(minutes=v.minutes)
                note = kept if v.kept else (approximate if v.approximate else "")
                rows.add_row(str(i), f"{v.start:%H:%M}-{end:%H:%M}", v.order_no, note)
            console.print(rows)
    if p.selected:
        planned = _("{n} of {selected} selected orders planned").format(
            n=p.count, selected=p.selected
        )
        if p.left:
            planned = _("{planned}; {n} did not fit the days").format(
                planned=planned, n=len(p.left)
            )
        console.print(planned)
    if p.left:
        shown = ", ".join(p.left[:10]) + (" ..." if len(p.left) > 10 else "")
        console.print("  " + _("did not fit: {orders}").format(orders=shown))
    for u in p.unplaceable:
        console.print(
            "  " + _("not placed {order}: {reason}").format(order=u.order_no, reason=u.reason)
        )
    routine = [x for x in p.closed if x.routine]
    for (tech_id, reason), days in _grouped(x for x in p.closed if not x.routine).items():
        when = f"{days[0]:%d.%m.%Y}"
        if len(days) > 1:
            when = _("on {n} days from {first} to {last}").format(
                n=len(days), first=when, last=f"{days[-1]:%d.%m.%Y}"
            )
        console.print("  " + _("not planned {tech} {when}: {reason}").format(
            tech=tech_id, when=when, reason=reason))  # fmt: skip
    if routine:
        console.print("  " + _("{n} technician-days are weekends or public holidays").format(
            n=len(routine)))  # fmt: skip
    if p.hit_time_limit:
        console.print(
            "  " + _("The search stopped at planning.time_limit: a rerun may give another plan.")
        )


def _grouped(closed) -> dict[tuple[str, str], list]:
    """The days that are not planned, by technician and reason (one line each)."""
    days: dict[tuple[str, str], list] = {}
    for x in sorted(closed, key=lambda x: (x.tech_id, x.day)):
        days.setdefault((x.tech_id, x.reason), []).append(x.day)
    return days


def route(
    ctx: typer.Context,
    tech: Annotated[str, typer.Option("--tech", help="Technician id.")],
    date: Annotated[str, typer.Option("--date", help="Day: 2026-04-22 or 22.04.2026.")],
    dry_run: DryRun = False,
    as_json: Json = False,
) -> None:
    """Put a planned day that is not locked in driving order and give each visit its time.

    The day starts at the technician's start point at the start of working hours; each
    visit starts when the technician can be there. A locked day is refused (its customers
    have their times). --dry-run shows the km before and after and changes nothing.

    Example: amsplan route --tech T01 --date 2026-04-22 --dry-run
    """
    from amsplan import clock
    from amsplan.services import routes

    done = routes.route(context(ctx), tech, clock.parse_date(date, "--date"), dry_run)
    if as_json:
        print_json(done)
        return
    out = table("#", _("order"), _("time"), title=f"{done.tech_id} {day_label(done.day)}")
    for s in done.slots:
        out.add_row(str(s.sequence), s.order_no, f"{s.start:%H:%M}-{s.end:%H:%M}")
    console.print(out)
    b, a = done.before, done.after
    drives = (
        _("would drive {km} km, {minutes} min (was {was_km} km, {was_minutes} min)")
        if dry_run
        else _("drives {km} km, {minutes} min (was {was_km} km, {was_minutes} min)")
    )
    console.print(drives.format(km=_km(a.km), minutes=f"{a.drive_minutes:.0f}",
                                was_km=_km(b.km),
                                was_minutes=f"{b.drive_minutes:.0f}"))  # fmt: skip


def map_(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")],
    tech: Tech = None,
    date: Day = None,
    whole_week: Annotated[
        bool, typer.Option("--week", help="Monday to Friday of --date's week.")
    ] = False,
    filter_name: Annotated[
        str | None, typer.Option("--filter", help="The saved filter's orders without a time.")
    ] = None,
) -> None:
    """Write a map of technicians' days: numbered stops, route, start point, a popup per
    order; or (--filter) where a filter's open orders are.

    One self-contained HTML file (Leaflet inside, no CDN; the background map needs the
    network, stops and routes do not). Without --tech: every technician's day.

    Examples: amsplan map --tech T01 --date 2026-04-22 -o t01.html
              amsplan map --week --date 2026-04-20 -o week.html
              amsplan map --filter "Stange åpne" -o open.html
    """

    from amsplan import clock
    from amsplan.adapters.dashboard import write_html
    from amsplan.adapters.maps import render
    from amsplan.errors import InputError
    from amsplan.services import routes

    if output.is_dir() or not output.resolve().parent.is_dir():
        raise InputError(
            _("--output {path}: name a file in an existing folder").format(path=output)
        )
    c = context(ctx)
    day = (
        clock.parse_date(date, "--date") if date else clock.to_local(c.now(), c.settings.tz).date()
    )
    days = [day]
    if whole_week:
        monday = day - timedelta(days=day.weekday())
        days = [monday + timedelta(days=i) for i in range(5)]
    page = routes.map_page(c, days, tech, filter_name)
    write_html(render(page), output)
    stops = sum(len(r.stops) for r in page.routes)
    console.print(_("Map written to {path}: {routes} routes, {stops} stops").format(
        path=output, routes=len(page.routes), stops=stops))  # fmt: skip
    for line in page.unplaced:
        console.print("  " + _("not on the map {what}").format(what=line))


def register(app: typer.Typer) -> None:
    app.command("plan")(plan)
    app.command("route")(route)
    app.command("map")(map_)

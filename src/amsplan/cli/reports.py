"""amsplan report failed-visits|progress|dashboard: the team lead's reports."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from amsplan.cli.output import console, context, print_json, table
from amsplan.cli.params import FailedVisitsBy, Filter, Json, Period
from amsplan.domain.reports import FORECAST_WEEKS, GROUPS, Breakdown, Forecast, top

report_app = typer.Typer(help="Reports for the team lead.", no_args_is_help=True)

OnlyFilter = Annotated[
    str | None, typer.Option("--filter", help="Only the orders of a saved filter.")
]


@report_app.command("failed-visits")
def failed_visits(
    ctx: typer.Context,
    by: FailedVisitsBy = "reason",
    filter_name: Filter = None,
    as_json: Json = False,
) -> None:
    """Count failed visits ("bomtur") by reason, technician or week of the visit.

    Example: amsplan report failed-visits --by tech
    """
    from amsplan.services.exports import failed_visits as report
    from amsplan.services.search import order_ids_of

    c = context(ctx)
    result = report(c, by, order_ids_of(c, filter_name) if filter_name else None)
    if as_json:
        print_json(result)
        return
    out = table(by, "failed visits", title="Failed visits")
    for key, n in result.counts:
        out.add_row(key, str(n))
    out.add_row("Total", str(result.total))
    console.print(out)


#: The words of `report progress` (one place, to be translated).
TEXT = {
    "title": "Progress by {by}",
    "of_tech": ", technician {tech}",
    "total": "Total",
    "awaiting_note": "awaiting: orders awaiting a reply now, by when they started waiting",
    "stage": "stage",
    "municipality": "municipality",
    "orders": "orders",
    "share": "done %",
    "rest": "{n} more",
    "forecast": (
        "Forecast: {remaining} orders remain; at {rate:.1f} closed OK per working day "
        "(the {weeks} weeks {first} to {last}: {done} in {days} working days) done by "
        "{finish}, between {earliest} (the fastest week) and {latest} (the slowest)."
    ),
    "forecast_none": "Forecast: {remaining} orders remain; none closed OK in the last {weeks} "
    "weeks, so no date.",
    "forecast_done": "Forecast: no orders remain.",
    "unknown": "unknown",
    "backlog": "Waiting for a person",
    "backlog_for": "for",
}
COLUMNS = ("closed OK", "failed visits", "confirmed", "awaiting")
GROUP_NAMES = {
    "unplanned": "unplanned", "booking": "booking", "followup": "follow-up",
    "confirmed": "confirmed", "done": "done", "dropped": "dropped",
}  # fmt: skip
AGE_NAMES = {
    "0-1": "under 1 day", "1-3": "1-3 days", "3-7": "3-7 days", "7-14": "7-14 days",
    "14+": "14 days or more",
}  # fmt: skip
#: Rows of the per-municipality table (the rest in one row; --json gives every one).
TOP_ROWS = 15


@report_app.command("progress")
def progress(
    ctx: typer.Context,
    by: Period = "week",
    tech: Annotated[str | None, typer.Option("--tech", help="Only this technician.")] = None,
    filter_name: OnlyFilter = None,
    as_json: Json = False,
) -> None:
    """Progress per period, per stage and municipality, the forecast and the backlog.

    Each event counts on the local day of its own time: closed OK (orders closed with
    resolution OK now) and failed visits (resolved with another code) on the day of the
    visit (the return's time), confirmed (moved to ready for execution) on the day the
    reply was received; awaiting is the orders awaiting a reply now, each in the period it
    started waiting. Then the same orders now: per stage and municipality by status group,
    the forecast (the remaining orders at the rate of the last 4 weeks, with the range of
    its slowest and fastest week) and the orders waiting for a person, by how long. With
    --tech, the events of that technician (the order's technician at the time) and the
    orders assigned to them now. See docs/reports.md.

    Example: amsplan report progress --by week --tech T01
    """
    from amsplan.services.reports import progress as report
    from amsplan.services.search import order_ids_of

    c = context(ctx)
    result = report(c, by, tech, order_ids_of(c, filter_name) if filter_name else None)
    if as_json:
        print_json(result)
        return
    title = TEXT["title"].format(by=by) + (TEXT["of_tech"].format(tech=tech) if tech else "")
    out = _numbers_table(by, *COLUMNS, title=title)
    for p in result.periods:
        out.add_row(p.period, str(p.closed_ok), str(p.failed), str(p.confirmed), str(p.awaiting))
    t = result.total
    out.add_section()
    out.add_row(TEXT["total"], str(t.closed_ok), str(t.failed), str(t.confirmed),
                str(t.awaiting), style="bold")  # fmt: skip
    console.print(out)
    console.print(TEXT["awaiting_note"])
    console.print(_breakdown(TEXT["stage"], result.stages, result.orders))
    rows = top(result.municipalities, TOP_ROWS, TEXT["rest"])
    console.print(_breakdown(TEXT["municipality"], rows, result.orders))
    console.print(_forecast(result.forecast))
    backlog = _numbers_table(TEXT["backlog_for"], TEXT["orders"], title=TEXT["backlog"])
    for age, n in result.backlog.items():
        backlog.add_row(AGE_NAMES[age], str(n))
    backlog.add_section()
    backlog.add_row(TEXT["total"], str(sum(result.backlog.values())), style="bold")
    console.print(backlog)


def _numbers_table(*columns: str, title: str | None) -> Table:
    out = table(*columns, title=title)
    for column in list(out.columns)[1:]:
        column.justify = "right"
    return out


def _breakdown(by: str, rows: list[Breakdown], total: Breakdown) -> Table:
    out = _numbers_table(by, TEXT["orders"], *(GROUP_NAMES[g] for g in GROUPS),
                         TEXT["share"], title=None)  # fmt: skip
    for row in [*rows, total]:
        if row is total:
            out.add_section()
        out.add_row(TEXT["total"] if row is total else row.key, str(row.orders),
                    *(str(row.groups[g]) for g in GROUPS), f"{row.done_share * 100:.0f}",
                    style="bold" if row is total else None)  # fmt: skip
    return out


def _forecast(f: Forecast) -> str:
    if not f.remaining:
        return TEXT["forecast_done"]
    if f.finish is None:
        return TEXT["forecast_none"].format(remaining=f.remaining, weeks=FORECAST_WEEKS)
    return TEXT["forecast"].format(
        remaining=f.remaining, rate=f.rate, weeks=FORECAST_WEEKS, first=f.first_day,
        last=f.last_day, done=f.done, days=f.working_days, finish=f.finish,
        earliest=f.earliest or TEXT["unknown"], latest=f.latest or TEXT["unknown"],
    )  # fmt: skip


def _target(path: Path | None, option: str) -> Path | None:
    from amsplan.errors import InputError

    if path is None:
        return None
    if path.is_dir():
        raise InputError(f"{option} {path} is a folder; name the file to write")
    if not path.resolve().parent.is_dir():
        raise InputError(f"{option} {path}: folder {path.parent} does not exist")
    return path


@report_app.command("dashboard")
def dashboard(
    ctx: typer.Context,
    html: Annotated[
        Path | None, typer.Option("--html", help="Write the page here (one self-contained file).")
    ] = None,
    pdf: Annotated[Path | None, typer.Option("--pdf", help="Print the page to this PDF.")] = None,
) -> None:
    """Write the dashboard: key figures and four charts, as HTML and/or PDF.

    Charts: progress per week, status distribution, failed visits by reason and each
    technician's load (planned for the coming 14 days, done so far). One self-contained
    HTML page (charts as inline SVG, nothing fetched) and/or the same page as a PDF;
    name at least one of --html and --pdf.

    Example: amsplan report dashboard --html dashboard.html --pdf dashboard.pdf
    """
    from amsplan.errors import InputError

    if html is None and pdf is None:
        raise InputError("name a file to write: --html FILE and/or --pdf FILE")
    html, pdf = _target(html, "--html"), _target(pdf, "--pdf")
    from amsplan.adapters.dashboard import render_html, write_html, write_pdf
    from amsplan.services.reports import dashboard_data

    c = context(ctx)
    started = time.perf_counter()
    page = render_html(dashboard_data(c), c.settings)
    if html is not None:
        write_html(page, html)
        console.print(f"Dashboard written to {html}")
    if pdf is not None:
        write_pdf(page, pdf)
        console.print(f"Dashboard printed to {pdf}")
    console.print(f"({time.perf_counter() - started:.1f} s)")


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")

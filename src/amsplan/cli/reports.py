"""amsplan report failed-visits|progress|dashboard: the team lead's reports."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from amsplan.cli.output import console, context, print_json, table
from amsplan.cli.params import FailedVisitsBy, Filter, Json, Period
from amsplan.domain.reports import FORECAST_WEEKS, GROUPS, Breakdown, Forecast, top
from amsplan.i18n import N_, _

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
        print_json({
            "by": result.by,
            "counts": [{"key": key, "failed_visits": n} for key, n in result.counts],
            "total": result.total,
        })  # fmt: skip
        return
    out = _numbers_table(_(FAILED_BY_NAMES[by]), _("failed visits"), title=_("Failed visits"))
    for key, n in result.counts:
        out.add_row(key, str(n))
    out.add_section()
    out.add_row(_("Total"), str(result.total), style="bold")
    console.print(out)


#: The column of the period and the word of the title, by --by (PERIODS).
PERIOD_NAMES = {"day": N_("day"), "week": N_("week"), "month": N_("month")}
#: The first column of `report failed-visits`, by --by (FAILED_VISITS_BY).
FAILED_BY_NAMES = {"reason": N_("reason"), "tech": N_("technician"), "week": N_("week")}
#: The columns of the periods, in the order of domain.reports.KINDS.
COLUMNS = (N_("closed OK"), N_("failed visits"), N_("confirmed"), N_("awaiting"))
GROUP_NAMES = {
    "unplanned": N_("unplanned"), "booking": N_("booking"), "followup": N_("follow-up"),
    "confirmed": N_("confirmed"), "done": N_("done"), "dropped": N_("dropped"),
}  # fmt: skip
AGE_NAMES = {
    "0-1": N_("under 1 day"), "1-3": N_("1-3 days"), "3-7": N_("3-7 days"),
    "7-14": N_("7-14 days"), "14+": N_("14 days or more"),
}  # fmt: skip
#: Rows of the per-municipality table (the rest in one row; --json gives every one).
TOP_ROWS = 15


@report_app.command("progress")
def progress(
    ctx: typer.Context,
    by: Period = "week",
    tech: Annotated[
        str | None, typer.Option("--tech", help="Only this technician's events and orders.")
    ] = None,
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
    title = _("Progress by {period}").format(period=_(PERIOD_NAMES[by]))
    if tech:
        title += _(", technician {tech}").format(tech=tech)
    total = _("Total")
    out = _numbers_table(_(PERIOD_NAMES[by]), *map(_, COLUMNS), title=title)
    for p in result.periods:
        out.add_row(p.period, str(p.closed_ok), str(p.failed), str(p.confirmed), str(p.awaiting))
    t = result.total
    out.add_section()
    out.add_row(total, str(t.closed_ok), str(t.failed), str(t.confirmed),
                str(t.awaiting), style="bold")  # fmt: skip
    console.print(out)
    console.print(_("awaiting: orders awaiting a reply now, by when they started waiting"))
    console.print(_breakdown(_("stage"), result.stages, result.orders))
    rows = top(result.municipalities, TOP_ROWS, _("{n} more"))
    console.print(_breakdown(_("municipality"), rows, result.orders))
    console.print(_forecast(result.forecast))
    backlog = _numbers_table(_("waited"), _("orders"), title=_("Waiting for a person"))
    for age, n in result.backlog.items():
        backlog.add_row(_(AGE_NAMES[age]), str(n))
    backlog.add_section()
    backlog.add_row(total, str(sum(result.backlog.values())), style="bold")
    console.print(backlog)


def _numbers_table(*columns: str, title: str | None) -> Table:
    out = table(*columns, title=title)
    for column in list(out.columns)[1:]:
        column.justify = "right"
    return out


def _breakdown(by: str, rows: list[Breakdown], total: Breakdown) -> Table:
    out = _numbers_table(by, _("orders"), *(_(GROUP_NAMES[g]) for g in GROUPS),
                         _("done %"), title=None)  # fmt: skip
    total_label = _("Total")
    for row in [*rows, total]:
        if row is total:
            out.add_section()
        out.add_row(total_label if row is total else row.key, str(row.orders),
                    *(str(row.groups[g]) for g in GROUPS), f"{row.done_share * 100:.0f}",
                    style="bold" if row is total else None)  # fmt: skip
    return out


def _day(day: date | None) -> str:
    return f"{day:%d.%m.%Y}" if day else _("unknown")


def _forecast(f: Forecast) -> str:
    if not f.remaining:
        return _("Forecast: no orders remain.")
    if f.finish is None:
        return _(
            "Forecast: {remaining} orders remain; none closed OK in the last {weeks} weeks, "
            "so no date."
        ).format(remaining=f.remaining, weeks=FORECAST_WEEKS)
    return _(
        "Forecast: {remaining} orders remain; at {rate} closed OK per working day (the "
        "{weeks} weeks {first} to {last}: {done} in {days} working days) done by {finish}, "
        "between {earliest} (the fastest week) and {latest} (the slowest)."
    ).format(
        remaining=f.remaining, rate=f"{f.rate:.1f}", weeks=FORECAST_WEEKS,
        first=_day(f.first_day), last=_day(f.last_day), done=f.done, days=f.working_days,
        finish=_day(f.finish), earliest=_day(f.earliest), latest=_day(f.latest),
    )  # fmt: skip


def _target(path: Path | None, option: str) -> Path | None:
    from amsplan.errors import InputError

    if path is None:
        return None
    if path.is_dir():
        raise InputError(
            _("{option} {path} is a folder; name the file to write").format(
                option=option, path=path
            )
        )
    if not path.resolve().parent.is_dir():
        raise InputError(
            _("{option} {path}: folder {folder} does not exist").format(
                option=option, path=path, folder=path.parent
            )
        )
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
        raise InputError(_("name a file to write: --html FILE and/or --pdf FILE"))
    html, pdf = _target(html, "--html"), _target(pdf, "--pdf")
    from amsplan.adapters.dashboard import render_html, write_html, write_pdf
    from amsplan.services.reports import dashboard_data

    c = context(ctx)
    started = time.perf_counter()
    page = render_html(dashboard_data(c), c.settings)
    if html is not None:
        write_html(page, html)
        console.print(_("Dashboard written to {file}").format(file=html))
    if pdf is not None:
        write_pdf(page, pdf)
        console.print(_("Dashboard printed to {file}").format(file=pdf))
    console.print(f"({time.perf_counter() - started:.1f} s)")


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")

"""amsplan report failed-visits|progress|dashboard: the team lead's reports."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from amsplan.cli.output import console, context, print_json, table
from amsplan.cli.params import FailedVisitsBy, Filter, Json, Period

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
    """Count failed visits ("bomtur") by reason, technician or week of the return.

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


@report_app.command("progress")
def progress(
    ctx: typer.Context,
    by: Period = "week",
    tech: Annotated[str | None, typer.Option("--tech", help="Only this technician.")] = None,
    filter_name: OnlyFilter = None,
    as_json: Json = False,
) -> None:
    """Orders closed OK, failed visits, confirmed and awaiting a reply, per period.

    Counted from the orders' history in local time: closed with resolution OK, resolved
    with any other code (a failed visit), moved to ready for execution. Awaiting is the
    orders awaiting a reply now, each in the period it started waiting. With --tech, the
    events of that technician (the order's technician at the time).

    Example: amsplan report progress --by week --tech T01
    """
    from amsplan.services.reports import progress as report
    from amsplan.services.search import order_ids_of

    c = context(ctx)
    result = report(c, by, tech, order_ids_of(c, filter_name) if filter_name else None)
    if as_json:
        print_json(result)
        return
    title = f"Progress by {by}" + (f", technician {tech}" if tech else "")
    out = table(by, "closed OK", "failed visits", "confirmed", "awaiting",
                title=title)  # fmt: skip
    for column in list(out.columns)[1:]:
        column.justify = "right"
    for p in result.periods:
        out.add_row(p.period, str(p.closed_ok), str(p.failed), str(p.confirmed), str(p.awaiting))
    t = result.total
    out.add_section()
    out.add_row("Total", str(t.closed_ok), str(t.failed), str(t.confirmed), str(t.awaiting),
                style="bold")  # fmt: skip
    console.print(out)
    console.print("awaiting: orders awaiting a reply now, by when they started waiting")


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

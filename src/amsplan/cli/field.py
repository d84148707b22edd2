"""amsplan returns|upstream ingest|unapplied|handle|retry, export mobile|validation,
report failed-visits."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from amsplan.cli.output import console, context, count, print_json, table, when
from amsplan.cli.planning import Filter, selection

returns_app = typer.Typer(help="Technician returns from the field.", no_args_is_help=True)
upstream_app = typer.Typer(
    help="Messages from the meter-data system: rejections, cancellations.", no_args_is_help=True
)
export_app = typer.Typer(help="Exports to the field and upstream.", no_args_is_help=True)
report_app = typer.Typer(help="Reports for the team lead.", no_args_is_help=True)

Format = Annotated[
    str | None, typer.Option("--format", help="csv, json or xlsx (default: by the suffix).")
]


def _print_ingest(result, file: Path, as_json: bool) -> None:
    if as_json:
        print_json(
            {"file": result.file, "new": result.new, "already_ingested": result.already_ingested,
             "outcomes": dict(result.outcomes), "refused": result.refused}
        )  # fmt: skip
    else:
        out = table("outcome", "rows", title=file.name)
        for outcome, count in sorted(result.outcomes.items()):
            out.add_row(outcome, str(count))
        if result.already_ingested:
            out.add_row("already ingested", str(result.already_ingested))
        console.print(out)
        for line, order_no, reason in result.refused:
            console.print(f"line {line}: {order_no}: {reason}", markup=False)
    if result.refused:
        raise typer.Exit(1)


def _print_unapplied(ctx: typer.Context, source: str, as_json: bool) -> None:
    from amsplan import clock
    from amsplan.services.field import unapplied

    c = context(ctx)
    items = unapplied(c, source)
    if as_json:
        print_json([m.model_dump() for m in items])
        return
    out = table("id", "file:line", "order", "message", "why", "received")
    for m in items:
        received = clock.to_local(m.ingested_at, c.settings.tz)
        out.add_row(str(m.id), f"{m.source_file}:{m.line_no}", m.order_no,
                    f"{m.kind} {m.detail}", m.reason, when(received))  # fmt: skip
    console.print(out)
    console.print(count(len(items), "message needs", "messages need") + " a person")


def handle_items(ctx: typer.Context, ids: list[int] | None, all_: bool, comment: str,
                 dry_run: bool, yes: bool, as_json: bool, listed, run, one: str,
                 many: str) -> None:  # fmt: skip
    """`replies|returns|upstream handle`: the ids given, or --all: every item the list
    shows now, after a confirmation (count and prompt; --yes, --dry-run) as `transition`.
    listed(): the ids in the list; run(ids, dry_run): the service's handle."""
    from amsplan.errors import InputError
    from amsplan.services.worklist import HandleResult, check_comment

    if bool(ids) == all_:
        raise InputError(f"name the {one} ids to handle (the id column), or --all (not both)")
    comment = check_comment(comment)
    if all_:
        ids = listed()
        if ids and not dry_run and not yes:
            typer.confirm(f"Mark {count(len(ids), one, many)} as handled?", abort=True)
    result = run(ids, comment, dry_run) if ids else HandleResult()
    if as_json:
        print_json({"handled": result.handled, "already_handled": result.already,
                    "dry_run": dry_run})  # fmt: skip
        return
    verb = "Would handle" if dry_run else "Handled"
    console.print(f"{verb} {count(len(result.handled), one, many)}.")
    if result.already:
        already = ", ".join(map(str, result.already))
        console.print(f"Already handled (nothing changed): {already}")


def _handle(ctx: typer.Context, source: str, ids, all_, comment, dry_run, yes, as_json):
    from amsplan.services.field import handle, unapplied

    c = context(ctx)
    one = "return" if source == "returns" else "message"
    handle_items(
        ctx, ids, all_, comment, dry_run, yes, as_json,
        lambda: [m.id for m in unapplied(c, source)],
        lambda ids_, text, dry: handle(c, source, ids_, text, dry_run=dry),
        one, one + "s",
    )  # fmt: skip


def _retry(ctx: typer.Context, source: str, ids: list[int] | None, all_: bool, as_json: bool):
    from amsplan.errors import InputError
    from amsplan.services.field import retry

    if bool(ids) == all_:
        raise InputError("name the message ids to retry, or --all (not both)")
    result = retry(context(ctx), source, ids or None)
    if as_json:
        print_json({"applied": result.applied, "still_unapplied": result.refused,
                    "already_handled": result.already})  # fmt: skip
    else:
        for message_id, order_no in result.applied:
            console.print(f"{message_id}: {order_no}: applied", markup=False)
        for message_id, order_no, reason in result.refused:
            console.print(f"{message_id}: {order_no}: {reason}", markup=False)
        if result.already:
            ids_ = ", ".join(map(str, result.already))
            console.print(f"Already handled (nothing changed): {ids_}")
        console.print(
            f"{count(len(result.applied), 'message', 'messages')} applied, "
            f"{len(result.refused)} still need a person"
        )
    if result.refused:
        raise typer.Exit(1)


Ids = Annotated[list[int] | None, typer.Argument(help="Message ids (the id column of unapplied).")]
HandleComment = Annotated[str, typer.Option("--comment", help="What was done (required).")]
All = Annotated[bool, typer.Option("--all", help="Every message in the list.")]
HandleAll = Annotated[
    bool, typer.Option("--all", help="Every item in the list now (asks first; --yes).")
]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Show; change nothing.")]
Yes = Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")]
Json = Annotated[bool, typer.Option("--json")]


@returns_app.command("ingest")
def returns_ingest(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV: order, event, resolution code, time, ...")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
    """Apply technician returns: started, or resolved with a resolution code.

    Code OK closes the order and queues it for the validation export; any other code is
    a failed visit ("bomtur") that stays in `followup list` until reopened or closed.

    Example: amsplan returns ingest retur-2026-04-22.csv
    """
    from amsplan.services.field import ingest_returns

    _print_ingest(ingest_returns(context(ctx), file), file, as_json)


@returns_app.command("unapplied")
def returns_unapplied(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False):
    """List returns that could not be applied (unknown order, wrong status).

    Example: amsplan returns unapplied
    """
    _print_unapplied(ctx, "returns", as_json)


@returns_app.command("handle")
def returns_handle(
    ctx: typer.Context,
    ids: Ids = None,
    comment: HandleComment = "",
    all_: HandleAll = False,
    dry_run: DryRun = False,
    yes: Yes = False,
    as_json: Json = False,
):
    """Mark returns as dealt with: they leave `returns unapplied`; the comment is kept in
    the order's timeline.

    --all: every return in the list now; shows the count and asks first (--yes for
    scripts, --dry-run to only count).

    Example: amsplan returns handle 7 --comment "Ordren var allerede lukket i Quant"
    """
    _handle(ctx, "returns", ids, all_, comment, dry_run, yes, as_json)


@returns_app.command("retry")
def returns_retry(ctx: typer.Context, ids: Ids = None, all_: All = False, as_json: Json = False):
    """Apply unapplied returns again (e.g. after the order was fixed by hand), each at the
    time it happened; the ones that apply now leave the list.

    Example: amsplan returns retry 7 8    or    amsplan returns retry --all
    """
    _retry(ctx, "returns", ids, all_, as_json)


@upstream_app.command("ingest")
def upstream_ingest(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="CSV: order, type (avvist|kansellert), time, reason.")
    ],
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
    """Apply rejections and cancellations from the meter-data system.

    Rejection: a closed order goes to "Avvist i Quant". Cancellation: an open order is
    closed (Kansellert); a started one goes to manual follow-up, marked cancelled; a
    failed visit is reopened and then followed up; a closed one is refused and listed.

    Example: amsplan upstream ingest quant-2026-04-22.csv
    """
    from amsplan.services.field import ingest_upstream

    _print_ingest(ingest_upstream(context(ctx), file), file, as_json)


@upstream_app.command("unapplied")
def upstream_unapplied(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False
):
    """List upstream messages that could not be applied (e.g. cancelling a closed order).

    Example: amsplan upstream unapplied
    """
    _print_unapplied(ctx, "upstream", as_json)


@upstream_app.command("handle")
def upstream_handle(
    ctx: typer.Context,
    ids: Ids = None,
    comment: HandleComment = "",
    all_: HandleAll = False,
    dry_run: DryRun = False,
    yes: Yes = False,
    as_json: Json = False,
):
    """Mark upstream messages as dealt with: they leave `upstream unapplied`; the comment
    is kept in the order's timeline.

    --all: every message in the list now; shows the count and asks first (--yes for
    scripts, --dry-run to only count).

    Example: amsplan upstream handle 3 --comment "Avklart med Quant på telefon"
    """
    _handle(ctx, "upstream", ids, all_, comment, dry_run, yes, as_json)


@upstream_app.command("retry")
def upstream_retry(ctx: typer.Context, ids: Ids = None, all_: All = False, as_json: Json = False):
    """Apply unapplied upstream messages again (e.g. after the order was fixed by hand),
    each at the time it happened; the ones that apply now leave the list.

    Example: amsplan upstream retry --all
    """
    _retry(ctx, "upstream", ids, all_, as_json)


@export_app.command("mobile")
def export_mobile(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="File to write (.csv, .json or .xlsx).")],
    tech: Annotated[str | None, typer.Option("--tech", help="Technician id.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First day.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day.")] = None,
    fmt: Format = None,
    filter_name: Filter = None,
):
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
def export_validation(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="File to write (.csv, .json or .xlsx).")],
    fmt: Format = None,
):
    """Write closed orders with resolution OK for validation upstream, each exactly once.

    Example: amsplan export validation validering-2026-04-22.csv
    """
    from amsplan.adapters.writers import format_for
    from amsplan.services.exports import export_validation as run

    result = run(context(ctx), file, format_for(file, fmt))
    console.print(f"{result.count} orders in {file}", markup=False)


@report_app.command("failed-visits")
def failed_visits(
    ctx: typer.Context,
    by: Annotated[str, typer.Option("--by", help="reason, tech or week.")] = "reason",
    filter_name: Filter = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
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


def register(app: typer.Typer) -> None:
    from amsplan.cli.reports import register_reports

    register_reports(report_app)
    app.add_typer(returns_app, name="returns")
    app.add_typer(upstream_app, name="upstream")
    app.add_typer(export_app, name="export")
    app.add_typer(report_app, name="report")

"""amsplan orders import|show."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from amsplan.cli.output import console, context, print_json, status_text, styled, table, when

orders_app = typer.Typer(
    help="Work orders: import from the customer system, show.", no_args_is_help=True
)


@orders_app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV from the customer system.")],
    skip_invalid: Annotated[
        bool,
        typer.Option("--skip-invalid", help="Import the good rows; write the bad ones to a file."),
    ] = False,
    rejects: Annotated[
        Path | None, typer.Option("--rejects", help="Where --skip-invalid writes bad rows.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
    """Import or update orders (by order number) from a CSV file.

    Norwegian or English headers, ';' or ',' delimiter, UTF-8 or Windows-1252. The whole
    file is checked first; one bad row and nothing is imported, unless --skip-invalid.

    Example: amsplan orders import kundesystem-eksport.csv
    """
    from amsplan.services.orders import import_orders

    result = import_orders(context(ctx), file, skip_invalid, rejects)
    if as_json:
        print_json(result)
        raise typer.Exit(1 if result.invalid else 0)
    console.print(
        f"{file.name} ({result.encoding}, '{result.delimiter}'): {result.created} new, "
        f"{result.updated} updated, {result.unchanged} unchanged"
        + (
            f", {result.invalid} invalid rows written to {result.rejects_file}"
            if result.invalid
            else ""
        )
    )
    if result.ignored_columns:
        console.print(styled("Ignored columns:", "yellow"), ", ".join(result.ignored_columns))
    if result.invalid:
        raise typer.Exit(1)


@orders_app.command("show")
def show(
    ctx: typer.Context,
    order_no: Annotated[str, typer.Argument(help="Order number.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
    """Show one order with its full timeline (transitions, comments, letters, replies, SMS).

    Example: amsplan orders show AMS-2026-000123
    """
    from amsplan import clock, codes
    from amsplan.services.orders import order_detail

    c = context(ctx)
    detail = order_detail(c, order_no)
    o, tz = detail.order, c.settings.tz
    start = clock.to_local(o.planned_start, tz) if o.planned_start else None
    if as_json:
        data = o.model_dump()
        data["planned_start_local"] = start
        data["timeline"] = [
            {"at": e.at, "kind": e.kind, "actor": e.actor, "text": e.text} for e in detail.timeline
        ]
        print_json(data)
        return
    console.print(styled(o.order_no, "bold"), " ", status_text(o.status, c.settings))
    rows = [
        ("Customer", o.customer_name), ("Address", f"{o.street}, {o.postcode} {o.city}"),
        ("Phone", o.phone + (f" (mobile {o.mobile})" if o.mobile else "")),
        ("Meter point", o.meter_point_id), ("Meter", o.meter_number),
        ("Stage", o.stage), ("Municipality", o.municipality_no),
        ("Technician", f"{o.technician_id} {detail.technician.name}" if detail.technician else ""),
        ("Appointment", when(start) + (f" ({o.estimate_minutes} min, #{o.booking_seq})"
                                       if start else "")),
        ("Booking code", codes.format_code(o.booking_code) if o.booking_code else ""),
        ("Follow-up", o.followup_reason or ""), ("Description", o.description),
    ]  # fmt: skip
    for label, value in rows:
        if value:
            console.print(styled(f"  {label:<13}", "dim"), value)
    out = table("when", "what", "who", "detail", title="Timeline")
    for e in detail.timeline:
        out.add_row(when(clock.to_local(e.at, tz)), e.kind, e.actor, e.text)
    console.print(out)


OrderList = Annotated[list[str], typer.Argument(help="Order numbers.")]
Comment = Annotated[str, typer.Option("--comment", help="Why (kept in the history).")]


def _transition(ctx: typer.Context, orders: list[str], name: str, comment: str, **params):
    from amsplan.cli.followup import run_transition

    run_transition(ctx, orders, name, comment, **params)


@orders_app.command("reopen")
def reopen(ctx: typer.Context, orders: OrderList, comment: Comment = ""):
    """Reopen failed visits ("Re-åpne sak") to try again; then replan them.

    Example: amsplan orders reopen AMS-2026-000123 --comment "Kunden er hjemme neste uke"
    """
    _transition(ctx, orders, "reopen", comment)


@orders_app.command("replan")
def replan(ctx: typer.Context, orders: OrderList, comment: Comment = ""):
    """Move reopened (or followed-up) orders back to planning for a new time and letter.

    Example: amsplan orders replan AMS-2026-000123
    """
    _transition(ctx, orders, "plan", comment)


@orders_app.command("close")
def close(
    ctx: typer.Context,
    orders: OrderList,
    resolution: Annotated[
        str, typer.Option("--resolution", help="Resolution code, e.g. Kansellert.")
    ],
    comment: Comment = "",
):
    """Close orders ("Lukk sak") with a resolution code, by a planner's decision.

    Example: amsplan orders close AMS-2026-000123 --resolution Kansellert --comment "Anlegg revet"
    """
    from amsplan.cli.output import context
    from amsplan.errors import InputError

    settings = context(ctx).settings
    code = settings.resolution_code(resolution)
    if code is None:
        known = ", ".join(settings.resolution_codes)
        raise InputError(f"--resolution {resolution!r} is not a resolution code ({known})")
    _transition(ctx, orders, "close", comment, resolution=code)


@orders_app.command("to-manual")
def to_manual(ctx: typer.Context, orders: OrderList, comment: Comment = ""):
    """Move orders rejected by the meter-data system to manual follow-up.

    Example: amsplan orders to-manual AMS-2026-000123 --comment "Feil målernummer, sjekkes"
    """
    _transition(ctx, orders, "to_manual", comment)


def register(app: typer.Typer) -> None:
    app.add_typer(orders_app, name="orders")

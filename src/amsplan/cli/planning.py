"""amsplan assign, amsplan lock."""

from __future__ import annotations

from typing import Annotated

import typer

from amsplan.cli.output import console, context, print_json, styled, table

Orders = Annotated[list[str] | None, typer.Argument(help="Order numbers.", show_default=False)]
Tech = Annotated[str | None, typer.Option("--tech", help="Technician id.")]
Day = Annotated[str | None, typer.Option("--date", help="Day: 2026-04-22 or 22.04.2026.")]
Filter = Annotated[
    str | None,
    typer.Option("--filter", help="The orders of a saved filter (amsplan filters list)."),
]


def selection(ctx: typer.Context, orders, filter_name, sort: str = "order"):
    """Order numbers from the arguments or a saved filter; None when neither is given."""
    from amsplan.services.search import resolve_selection

    return resolve_selection(context(ctx), orders, filter_name, sort)


def assign(
    ctx: typer.Context,
    orders: Annotated[
        list[str] | None, typer.Argument(help="Order numbers, in visiting order.")
    ] = None,
    tech: Annotated[str, typer.Option("--tech", help="Technician id.")] = ...,
    date: Annotated[str, typer.Option("--date", help="Day: 2026-04-22 or 22.04.2026.")] = ...,
    start: Annotated[str, typer.Option("--start", help="First slot starts.")] = "08:00",
    slot: Annotated[str, typer.Option("--slot", help="Length of each slot: 1h, 90m.")] = "1h",
    filter_name: Filter = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
    """Put orders on a technician's day, one slot after the other, in the given order.

    Open orders move to planning. Overlaps and slots outside working hours are refused
    with the reason, and then nothing is changed.

    With --filter, the orders of a saved filter are placed by postcode and street.

    Example: amsplan assign AMS-1 AMS-2 AMS-3 --tech T01 --date 2026-04-22 --start 08:00 --slot 1h
    """
    from amsplan import clock
    from amsplan.services.planning import assign as assign_orders

    # From a filter, visiting order is by postcode and street.
    orders = selection(ctx, orders, filter_name, sort="postcode") or []
    slots = assign_orders(
        context(ctx),
        orders,
        tech,
        clock.parse_date(date, "--date"),
        clock.parse_time(start, "--start"),
        clock.parse_duration(slot, "--slot"),
    )
    if as_json:
        print_json(slots)
        return
    out = table("#", "order", "time", title=f"{tech} {date}")
    for s in slots:
        out.add_row(str(s.sequence), s.order_no, f"{s.start:%H:%M}-{s.end:%H:%M}")
    console.print(out)


def lock(
    ctx: typer.Context,
    orders: Orders = None,
    tech: Tech = None,
    date: Day = None,
    filter_name: Filter = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
    """Lock orders, a technician's day, or everybody's day: booking codes, "ready to print".

    Each order needs technician, start, estimate, name, street, postcode and city; the
    ones that lack something are refused with the list (exit code 1), the rest are locked.

    Examples: amsplan lock --tech T01 --date 2026-04-22
              amsplan lock --date 2026-04-22          (every technician's day)
              amsplan lock AMS-2026-000123
    """
    from amsplan import clock, codes
    from amsplan.errors import InputError
    from amsplan.services.planning import lock as lock_orders

    orders = selection(ctx, orders, filter_name)
    if orders and (tech or date):
        raise InputError("name orders (or --filter), or --tech and --date, not both")
    if not orders and not date:
        raise InputError("name orders, --filter, or --date (and --tech)")
    day = clock.parse_date(date, "--date") if date else None
    result = lock_orders(context(ctx), orders, tech, day)
    if as_json:
        print_json(result)
    else:
        out = table("order", "result", "booking code / reason")
        for order_no, code in result.locked:
            out.add_row(order_no, styled("locked", "green"), codes.format_code(code))
        for order_no, reason in result.refused:
            out.add_row(order_no, styled("refused", "red"), reason)
        console.print(out)
        console.print(f"{len(result.locked)} locked, {len(result.refused)} refused")
    if result.refused:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("assign")(assign)
    app.command("lock")(lock)

"""amsplan assign, move, unassign, lock, unlock."""

from __future__ import annotations

from typing import Annotated

import typer

from amsplan.cli.output import confirm, console, context, print_json, styled, table

Orders = Annotated[list[str] | None, typer.Argument(help="Order numbers.", show_default=False)]
Tech = Annotated[str | None, typer.Option("--tech", help="Technician id.")]
Day = Annotated[str | None, typer.Option("--date", help="Day: 2026-04-22 or 22.04.2026.")]
Filter = Annotated[
    str | None,
    typer.Option("--filter", help="The orders of a saved filter (amsplan filters list)."),
]


AllowWeekend = Annotated[
    bool,
    typer.Option("--allow-weekend", help="Plan on a day outside the technician's working days."),
]
AllowHoliday = Annotated[bool, typer.Option("--allow-holiday", help="Plan on a public holiday.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Show; change nothing.")]
Yes = Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")]


def allowed(weekend: bool, holiday: bool):
    from amsplan.services.planning import Allow

    return Allow(weekend=weekend, holiday=holiday)


def print_slots(slots, title: str) -> None:
    out = table("#", "order", "time", title=title)
    for s in slots:
        out.add_row(str(s.sequence), s.order_no, f"{s.start:%H:%M}-{s.end:%H:%M}")
    console.print(out)


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
    fill: Annotated[
        bool,
        typer.Option("--fill", help="Place in order until the day is full; leave the rest."),
    ] = False,
    allow_weekend: AllowWeekend = False,
    allow_holiday: AllowHoliday = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
    """Put orders on a technician's day, one slot after the other, in the given order.

    Open orders move to planning. Overlaps, slots outside working hours, days in the
    past, weekends, public holidays and the technician's absences are refused with the
    reason, and then nothing is changed.

    With --fill, orders are placed in the given order (skipping slots other orders
    hold) until the next one would not fit; the rest are left as they were.

    With --filter, the orders of a saved filter are placed by postcode and street.

    Example: amsplan assign AMS-1 AMS-2 AMS-3 --tech T01 --date 2026-04-22 --start 08:00 --slot 1h
             amsplan assign --filter "Stange åpne" --tech T02 --date 2026-04-22 --fill
    """
    from amsplan import clock
    from amsplan.services import planning

    # From a filter, visiting order is by postcode and street.
    orders = selection(ctx, orders, filter_name, sort="postcode") or []
    args = (
        context(ctx),
        orders,
        tech,
        clock.parse_date(date, "--date"),
        clock.parse_time(start, "--start"),
        clock.parse_duration(slot, "--slot"),
        allowed(allow_weekend, allow_holiday),
    )
    if fill:
        result = planning.fill(*args)
        if as_json:
            print_json(result)
            return
        print_slots(result.placed, f"{tech} {date}")
        left = f", left {len(result.left)} (day full)" if result.left else ""
        console.print(f"placed {len(result.placed)}{left}")
        return
    slots = planning.assign(*args)
    if as_json:
        print_json(slots)
        return
    print_slots(slots, f"{tech} {date}")


def move(
    ctx: typer.Context,
    from_tech: Annotated[str, typer.Option("--from-tech", help="The technician who is away.")],
    date: Annotated[str, typer.Option("--date", help="The day to move.")],
    to_tech: Annotated[str, typer.Option("--to-tech", help="The technician who takes it.")],
    to_date: Annotated[
        str | None, typer.Option("--to-date", help="Another day (default: the same).")
    ] = None,
    start: Annotated[
        str | None,
        typer.Option("--start", help="Place the visits one after the other from this time."),
    ] = None,
    comment: Annotated[str, typer.Option("--comment", help="Why (kept in the history).")] = "",
    allow_weekend: AllowWeekend = False,
    allow_holiday: AllowHoliday = False,
    dry_run: DryRun = False,
    yes: Yes = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
    """Move a technician's whole day to another technician (and day): a sick technician.

    Each visit keeps its time (or, with --start, they follow one another from that time).
    All or nothing: when a slot is taken, or the day is closed, nothing moves and every
    reason is listed. Customers who already have a time are told (change SMS, or a new
    letter; see docs/calendar.md).

    Example: amsplan move --from-tech T01 --date 2026-04-22 --to-tech T02 --dry-run
    """
    from amsplan import clock
    from amsplan.services.planning import move as move_day

    day = clock.parse_date(date, "--date")
    args = dict(
        from_tech=from_tech,
        day=day,
        to_tech=to_tech,
        to_day=clock.parse_date(to_date, "--to-date") if to_date else None,
        start=clock.parse_time(start, "--start") if start else None,
        comment=comment,
        allow=allowed(allow_weekend, allow_holiday),
    )
    c = context(ctx)
    planned = move_day(c, **args, dry_run=True)
    target = f"{to_tech} {args['to_day'] or day:%d.%m.%Y}"
    confirm(
        f"Move {len(planned)} visits from {from_tech} {day:%d.%m.%Y} to {target}?", dry_run, yes
    )
    slots = planned if dry_run else move_day(c, **args)
    if as_json:
        print_json(slots)
        return
    print_slots(slots, target)
    console.print(f"{len(slots)} {'would move' if dry_run else 'moved'}")


def unassign(
    ctx: typer.Context,
    orders: Orders = None,
    filter_name: Filter = None,
    comment: Annotated[str, typer.Option("--comment", help="Why (kept in the history).")] = "",
    dry_run: DryRun = False,
    yes: Yes = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
    """Take orders off their technician: the slot is free, the booking code retired, a
    letter or queued SMS withdrawn; the order is open again. A held order stays on hold
    and only loses its slot.

    Example: amsplan unassign AMS-2026-000138 --comment "Kunden flytter"
    """
    _batch(ctx, orders, filter_name, "unassign", comment, dry_run, yes, as_json)


def unlock(
    ctx: typer.Context,
    orders: Orders = None,
    filter_name: Filter = None,
    comment: Annotated[str, typer.Option("--comment", help="Why (kept in the history).")] = "",
    dry_run: DryRun = False,
    yes: Yes = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
    """Back to planning: the booking code is retired, a letter or queued SMS withdrawn;
    the order keeps its technician and time, ready to be changed and locked again.

    Example: amsplan unlock AMS-2026-000138 AMS-2026-000139 --comment "Ny tid"
    """
    _batch(ctx, orders, filter_name, "unlock", comment, dry_run, yes, as_json)


def _batch(ctx, orders, filter_name, name, comment, dry_run, yes, as_json) -> None:
    from amsplan.cli.sms import print_batch
    from amsplan.domain.statuses import Status
    from amsplan.errors import InputError
    from amsplan.services.booking import transition_orders

    c = context(ctx)
    chosen = selection(ctx, orders, filter_name)
    if not chosen:
        raise InputError("name orders, or --filter")
    confirm(f"{name.capitalize()} {len(chosen)} orders?", dry_run, yes)
    done = {"unassign": "unassigned", "unlock": "unlocked"}[name]
    if name == "unassign":  # a held order stays on hold, without its slot
        name = lambda o: "unassign_held" if o.status == Status.ON_HOLD.value else "unassign"  # noqa: E731
    result = transition_orders(c, chosen, name, comment, dry_run=dry_run)
    label = f"would be {done}" if dry_run else done
    print_batch(result, label, as_json, lambda status: c.settings.label(status))


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
    from amsplan import clock
    from amsplan.domain import codes
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
    app.command("move")(move)
    app.command("unassign")(unassign)
    app.command("lock")(lock)
    app.command("unlock")(unlock)

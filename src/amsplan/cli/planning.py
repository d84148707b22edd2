"""amsplan assign, move, unassign, lock, unlock."""

from __future__ import annotations

from typing import Annotated

import typer

from amsplan.cli import transitions
from amsplan.cli.batch import (
    allowed,
    ask_first,
    orders_or_day,
    print_batch,
    refused_json,
    selection,
)
from amsplan.cli.output import console, context, json_code, print_json, table
from amsplan.cli.params import (
    AllowHoliday,
    AllowWeekend,
    Comment,
    Day,
    DryRun,
    Filter,
    Json,
    Orders,
    Tech,
    Yes,
)
from amsplan.i18n import _, ngettext


def print_slots(slots, title: str) -> None:
    out = table("#", _("order"), _("time"), title=title)
    for s in slots:
        out.add_row(str(s.sequence), s.order_no, f"{s.start:%H:%M}-{s.end:%H:%M}")
    console.print(out)


def assign(
    ctx: typer.Context,
    orders: Annotated[
        list[str] | None, typer.Argument(help="Order numbers, in visiting order.")
    ] = None,
    *,
    tech: Annotated[str, typer.Option("--tech", help="Technician id.")],
    date: Annotated[str, typer.Option("--date", help="Day: 2026-04-22 or 22.04.2026.")],
    start: Annotated[str, typer.Option("--start", help="First slot starts.")] = "08:00",
    slot: Annotated[str, typer.Option("--slot", help="Length of each slot: 1h, 90m.")] = "1h",
    filter_name: Filter = None,
    fill: Annotated[
        bool,
        typer.Option("--fill", help="Place in order until the day is full; leave the rest."),
    ] = False,
    allow_weekend: AllowWeekend = False,
    allow_holiday: AllowHoliday = False,
    as_json: Json = False,
) -> None:
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
    from amsplan.i18n import day_label
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
        print_slots(result.placed, f"{tech} {day_label(args[3])}")
        placed = _("placed {n}").format(n=len(result.placed))
        if result.left:
            placed = _("{placed}, left {n} (day full)").format(placed=placed, n=len(result.left))
        console.print(placed)
        return
    slots = planning.assign(*args)
    if as_json:
        print_json(slots)
        return
    print_slots(slots, f"{tech} {day_label(args[3])}")


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
    comment: Comment = "",
    allow_weekend: AllowWeekend = False,
    allow_holiday: AllowHoliday = False,
    dry_run: DryRun = False,
    yes: Yes = False,
    as_json: Json = False,
) -> None:
    """Move a technician's whole day to another technician (and day): a sick technician.

    Each visit keeps its time (or, with --start, they follow one another from that time).
    All or nothing: when a slot is taken, or the day is closed, nothing moves and every
    reason is listed. Customers who already have a time are told (change SMS, or a new
    letter; see docs/calendar.md).

    Example: amsplan move --from-tech T01 --date 2026-04-22 --to-tech T02 --dry-run
    """
    from amsplan import clock
    from amsplan.i18n import day_label
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
    target = f"{to_tech} {day_label(args['to_day'] or day)}"
    question = ngettext(
        "Move {n} visit from {tech} {day} to {target}?",
        "Move {n} visits from {tech} {day} to {target}?",
        len(planned),
    )
    ask_first(
        question.format(n=len(planned), tech=from_tech, day=day_label(day), target=target),
        dry_run,
        yes,
    )
    slots = planned if dry_run else move_day(c, **args)
    if as_json:
        print_json(slots)
        return
    print_slots(slots, target)
    done = _("{n} would move") if dry_run else _("{n} moved")
    console.print(done.format(n=len(slots)))


def lock(
    ctx: typer.Context,
    orders: Orders = None,
    tech: Tech = None,
    date: Day = None,
    filter_name: Filter = None,
    as_json: Json = False,
) -> None:
    """Lock orders, a technician's day, or everybody's day: booking codes, "ready to print".

    Each order needs technician, start, estimate, name, street, postcode and city; the
    ones that lack something are refused with the list (exit code 1), the rest are locked.

    Examples: amsplan lock --tech T01 --date 2026-04-22
              amsplan lock --date 2026-04-22          (every technician's day)
              amsplan lock AMS-2026-000123
    """
    from amsplan.domain import codes
    from amsplan.services.planning import lock as lock_orders

    picked, day = orders_or_day(ctx, orders, filter_name, tech, date, day_required=True)
    result = lock_orders(context(ctx), picked, tech, day)
    print_batch(result, _("locked"), as_json, codes.format_code, moved=result.locked,
                header=_("booking code / reason"), to_json=_lock_json)  # fmt: skip


def _lock_json(result) -> dict:
    """docs/json.md, `amsplan lock`: the locked orders with their codes, the refused."""
    return {
        "locked": [
            {"order_no": order_no, "code": json_code(code)} for order_no, code in result.locked
        ],
        "refused": refused_json(result.refused),
    }


def register(app: typer.Typer) -> None:
    app.command("assign")(assign)
    app.command("move")(move)
    transitions.add(app, "", "unassign")
    app.command("lock")(lock)
    transitions.add(app, "", "unlock")

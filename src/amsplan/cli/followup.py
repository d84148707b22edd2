"""amsplan followup list|send-to-execution|confirm|reschedule|hold|resume|manual."""

from __future__ import annotations

from typing import Annotated

import typer

from amsplan.cli import transitions
from amsplan.cli.batch import allowed, ask_first, chosen
from amsplan.cli.output import console, context, count, print_json, status_text, table, when
from amsplan.cli.params import (
    AllowHoliday,
    AllowWeekend,
    Comment,
    Day,
    DryRun,
    Filter,
    Json,
    OrderList,
    Reason,
    Tech,
    Yes,
)

followup_app = typer.Typer(help="Orders that need a person, and what to do.", no_args_is_help=True)


@followup_app.command("list")
def list_(
    ctx: typer.Context,
    tech: Tech = None,
    date: Day = None,
    reason: Reason = None,
    limit: Annotated[int, typer.Option("--limit", help="Show at most this many.")] = 200,
    as_json: Annotated[bool, typer.Option("--json", help="All of them, as JSON.")] = False,
) -> None:
    """List every order that needs a person, and why, by appointment date.

    Example: amsplan followup list --tech T01 --reason no_answer
    """
    from amsplan import clock
    from amsplan.services.views import followup_page

    c = context(ctx)
    day = clock.parse_date(date, "--date") if date else None
    items, total = followup_page(c, tech, day, reason, None if as_json else limit)
    if as_json:
        print_json(items)
        return
    out = table("order", "customer", "phone", "appointment", "tech", "status", "why")
    for f in items:
        out.add_row(
            f.order_no,
            f.customer_name,
            f.phone,
            when(f.appointment),
            f.technician_id or "",
            status_text(f.status, c.settings),
            f.reason,
        )
    console.print(out)
    shown = f" (the first {limit}; --limit or --json for more)" if total > limit else ""
    console.print(count(total, "order needs", "orders need") + " follow-up" + shown)


transitions.add(followup_app, "followup")


@followup_app.command("reschedule")
def reschedule(
    ctx: typer.Context,
    orders: OrderList = None,
    *,
    date: Annotated[str, typer.Option("--date", help="New day.")],
    start: Annotated[str, typer.Option("--start", help="New start time (of the first).")],
    slot: Annotated[
        str | None, typer.Option("--slot", help="New length (default: as before).")
    ] = None,
    tech: Tech = None,
    comment: Comment = "",
    filter_name: Filter = None,
    allow_weekend: AllowWeekend = False,
    allow_holiday: AllowHoliday = False,
    agreed: Annotated[
        bool,
        typer.Option("--agreed", help="The customer agreed the new time: no change notice."),
    ] = False,
    dry_run: DryRun = False,
    yes: Yes = False,
    as_json: Json = False,
) -> None:
    """Move orders to a new time, one after the other from --start (status and code stay).

    All or nothing: overlaps, closed days and times in the past are refused with the
    reason. The technicians' days are re-sequenced; the old time stays in the timeline;
    an unsent reminder for the old time is withdrawn. A customer who already has a time
    is told of the new one (change SMS, or a new letter without a mobile number), unless
    --agreed (the new time was agreed with the customer, e.g. on the phone). More than
    one order: asks first (--yes for scripts).

    Example: amsplan followup reschedule AMS-2026-000123 --date 2026-04-24 --start 12:00
    """
    from amsplan import clock
    from amsplan.services.planning import reschedule_many

    picked = chosen(ctx, orders, filter_name)
    c = context(ctx)
    args = (
        c,
        picked,
        clock.parse_date(date, "--date"),
        clock.parse_time(start, "--start"),
        clock.parse_duration(slot, "--slot") if slot else None,
        tech,
        comment,
        allowed(allow_weekend, allow_holiday),
    )
    if len(picked) > 1:
        planned = reschedule_many(*args, dry_run=True, agreed=agreed)
        ask_first(f"Reschedule {len(planned)} orders?", dry_run, yes)
    placed = reschedule_many(*args, dry_run=dry_run, agreed=agreed)
    if as_json:
        print_json(placed)
        return
    for p in placed:
        console.print(f"{p.order_no}: {p.start:%d.%m.%Y %H:%M}-{p.end:%H:%M} (#{p.sequence})")
    if len(placed) > 1 or dry_run:
        console.print(f"{len(placed)} {'would be rescheduled' if dry_run else 'rescheduled'}")


def register(app: typer.Typer) -> None:
    app.add_typer(followup_app, name="followup")

"""amsplan followup list|send-to-execution|confirm|reschedule|hold|resume|manual."""

from __future__ import annotations

from typing import Annotated

import typer

from amsplan.cli.output import (
    confirm as ask_first,
)
from amsplan.cli.output import (
    console,
    context,
    count,
    print_json,
    status_text,
    table,
    when,
)
from amsplan.cli.planning import (
    AllowHoliday,
    AllowWeekend,
    Day,
    DryRun,
    Filter,
    Tech,
    Yes,
    allowed,
    selection,
)

followup_app = typer.Typer(help="Orders that need a person, and what to do.", no_args_is_help=True)

OrderList = Annotated[
    list[str] | None, typer.Argument(help="Order numbers (or --filter).", show_default=False)
]
Comment = Annotated[str, typer.Option("--comment", help="Why (kept in the history).")]


@followup_app.command("list")
def list_(
    ctx: typer.Context,
    tech: Tech = None,
    date: Day = None,
    reason: Annotated[
        str | None,
        typer.Option(
            "--reason",
            help="Only orders with this reason among their open ones: reply, no_answer, "
            "sms_failed, cancelled, rejected, failed_visit, changed, hold_passed, manual.",
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="Show at most this many.")] = 200,
    as_json: Annotated[bool, typer.Option("--json", help="All of them, as JSON.")] = False,
):
    """List every order that needs a person, and why, by appointment date.

    Example: amsplan followup list --tech T01 --reason no_answer
    """
    from amsplan import clock
    from amsplan.domain.followups import FollowupKind
    from amsplan.errors import InputError
    from amsplan.services.views import followup_list

    if reason and reason not in FollowupKind.__members__.values():
        raise InputError(f"--reason {reason!r}: use one of {', '.join(FollowupKind)}")
    c = context(ctx)
    items = followup_list(c, tech, clock.parse_date(date, "--date") if date else None, reason)
    if as_json:
        print_json(items)
        return
    out = table("order", "customer", "phone", "appointment", "tech", "status", "why")
    for f in items[:limit]:
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
    shown = f" (the first {limit}; --limit or --json for more)" if len(items) > limit else ""
    console.print(count(len(items), "order needs", "orders need") + " follow-up" + shown)


def run_transition(
    ctx: typer.Context,
    orders: list[str] | None,
    name: str,
    comment: str,
    filter_name: str | None = None,
    **params,
):
    """Apply one transition to each order and print moved and refused (exit 1 if any)."""
    from amsplan.cli.sms import print_batch
    from amsplan.services.booking import transition_orders

    c = context(ctx)
    orders = selection(ctx, orders, filter_name) or []
    result = transition_orders(c, orders, name, comment, **params)
    print_batch(result, "moved", False, lambda status: c.settings.label(status))


@followup_app.command("send-to-execution")
def send_to_execution(
    ctx: typer.Context, orders: OrderList = None, comment: Comment = "", filter_name: Filter = None
):
    """The time is agreed with the customer (e.g. by phone, or "Ok!!"): ready for execution.

    Example: amsplan followup send-to-execution AMS-2026-000123 --comment "Ringt, passer fint"
    """
    run_transition(ctx, orders, "send_to_execution", comment, filter_name)


@followup_app.command("confirm")
def confirm(
    ctx: typer.Context, orders: OrderList = None, comment: Comment = "", filter_name: Filter = None
):
    """Ready for execution, and a booking confirmation SMS to the customer.

    Example: amsplan followup confirm AMS-2026-000123
    """
    run_transition(ctx, orders, "confirm_sms", comment, filter_name)


@followup_app.command("manual")
def manual(
    ctx: typer.Context, orders: OrderList = None, comment: Comment = "", filter_name: Filter = None
):
    """Stop waiting for a reply: the orders go to manual follow-up.

    Example: amsplan followup manual AMS-2026-000123 --comment "Ringer kunden selv"
    """
    run_transition(ctx, orders, "follow_up_manually", comment, filter_name)


@followup_app.command("hold")
def hold(
    ctx: typer.Context,
    orders: OrderList = None,
    until: Annotated[
        str, typer.Option("--until", help="Approximate date the customer is back.")
    ] = ...,
    unassign: Annotated[
        bool, typer.Option("--unassign", help="Take the order off the technician.")
    ] = False,
    comment: Comment = "",
    filter_name: Filter = None,
):
    """Put orders on hold until about a date (unsent reminders are withdrawn).

    Example: amsplan followup hold AMS-2026-000123 --until 2026-06-01 --unassign
    """
    from amsplan import clock

    day = clock.parse_date(until, "--until")
    note = comment or f"På vent til ca. {day:%d.%m.%Y}"
    run_transition(ctx, orders, "hold", note, filter_name, until=day, unassign=unassign)


@followup_app.command("resume")
def resume(
    ctx: typer.Context, orders: OrderList = None, comment: Comment = "", filter_name: Filter = None
):
    """Take orders off hold: back to planning.

    Example: amsplan followup resume AMS-2026-000123
    """
    run_transition(ctx, orders, "resume", comment, filter_name)


@followup_app.command("reschedule")
def reschedule(
    ctx: typer.Context,
    orders: OrderList = None,
    date: Annotated[str, typer.Option("--date", help="New day.")] = ...,
    start: Annotated[str, typer.Option("--start", help="New start time (of the first).")] = ...,
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
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
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
    from amsplan.errors import InputError
    from amsplan.services.planning import reschedule_many

    chosen = selection(ctx, orders, filter_name) or []
    if not chosen:
        raise InputError("name orders, or --filter")
    c = context(ctx)
    args = (
        c,
        chosen,
        clock.parse_date(date, "--date"),
        clock.parse_time(start, "--start"),
        clock.parse_duration(slot, "--slot") if slot else None,
        tech,
        comment,
        allowed(allow_weekend, allow_holiday),
    )
    if len(chosen) > 1:
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

"""amsplan followup list|send-to-execution|confirm|reschedule|hold|resume|manual."""

from __future__ import annotations

from typing import Annotated

import typer

from amsplan.cli import transitions
from amsplan.cli.batch import allowed, ask_first, chosen
from amsplan.cli.output import console, context, print_json, status_text, table, when
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
from amsplan.i18n import _, ngettext

followup_app = typer.Typer(help="Orders that need a person, and what to do.", no_args_is_help=True)


@followup_app.command("list")
def list_(
    ctx: typer.Context,
    tech: Tech = None,
    date: Day = None,
    reason: Reason = None,
    limit: Annotated[
        int, typer.Option("--limit", help="Show at most this many (the table only).")
    ] = 200,
    as_json: Annotated[
        bool, typer.Option("--json", help="Every one of them, as JSON for scripts (docs/json.md).")
    ] = False,
) -> None:
    """List every order that needs a person, and why, by appointment date.

    Example: amsplan followup list --tech T01 --reason failed_visit
    """
    from amsplan import clock
    from amsplan.services.views import followup_page

    c = context(ctx)
    day = clock.parse_date(date, "--date") if date else None
    items, total = followup_page(c, tech, day, reason, None if as_json else limit)
    if as_json:
        labels = {s: c.settings.label(s) for s in {f.status for f in items}}  # one per status
        print_json([{
            "order_no": f.order_no, "customer_name": f.customer_name, "phone": f.phone,
            "status": f.status, "status_label": labels[f.status],
            "technician_id": f.technician_id, "appointment": f.appointment, "kind": f.kind,
            "reason": f.reason, "since": f.since, "kinds": f.kinds,
        } for f in items])  # fmt: skip
        return
    out = table(_("order"), _("customer"), _("phone"), _("appointment"), _("tech"),
                _("status"), _("why"))  # fmt: skip
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
    needs = ngettext("{n} order needs follow-up", "{n} orders need follow-up", total)
    shown = needs.format(n=total)
    if total > limit:
        shown = _("{shown} (the first {limit}; --limit or --json for more)").format(
            shown=shown, limit=limit
        )
    console.print(shown)


transitions.add(followup_app, "followup")


@followup_app.command("reschedule")
def reschedule(
    ctx: typer.Context,
    orders: OrderList = None,
    *,
    date: Annotated[str, typer.Option("--date", help="New day: 2026-04-24 or 24.04.2026.")],
    start: Annotated[
        str, typer.Option("--start", help="New start time, 12:00 (of the first order).")
    ],
    slot: Annotated[
        str | None, typer.Option("--slot", help="New length, 1h or 90m (default: as before).")
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
        ask_first(_("Reschedule {n} orders?").format(n=len(planned)), dry_run, yes)
    placed = reschedule_many(*args, dry_run=dry_run, agreed=agreed)
    if as_json:
        print_json(placed)
        return
    for p in placed:
        console.print(f"{p.order_no}: {p.start:%d.%m.%Y %H:%M}-{p.end:%H:%M} (#{p.sequence})")
    if len(placed) > 1 or dry_run:
        done = _("{n} would be rescheduled") if dry_run else _("{n} rescheduled")
        console.print(done.format(n=len(placed)))


def register(app: typer.Typer) -> None:
    app.add_typer(followup_app, name="followup")

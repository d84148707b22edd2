"""amsplan orders import|show."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from amsplan.cli import transitions
from amsplan.cli.batch import ask_first, chosen
from amsplan.cli.output import (
    console,
    context,
    local_when,
    print_json,
    status_text,
    styled,
    table,
    when,
)
from amsplan.cli.params import (
    CountOnly,
    Filter,
    Json,
    Municipality,
    OrderList,
    Postcode,
    Sort,
    Stage,
    Tech,
    Yes,
)

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
    as_json: Json = False,
) -> None:
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
    kind = "xlsx" if result.encoding == "xlsx" else f"{result.encoding}, '{result.delimiter}'"
    console.print(
        f"{file.name} ({kind}): {result.created} new, "
        f"{result.updated} updated, {result.unchanged} unchanged"
        + (
            f", {result.changed_after_booking} changed after booking"
            if result.changed_after_booking
            else ""
        )
        + (
            f", {result.invalid} invalid rows written to {result.rejects_file}"
            if result.invalid
            else ""
        )
    )
    if result.changed_after_booking:
        console.print(
            styled(f"{result.changed_after_booking} booked orders changed", "yellow"),
            "(name, address, phone or e-mail): recorded in their timelines and put into "
            "follow-up; see amsplan followup list --reason changed",
        )
    if result.purged_kept:
        console.print(
            styled(f"{result.purged_kept} purged orders:", "yellow"),
            "personal data not restored",
        )
    if result.ignored_columns:
        console.print(styled("Ignored columns:", "yellow"), ", ".join(result.ignored_columns))
    if result.invalid:
        raise typer.Exit(1)


@orders_app.command("show")
def show(
    ctx: typer.Context,
    order_no: Annotated[str, typer.Argument(help="Order number.")],
    as_json: Json = False,
) -> None:
    """Show one order with its full timeline (transitions, comments, letters, replies, SMS).

    Example: amsplan orders show AMS-2026-000123
    """
    from amsplan import clock
    from amsplan.domain import codes
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
        ("E-mail", o.email),
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
        out.add_row(local_when(e.at, c.settings), e.kind, e.actor, e.text)
    console.print(out)


transitions.add(orders_app, "orders")


@orders_app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[
        list[str] | None,
        typer.Option("--status", help="Status key or label, e.g. open or Åpen (repeat)."),
    ] = None,
    tech: Tech = None,
    start: Annotated[str | None, typer.Option("--from", help="Appointments from this day.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Appointments to this day.")] = None,
    stage: Stage = None,
    municipality: Municipality = None,
    postcode: Postcode = None,
    important: Annotated[
        bool | None, typer.Option("--important/--not-important", help="Flag important info.")
    ] = None,
    difficult: Annotated[
        bool | None, typer.Option("--difficult/--not-difficult", help="Flag difficult meter.")
    ] = None,
    cancelled: Annotated[
        bool | None, typer.Option("--cancelled/--not-cancelled", help="Cancelled upstream.")
    ] = None,
    failed: Annotated[
        bool | None, typer.Option("--failed-visit/--no-failed-visit", help="Failed visits.")
    ] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Responsible planner.")] = None,
    text: Annotated[
        str | None,
        typer.Option("--text", help="In the customer's name, address, phone or e-mail address."),
    ] = None,
    code: Annotated[str | None, typer.Option("--code", help="A booking code.")] = None,
    meter_point: Annotated[str | None, typer.Option("--meter-point", help="Målepunkt-ID.")] = None,
    filter_name: Filter = None,
    save_as: Annotated[
        str | None, typer.Option("--save-as", help="Save this search as a named filter.")
    ] = None,
    sort: Sort = "appointment",
    limit: Annotated[int, typer.Option("--limit", help="Show at most this many.")] = 500,
    as_json: Annotated[bool, typer.Option("--json", help="JSON on standard output.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV on standard output.")] = False,
    output: Annotated[
        Path | None, typer.Option("--output", help="Write all matches to a .csv/.json/.xlsx file.")
    ] = None,
):
    """Search orders: by status, technician, dates, stage, municipality, postcode, flags,
    name, address, phone or e-mail, booking code or meter point; sorted; paged on a terminal.

    Example: amsplan orders list --status manual_followup --stage "Etappe 1" --save-as "E1 oppf"
    """
    import sys

    from amsplan import clock
    from amsplan.services.search import OrderFilter, save_filter, search, show_filter

    c = context(ctx)
    wanted = OrderFilter(
        status=[c.settings.parse_status(s).value for s in status or []],
        tech=tech,
        date_from=clock.parse_date(start, "--from") if start else None,
        date_to=clock.parse_date(end, "--to") if end else None,
        stage=stage, municipality=municipality, postcode=postcode, important=important,
        difficult=difficult, cancelled=cancelled, failed_visit=failed, owner=owner, text=text,
        code=code, meter_point=meter_point,
    )  # fmt: skip
    if filter_name:
        wanted = show_filter(c, filter_name).merged(wanted)
    if save_as:
        save_filter(c, save_as, wanted)
        console.print(f"Saved filter {save_as!r}: {wanted.describe()}")
    everything = as_json or as_csv or output is not None
    orders, total = search(c, wanted, sort, None if everything else limit)
    if output is not None or as_csv:
        _write_orders(c, orders, output)
        if output is not None:
            console.print(f"{total} orders in {output}")
        return
    if as_json:
        print_json([_row(c, o) for o in orders])
        return
    out = table("order", "status", "appointment", "tech", "customer", "address", "flags")
    for o in orders:
        r = _row(c, o)
        out.add_row(o.order_no, status_text(o.status, c.settings), when(r["appointment"]),
                    o.technician_id or "", o.customer_name, r["address"], r["flags"])  # fmt: skip
    more = f" (showing {len(orders)}; --limit for more)" if total > len(orders) else ""
    footer = f"{total} orders match: {wanted.describe()}{more}"
    if sys.stdout.isatty() and len(orders) > console.height - 8:
        with console.pager(styles=True):
            console.print(out)
            console.print(footer)
    else:
        console.print(out)
        console.print(footer)


def _row(c, o) -> dict:
    from amsplan import clock
    from amsplan.domain import codes

    flags = " ".join(
        label for flag, label in ((o.important_info, "viktig"), (o.difficult_meter, "vanskelig"),
                                  (o.cancelled, "kansellert"), (o.no_sms, "ikke-SMS")) if flag
    )  # fmt: skip
    return {
        "order_no": o.order_no, "status": o.status, "status_label": c.settings.label(o.status),
        "technician_id": o.technician_id,
        "appointment": clock.to_local(o.planned_start, c.settings.tz) if o.planned_start else None,
        "estimate_minutes": o.estimate_minutes, "sequence": o.booking_seq,
        "customer_name": o.customer_name, "address": f"{o.street}, {o.postcode} {o.city}",
        "phone": o.phone, "email": o.email, "stage": o.stage, "municipality_no": o.municipality_no,
        "meter_point_id": o.meter_point_id, "meter_number": o.meter_number,
        "booking_code": codes.format_code(o.booking_code) if o.booking_code else "",
        "owner": o.owner, "flags": flags, "resolution": o.resolution,
    }  # fmt: skip


def _write_orders(c, orders, output: Path | None) -> None:
    import sys

    from amsplan.adapters.writers import format_for, write_rows

    rows = [_row(c, o) for o in orders]
    columns = list(rows[0]) if rows else list(_EMPTY_ROW)
    values = [[r[k] for k in columns] for r in rows]
    if output is None:  # --csv: standard output
        import csv

        from amsplan.adapters.writers import neutralise

        writer = csv.writer(sys.stdout, delimiter=";")
        writer.writerow(columns)
        for row in values:
            writer.writerow([neutralise(v) for v in row])
        return
    write_rows(output, columns, values, format_for(output, None))


_EMPTY_ROW = (
    "order_no", "status", "status_label", "technician_id", "appointment", "estimate_minutes",
    "sequence", "customer_name", "address", "phone", "email", "stage", "municipality_no",
    "meter_point_id", "meter_number", "booking_code", "owner", "flags", "resolution",
)  # fmt: skip


@orders_app.command("edit")
def edit(
    ctx: typer.Context,
    order_no: Annotated[str, typer.Argument(help="Order number.")],
    description: Annotated[str | None, typer.Option("--description")] = None,
    phone: Annotated[str | None, typer.Option("--phone")] = None,
    email: Annotated[
        str | None, typer.Option("--email", help='E-mail address ("" removes it).')
    ] = None,
    no_sms: Annotated[
        bool | None, typer.Option("--no-sms/--sms", help="The customer does not want SMS.")
    ] = None,
    important: Annotated[
        bool | None, typer.Option("--important/--not-important", help="Important info.")
    ] = None,
    difficult: Annotated[
        bool | None, typer.Option("--difficult/--not-difficult", help="Difficult meter.")
    ] = None,
):
    """Change an order's description, phone, e-mail address, "no SMS", "important info",
    "difficult meter".

    Every change is kept in the order's timeline.

    Example: amsplan orders edit AMS-2026-000123 --phone "412 34 567" --no-sms --important
    """
    from amsplan.services.orders import edit_order

    done = edit_order(
        context(ctx), order_no, description=description, phone=phone, email=email, no_sms=no_sms,
        important_info=important, difficult_meter=difficult,
    )  # fmt: skip
    console.print("; ".join(done) if done else "Nothing changed")


@orders_app.command("comment")
def comment(
    ctx: typer.Context,
    order_no: Annotated[str, typer.Argument(help="Order number.")],
    text: Annotated[str, typer.Argument(help="The comment.")],
):
    """Add a comment to an order's timeline.

    Example: amsplan orders comment AMS-2026-000123 "Kunden ringte, ønsker formiddag"
    """
    from amsplan.services.orders import comment_order

    comment_order(context(ctx), order_no, text)
    console.print(f"Comment added to {order_no}")


@orders_app.command("set-owner")
def set_owner(
    ctx: typer.Context,
    owner: Annotated[str, typer.Argument(help="The responsible planner.")],
    orders: OrderList = None,
    filter_name: Filter = None,
    dry_run: CountOnly = False,
    yes: Yes = False,
) -> None:
    """Make a planner responsible for orders (by order numbers or --filter).

    Example: amsplan orders set-owner kari --filter "Alle ordre til manuell oppfølging" --yes
    """
    from amsplan.services.orders import set_owner as assign_owner

    c = context(ctx)
    picked = chosen(ctx, orders, filter_name)
    changing = assign_owner(c, picked, owner, dry_run=True)
    if dry_run:
        console.print(f"{changing} of {len(picked)} orders would get {owner} as responsible")
        return
    if changing:
        ask_first(f"Make {owner} responsible for {changing} orders?", yes=yes)
    changed = assign_owner(c, picked, owner)
    console.print(f"{owner} is responsible for {changed} more orders")


def register(app: typer.Typer) -> None:
    app.add_typer(orders_app, name="orders")

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
    json_code,
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
from amsplan.i18n import N_, _, ngettext, pgettext

orders_app = typer.Typer(
    help="Work orders: import, list and find, show, edit, comment, responsible planner.",
    no_args_is_help=True,
)


@orders_app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV or .xlsx export from the customer system.")],
    skip_invalid: Annotated[
        bool,
        typer.Option("--skip-invalid", help="Import the good rows; write the bad ones to a file."),
    ] = False,
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects", help="Where --skip-invalid writes the bad rows (default: beside FILE)."
        ),
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
        _("{file} ({kind}): {created} new, {updated} updated, {unchanged} unchanged").format(
            file=file.name,
            kind=kind,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
        )  # fmt: skip
        + (
            _(", {n} changed after booking").format(n=result.changed_after_booking)
            if result.changed_after_booking
            else ""
        )
        + (
            _(", {n} invalid rows written to {file}").format(
                n=result.invalid, file=result.rejects_file
            )
            if result.invalid
            else ""
        )
    )
    if result.changed_after_booking:
        n = result.changed_after_booking
        console.print(
            styled(
                ngettext("{n} booked order changed", "{n} booked orders changed", n).format(n=n),
                "yellow",
            ),
            _(
                "(name, address, phone or e-mail): recorded in their timelines and put into "
                "follow-up; see amsplan followup list --reason changed"
            ),
        )
    if result.purged_kept:
        n = result.purged_kept
        console.print(
            styled(ngettext("{n} purged order:", "{n} purged orders:", n).format(n=n), "yellow"),
            _("personal data not restored"),
        )
    if result.ignored_columns:
        console.print(styled(_("Ignored columns:"), "yellow"), ", ".join(result.ignored_columns))
    if result.invalid:
        raise typer.Exit(1)


@orders_app.command("show")
def show(
    ctx: typer.Context,
    order_no: Annotated[str, typer.Argument(help="Order number (or its unique end).")],
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
        from amsplan.cli.records import record, utc

        data = record(o, exclude={"search_text"}, booking_code=json_code(o.booking_code))
        data["status_label"] = c.settings.label(o.status)
        data["planned_start_local"] = data["planned_start"]
        data["timeline"] = [
            {
                "at": utc(e.at),
                "kind": e.kind,
                "actor": e.actor,
                "text": e.text,
                "transition": e.transition,
            }
            for e in detail.timeline
        ]
        print_json(data)
        return
    console.print(styled(o.order_no, "bold"), " ", status_text(o.status, c.settings))
    appointment = ""
    if start:
        appointment = _("{when} ({minutes} min, #{sequence})").format(
            when=when(start), minutes=o.estimate_minutes, sequence=o.booking_seq
        )
    phone = o.phone + (_(" (mobile {mobile})").format(mobile=o.mobile) if o.mobile else "")
    technician = f"{o.technician_id} {detail.technician.name}" if detail.technician else ""
    rows = [
        (_("Customer"), o.customer_name), (_("Address"), f"{o.street}, {o.postcode} {o.city}"),
        (_("Phone"), phone), (_("E-mail"), o.email),
        (_("Meter point"), o.meter_point_id), (_("Meter"), o.meter_number),
        (_("Stage"), o.stage), (_("Municipality"), o.municipality_no),
        (_("Technician"), technician), (_("Appointment"), appointment),
        (_("Booking code"), codes.format_code(o.booking_code) if o.booking_code else ""),
        (_("Follow-up"), o.followup_reason or ""), (_("Description"), o.description),
    ]  # fmt: skip
    width = max(len(label) for label, _value in rows) + 2
    for label, value in rows:
        if value:
            console.print(styled(f"  {label:<{width}}", "dim"), value)
    out = table(_("when"), _("what"), _("who"), _("detail"), title=_("Timeline"))
    kinds = _timeline_kinds()
    for e in detail.timeline:
        out.add_row(local_when(e.at, c.settings), kinds.get(e.kind, e.kind), e.actor, e.text)
    console.print(out)


def _timeline_kinds() -> dict[str, str]:
    """The timeline's "what" column in the planner's words (the key stays in JSON)."""
    return {
        "status": pgettext("timeline", "status"), "letter": pgettext("timeline", "letter"),
        "reply": pgettext("timeline", "reply"), "sms": pgettext("timeline", "SMS"),
        "return": pgettext("timeline", "return"),
        "upstream": pgettext("timeline", "meter data"),
        "note": pgettext("timeline", "note"), "edit": pgettext("timeline", "edit"),
        "owner": pgettext("timeline", "responsible"),
        "handled": pgettext("timeline", "handled"), "import": pgettext("timeline", "import"),
        "email": pgettext("timeline", "e-mail"),
        "email_failed": pgettext("timeline", "e-mail failed"),
        "sms_failed": pgettext("timeline", "SMS failed"),
        "schedule": pgettext("timeline", "schedule"),
        "privacy": pgettext("timeline", "privacy"),
    }  # fmt: skip


transitions.add(orders_app, "orders")


@orders_app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[
        list[str] | None,
        typer.Option("--status", help="Status key or label, e.g. open or Åpen (repeat)."),
    ] = None,
    tech: Tech = None,
    start: Annotated[
        str | None, typer.Option("--from", help="Appointments from this day (2026-04-22).")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Appointments to this day (2026-04-24).")
    ] = None,
    stage: Stage = None,
    municipality: Municipality = None,
    postcode: Postcode = None,
    important: Annotated[
        bool | None,
        typer.Option("--important/--not-important", help="With (or without) important info."),
    ] = None,
    difficult: Annotated[
        bool | None,
        typer.Option("--difficult/--not-difficult", help="With (or without) a difficult meter."),
    ] = None,
    cancelled: Annotated[
        bool | None,
        typer.Option("--cancelled/--not-cancelled", help="Cancelled upstream (or not)."),
    ] = None,
    failed: Annotated[
        bool | None,
        typer.Option("--failed-visit/--no-failed-visit", help="With (or without) a failed visit."),
    ] = None,
    owner: Annotated[
        str | None, typer.Option("--owner", help="Responsible planner (orders set-owner).")
    ] = None,
    text: Annotated[
        str | None,
        typer.Option("--text", help="In the customer's name, address, phone or e-mail address."),
    ] = None,
    code: Annotated[
        str | None, typer.Option("--code", help="A booking code the order has or had.")
    ] = None,
    meter_point: Annotated[
        str | None, typer.Option("--meter-point", help="Meter point id (18 digits).")
    ] = None,
    filter_name: Filter = None,
    save_as: Annotated[
        str | None, typer.Option("--save-as", help="Save this search as a named filter.")
    ] = None,
    sort: Sort = "appointment",
    limit: Annotated[
        int, typer.Option("--limit", help="Show at most this many on the terminal.")
    ] = 500,
    as_json: Annotated[
        bool, typer.Option("--json", help="Every match as JSON for scripts (docs/json.md).")
    ] = False,
    as_csv: Annotated[
        bool, typer.Option("--csv", help="Every match as CSV on standard output (English keys).")
    ] = False,
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
    described = wanted.describe(c.settings.label)
    if save_as:
        save_filter(c, save_as, wanted)
        console.print(
            _("Saved filter {name!r}: {criteria}").format(name=save_as, criteria=described)
        )
    everything = as_json or as_csv or output is not None
    orders, total = search(c, wanted, sort, None if everything else limit)
    flags = _flag_words()
    if output is not None or as_csv:
        _write_orders(c, orders, output, flags)
        if output is not None:
            console.print(
                ngettext("{n} order in {file}", "{n} orders in {file}", total).format(
                    n=total, file=output
                )
            )
        return
    if as_json:
        print_json([_row(c, o, flags) for o in orders])
        return
    out = table(_("order"), _("status"), _("appointment"), _("technician"), _("customer"),
                _("address"), _("flags"))  # fmt: skip
    for o in orders:
        r = _row(c, o, flags)
        out.add_row(o.order_no, status_text(o.status, c.settings), when(r["appointment"]),
                    o.technician_id or "", o.customer_name, r["address"], r["flags"])  # fmt: skip
    footer = ngettext("{n} order matches: {criteria}", "{n} orders match: {criteria}", total)
    footer = footer.format(n=total, criteria=described)
    if total > len(orders):
        footer += _(" (showing {n}; --limit for more)").format(n=len(orders))
    if sys.stdout.isatty() and len(orders) > console.height - 8:
        with console.pager(styles=True):
            console.print(out)
            console.print(footer)
    else:
        console.print(out)
        console.print(footer)


def _flag_words() -> tuple[str, str, str, str]:
    """The flags column's words (important, difficult, cancelled, no SMS), once a command."""
    return _("important"), _("difficult"), _("cancelled"), _("no SMS")


def _row(c, o, flag_words: tuple[str, str, str, str]) -> dict:
    from amsplan import clock

    flags = " ".join(
        word for flag, word in zip((o.important_info, o.difficult_meter, o.cancelled, o.no_sms),
                                   flag_words, strict=True) if flag
    )  # fmt: skip
    return {
        "order_no": o.order_no, "status": o.status, "status_label": c.settings.label(o.status),
        "technician_id": o.technician_id,
        "appointment": clock.to_local(o.planned_start, c.settings.tz) if o.planned_start else None,
        "estimate_minutes": o.estimate_minutes, "sequence": o.booking_seq,
        "customer_name": o.customer_name, "address": f"{o.street}, {o.postcode} {o.city}",
        "phone": o.phone, "email": o.email, "stage": o.stage, "municipality_no": o.municipality_no,
        "meter_point_id": o.meter_point_id, "meter_number": o.meter_number,
        "booking_code": json_code(o.booking_code),
        "owner": o.owner, "flags": flags, "resolution": o.resolution,
    }  # fmt: skip


def _write_orders(c, orders, output: Path | None, flags: tuple[str, str, str, str]) -> None:
    """--csv (standard output, for scripts: the JSON keys as headers) or --output: a .csv
    or .xlsx file for people has the headers in the planner's language, .json the keys."""
    import sys

    from amsplan.adapters.writers import format_for, write_rows

    columns = list(_COLUMNS)
    values = [[r[k] for k in columns] for r in (_row(c, o, flags) for o in orders)]
    if output is None:  # --csv: standard output
        import csv

        from amsplan.adapters.writers import neutralise

        writer = csv.writer(sys.stdout, delimiter=";")
        writer.writerow(columns)
        for row in values:
            writer.writerow([neutralise(v) for v in row])
        return
    fmt = format_for(output, None)
    headers = columns if fmt == "json" else [_(_COLUMNS[k]) for k in columns]
    write_rows(output, headers, values, fmt)


# The columns of `orders list --csv/--output` (the JSON keys) and their headers for people.
_COLUMNS = {
    "order_no": N_("Order"), "status": N_("Status"), "status_label": N_("Status label"),
    "technician_id": N_("Technician"), "appointment": N_("Appointment"),
    "estimate_minutes": N_("Minutes"), "sequence": N_("Sequence"),
    "customer_name": N_("Customer"), "address": N_("Address"), "phone": N_("Phone"),
    "email": N_("E-mail"), "stage": N_("Stage"), "municipality_no": N_("Municipality"),
    "meter_point_id": N_("Meter point"), "meter_number": N_("Meter"),
    "booking_code": N_("Booking code"), "owner": N_("Responsible"), "flags": N_("Flags"),
    "resolution": N_("Resolution"),
}  # fmt: skip


@orders_app.command("edit")
def edit(
    ctx: typer.Context,
    order_no: Annotated[str, typer.Argument(help="Order number.")],
    description: Annotated[
        str | None, typer.Option("--description", help="The order's description (free text).")
    ] = None,
    phone: Annotated[
        str | None, typer.Option("--phone", help="The customer's phone number.")
    ] = None,
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
    console.print("; ".join(done) if done else _("Nothing changed"))


@orders_app.command("comment")
def comment(
    ctx: typer.Context,
    order_no: Annotated[str, typer.Argument(help="Order number.")],
    text: Annotated[str, typer.Argument(help="The comment (kept in the timeline).")],
):
    """Add a comment to an order's timeline.

    Example: amsplan orders comment AMS-2026-000123 "Kunden ringte, ønsker formiddag"
    """
    from amsplan.services.orders import comment_order

    comment_order(context(ctx), order_no, text)
    console.print(_("Comment added to {order}").format(order=order_no))


@orders_app.command("set-owner")
def set_owner(
    ctx: typer.Context,
    owner: Annotated[str, typer.Argument(help="The responsible planner (a login or name).")],
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
        console.print(
            ngettext(
                "{changing} of {n} order would get {owner} as responsible",
                "{changing} of {n} orders would get {owner} as responsible",
                len(picked),
            ).format(changing=changing, n=len(picked), owner=owner)
        )
        return
    if changing:
        question = ngettext(
            "Make {owner} responsible for {n} order?", "Make {owner} responsible for {n} orders?",
            changing,
        )  # fmt: skip
        ask_first(question.format(owner=owner, n=changing), yes=yes)
    changed = assign_owner(c, picked, owner)
    console.print(
        ngettext(
            "{owner} is responsible for {n} more order",
            "{owner} is responsible for {n} more orders",
            changed,
        ).format(owner=owner, n=changed)
    )


def register(app: typer.Typer) -> None:
    app.add_typer(orders_app, name="orders")

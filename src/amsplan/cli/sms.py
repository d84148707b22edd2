"""amsplan sms book|send|export|dispatch|list."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from amsplan.cli.batch import orders_or_day, print_batch, set_clock
from amsplan.cli.output import console, context, err_console, local_when, print_json, table, when
from amsplan.cli.params import Day, Filter, Json, Now, Orders, SmsStatus, Tech
from amsplan.i18n import _, ngettext, pgettext

sms_app = typer.Typer(help="SMS: booking by SMS, free text, the outbox.", no_args_is_help=True)


@sms_app.command("book")
def book(
    ctx: typer.Context,
    orders: Orders = None,
    tech: Tech = None,
    date: Day = None,
    filter_name: Filter = None,
    as_json: Json = False,
) -> None:
    """Book by SMS: booking code and booking SMS for planned orders; they then await a reply.

    An order without a valid mobile number, or whose customer does not want SMS, is not
    moved: it gets a comment, shows in `followup list`, and the exit code is 1.

    Examples: amsplan sms book --tech T01 --date 2026-04-22
              amsplan sms book AMS-2026-000123
    """
    from amsplan.domain import codes
    from amsplan.services.booking import book_by_sms

    picked, day = orders_or_day(ctx, orders, filter_name, tech, date)
    result = book_by_sms(context(ctx), picked, tech, day)
    if as_json:
        print_json(
            {
                "booked": [{"order_no": o, "code": codes.format_code(c)} for o, c in result.moved],
                "refused": [{"order_no": o, "reason": why} for o, why in result.refused],
            }
        )
        if result.refused:
            raise typer.Exit(1)
        return
    print_batch(result, _("booked"), False, codes.format_code, header=_("code"))


@sms_app.command("send")
def send(
    ctx: typer.Context,
    order: Annotated[str, typer.Argument(help="Order number.")],
    text: Annotated[str, typer.Argument(help="The message.")],
) -> None:
    """Queue a free-text SMS to the customer (kept in the order's comments).

    Example: amsplan sms send AMS-2026-000123 "Montøren er forsinket ca. 30 minutter."
    """
    from amsplan import clock
    from amsplan.services.outbox import send_free_text

    c = context(ctx)
    message = send_free_text(c, order, text)
    due = clock.to_local(message.due_at, c.settings.tz)
    console.print(
        _("Queued SMS {id} to {to}, to be sent from {time}").format(
            id=message.id, to=message.to, time=when(due)
        )
    )


@sms_app.command("export")
def export(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="CSV file for the SMS provider, or a folder (one file a batch).")
    ],
    again: Annotated[
        str | None, typer.Option("--again", help="Write an exported batch again.")
    ] = None,
    now: Now = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    as_json: Json = False,
) -> None:
    """Write the due messages to a file for the SMS provider; each is exported once.

    Messages wait for the sending window (\\[sms] send_from, send_until): outside it nothing
    is written. Give a folder to get one file per batch (sms-BATCH.csv); an existing file
    is not overwritten.

    Examples: amsplan sms export /var/spool/sms/ut/
              amsplan sms export again.csv --again 20260415-093000-1a2b3c
    """
    from amsplan.services.outbox import export as export_sms

    c = context(ctx)
    set_clock(c, now)
    result = export_sms(c, file, again, force)
    if as_json:
        print_json(result)
    elif result.count:
        console.print(
            ngettext(
                "{n} message in {file} (batch {batch})",
                "{n} messages in {file} (batch {batch})",
                result.count,
            ).format(n=result.count, file=result.file, batch=result.batch)
        )
    else:
        console.print(_("No messages due; nothing written"))


@sms_app.command("dispatch")
def dispatch(
    ctx: typer.Context,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Send at most this many messages.")
    ] = None,
    as_json: Json = False,
) -> None:
    """Send the due messages through the SMS provider (sms.provider); run it from cron.

    Nothing goes out in quiet hours (outside sms.send_from-send_until). Each message is
    sent at most once: a message left "sending" (a run died, or the provider did not
    answer) is looked up at the provider by a later run, or shown as unknown for a
    person (`sms list --status unknown`). With provider "file" (the default) the due
    messages are written to the sms.file folder as `sms export` does. Exit code 1 when
    a message failed or is unknown, so cron mails someone. It always runs on the real
    clock (no --now): claims and look-ups are compared with other runs and the provider.

    Example (crontab, every 5 minutes): */5 * * * * amsplan sms dispatch
    """
    from amsplan.services.dispatch import dispatch as send_due

    c = context(ctx)
    if sys.stderr.isatty() and not as_json:
        from rich.progress import Progress

        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("SMS", total=None)
            result = send_due(
                c, limit, lambda done, total: bar.update(task, completed=done, total=total)
            )
    else:
        result = send_due(c, limit)
    if as_json:
        print_json({**asdict(result), "ok": result.ok})
    elif result.provider == "file":
        n = result.exported
        if result.file:
            said = ngettext(
                "Provider file: {n} message in {file}", "Provider file: {n} messages in {file}", n
            )
        else:
            said = ngettext(
                "Provider file: {n} message; nothing written",
                "Provider file: {n} messages; nothing written",
                n,
            )
        console.print(said.format(n=n, file=result.file))
    else:
        states = sms_states()
        parts = [
            f"{result.sent} {states['sent']}",
            f"{result.failed} {states['failed']}",
            f"{result.unknown} {states['unknown']}",
        ]
        for n, word in (
            (result.withdrawn, states["withdrawn"]),
            (result.requeued, _("queued again")),
            (result.unsettled, _("still sending (next run)")),
        ):
            if n:
                parts.append(f"{n} {word}")
        console.print(
            _("Provider {provider}: {counts}").format(
                provider=result.provider, counts=", ".join(parts)
            )
        )
    if not result.ok:
        # On stderr too: cron mails what reaches stderr (the crontab drops stdout).
        err_console.print(
            _(
                "sms dispatch: {failed} failed, {unknown} unknown, {sending} still sending:"
                " amsplan sms list --status failed|unknown"
            ).format(failed=result.failed, unknown=result.unknown, sending=result.unsettled)
        )
        raise typer.Exit(1)


@sms_app.command("list")
def list_(
    ctx: typer.Context,
    status: SmsStatus = None,
    order: Annotated[str | None, typer.Option("--order", help="Only this order.")] = None,
    as_json: Json = False,
) -> None:
    """List messages in the outbox, newest first.

    Examples: amsplan sms list --status queued
              amsplan sms list --status unknown   (sent or not? ask the provider's portal)
    """
    from amsplan.cli.records import record
    from amsplan.services.outbox import outbox

    c = context(ctx)
    items = outbox(c, status, order)
    states, kinds, deliveries = sms_states(), sms_kinds(), sms_deliveries()
    if as_json:
        print_json([record(m, order_no=n, status_label=states[m.status]) for m, n in items])
        return
    out = table(
        _("id"),
        _("order"),
        _("kind"),
        _("to"),
        pgettext("column", "status"),
        _("due"),
        _("delivery"),
        _("error"),
        _("text"),
    )
    for m, order_no in items:
        due = local_when(m.due_at, c.settings)
        error = m.delivery_error or m.error or ""
        delivery = deliveries[m.delivery] if m.delivery else ""
        out.add_row(
            str(m.id),
            order_no or "",
            kinds[m.kind],
            m.to,
            states[m.status],
            due,
            delivery,
            error,
            m.text,
        )
    console.print(out)


def sms_states() -> dict[str, str]:
    """Each SmsState in the planner's language."""
    return {
        "queued": pgettext("sms", "queued"),
        "exported": pgettext("sms", "exported"),
        "sending": pgettext("sms", "sending"),
        "sent": pgettext("sms", "sent"),
        "failed": pgettext("sms", "failed"),
        "unknown": pgettext("sms", "unknown"),
        "withdrawn": pgettext("sms", "withdrawn"),
    }


def sms_kinds() -> dict[str, str]:
    """Each SmsKind in the planner's language."""
    return {
        "booking": pgettext("sms", "booking"),
        "booking_reminder": pgettext("sms", "booking reminder"),
        "appointment_reminder": pgettext("sms", "appointment reminder"),
        "confirmation": pgettext("sms", "confirmation"),
        "change": pgettext("sms", "change"),
        "free_text": pgettext("sms", "free text"),
    }


def sms_deliveries() -> dict[str, str]:
    """Each Delivery (the provider's report) in the planner's language."""
    return {
        "sent": pgettext("delivery", "sent"),
        "delivered": pgettext("delivery", "delivered"),
        "failed": pgettext("delivery", "failed"),
    }


def register(app: typer.Typer) -> None:
    app.add_typer(sms_app, name="sms")

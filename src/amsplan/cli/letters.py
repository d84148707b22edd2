"""amsplan letters generate|email|pending|printed|reprint|withdrawn."""

from __future__ import annotations

import sys
from dataclasses import asdict
from typing import Annotated

import typer

from amsplan.cli.batch import orders_or_day
from amsplan.cli.output import console, context, local_when, print_json, styled, table
from amsplan.cli.params import Day, DryRun, Filter, Json, Orders, Tech
from amsplan.cli.records import utc
from amsplan.i18n import _, ngettext

letters_app = typer.Typer(help="Booking letters (PDF) in the letters folder.", no_args_is_help=True)


@letters_app.command("generate")
def generate(
    ctx: typer.Context,
    orders: Orders = None,
    tech: Tech = None,
    date: Day = None,
    filter_name: Filter = None,
    combined: Annotated[
        bool,
        typer.Option("--combined", help="Also one combined PDF of the batch for the print house."),
    ] = False,
    as_json: Json = False,
) -> None:
    """Generate one PDF letter per ready-to-print order; the orders then await a reply.

    Without arguments: every order that is ready to print. Letters are named so that a
    sorted listing is print order (date, technician, sequence, order). Safe to re-run
    after a crash: it finishes the batch without duplicates.

    Examples: amsplan letters generate
              amsplan letters generate --tech T01 --date 2026-04-22 --combined
    """
    from amsplan.services import letters

    picked, day = orders_or_day(ctx, orders, filter_name, tech, date)
    c = context(ctx)
    if sys.stderr.isatty() and not as_json:
        from rich.progress import Progress

        with Progress(console=console, transient=True) as bar:
            task = bar.add_task(_("Letters"), total=None)
            result = letters.generate(
                c, picked, tech, day, combined,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )  # fmt: skip
    else:
        result = letters.generate(c, picked, tech, day, combined)
    if as_json:
        from amsplan.cli.records import pairs

        print_json({
            "generated": result.generated,
            "skipped": pairs(result.skipped, "order_no", "reason"),
            "recovered": result.recovered,
            "combined": result.combined,
            "left_for_email": result.left_for_email,
            "laid_out": pairs(sorted(result.laid_out.items()), "reason", "letters"),
        })  # fmt: skip
    else:
        if result.recovered:
            console.print(
                _("Finished {n} letters of an interrupted run").format(n=result.recovered)
            )
        console.print(_letters_in(len(result.generated), c.settings.letters_dir))
        for order_no, reason in result.skipped:
            console.print(styled(_("skipped"), "yellow"), f"{order_no}: {reason}")
        if result.left_for_email:
            n = result.left_for_email
            console.print(
                ngettext(
                    "{n} order booked by e-mail left for `amsplan letters email`",
                    "{n} orders booked by e-mail left for `amsplan letters email`",
                    n,
                ).format(n=n)
            )
        if result.laid_out:
            reasons = ", ".join(f"{n} {why}" for why, n in sorted(result.laid_out.items()))
            n = sum(result.laid_out.values())
            console.print(
                ngettext(
                    "{n} letter laid out by WeasyPrint (slower, same letter): {reasons}",
                    "{n} letters laid out by WeasyPrint (slower, same letter): {reasons}",
                    n,
                ).format(n=n, reasons=reasons)
            )
        if result.combined:
            console.print(_("Combined: {file}").format(file=result.combined))
    if result.skipped:
        raise typer.Exit(1)


@letters_app.command("email")
def email(
    ctx: typer.Context,
    orders: Orders = None,
    tech: Tech = None,
    date: Day = None,
    filter_name: Filter = None,
    dry_run: DryRun = False,
    as_json: Json = False,
) -> None:
    """Book by e-mail: the booking letter as a PDF attached to an e-mail, for the orders
    ready to print that have an address (\\[email] booking = true); they then await a reply.

    An order is e-mailed once the mail server took the message; one the server refused
    stays ready to print and is listed in `followup list` (the address refused for good,
    e.g. 550 5.1.1: it is printed by `letters generate` from then on; otherwise the next
    run tries again). A message
    in doubt (the connection broke, or a run died) is never sent again: settle it with
    `amsplan email settle`. Exit code 1 when a message failed or is in doubt, 8 when
    the mail server cannot be reached.

    Examples: amsplan letters email --dry-run
              amsplan letters email --tech T01 --date 2026-04-22
    """
    from amsplan.services.bookmail import send_bookings

    picked, day = orders_or_day(ctx, orders, filter_name, tech, date)
    c = context(ctx)
    if sys.stderr.isatty() and not as_json and not dry_run:
        from rich.progress import Progress

        with Progress(console=console, transient=True) as bar:
            task = bar.add_task(_("E-mail"), total=None)
            result = send_bookings(
                c, picked, tech, day,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )  # fmt: skip
    else:
        result = send_bookings(c, picked, tech, day, dry_run)
    if as_json:
        from amsplan.cli.records import pairs

        print_json({
            "dry_run": result.dry_run,
            "sent": pairs(result.sent, "order_no", "email_id"),
            "failed": pairs(result.failed, "order_no", "reason"),
            "in_doubt": pairs(result.in_doubt, "order_no", "reason"),
            "skipped": pairs(result.skipped, "order_no", "reason"),
            "would_send": pairs(result.would_send, "order_no", "to"),
            "left_for_letters": result.left_for_letters,
            "left_unknown": result.left_unknown,
            "ok": result.ok,
        })  # fmt: skip
    elif dry_run:
        out = table(_("order"), _("would"), _("to / why"))
        for order_no, to in result.would_send:
            out.add_row(order_no, styled(_("be sent"), "green"), to)
        for order_no, why in result.skipped:
            out.add_row(order_no, styled(_("be skipped"), "yellow"), why)
        console.print(out)
        n = len(result.would_send)
        console.print(
            ngettext(
                "{n} order would get a booking e-mail; nothing sent (dry run)",
                "{n} orders would get a booking e-mail; nothing sent (dry run)",
                n,
            ).format(n=n)
        )
    else:
        out = table(_("order"), _("result"), _("detail"))
        sent, failed, in_doubt, skipped = _("sent"), _("failed"), _("in doubt"), _("skipped")
        for order_no, message_id in result.sent:
            out.add_row(order_no, styled(sent, "green"), _("e-mail {id}").format(id=message_id))
        for label, style, rows in (
            (failed, "red", result.failed),
            (in_doubt, "red", result.in_doubt),
            (skipped, "yellow", result.skipped),
        ):
            for order_no, why in rows:
                out.add_row(order_no, styled(label, style), why)
        if out.row_count:
            console.print(out)
        counts: list[tuple[list, str]] = [
            (result.sent, sent),
            (result.failed, failed),
            (result.in_doubt, in_doubt),
            (result.skipped, skipped),
        ]
        console.print(", ".join(f"{len(rows)} {word}" for rows, word in counts))
    if result.left_unknown and not as_json:
        n = result.left_unknown
        console.print(
            ngettext(
                "{n} message left sending by a stopped run is now in doubt",
                "{n} messages left sending by a stopped run are now in doubt",
                n,
            ).format(n=n)
        )
    if result.left_for_letters and not as_json:
        n = result.left_for_letters
        console.print(
            ngettext(
                "{n} order without a usable address left for `amsplan letters generate`",
                "{n} orders without a usable address left for `amsplan letters generate`",
                n,
            ).format(n=n)
        )
    if not result.ok:
        raise typer.Exit(1)


@letters_app.command("pending")
def pending(ctx: typer.Context, as_json: Json = False) -> None:
    """List letters in the letters folder waiting to be printed (only letters still true:
    a letter whose order changed is withdrawn to letters/withdrawn/).

    Example: amsplan letters pending
    """
    from amsplan.services.letters import pending as pending_letters

    c = context(ctx)
    items = pending_letters(c)
    if as_json:
        print_json([
            {**asdict(p), "generated_at": utc(p.generated_at),
             "status_label": c.settings.label(p.status) if p.status else None}
            for p in items
        ])  # fmt: skip
        return
    out = table(_("file"), _("order"), _("customer"), _("generated"))
    unknown = _("unknown file")
    for p in items:
        order = p.order_no or styled(unknown, "red")
        out.add_row(p.file_name, order, p.customer_name, local_when(p.generated_at, c.settings))
    console.print(out)
    n = len(items)
    console.print(
        ngettext(
            "{n} letter waiting to be printed in {folder}",
            "{n} letters waiting to be printed in {folder}",
            n,
        ).format(n=n, folder=c.settings.letters_dir)
    )


@letters_app.command("printed")
def printed(
    ctx: typer.Context,
    files: Annotated[
        list[str] | None, typer.Argument(help="Printed letters (file names in the folder).")
    ] = None,
    everything: Annotated[
        bool, typer.Option("--all", help="Every letter waiting to be printed.")
    ] = False,
    before: Annotated[
        str | None,
        typer.Option("--before", help="With --all: only letters generated before this time."),
    ] = None,
    as_json: Json = False,
) -> None:
    """Record letters as printed and posted; they move to letters/printed/.

    The booking reminder counts from now (\\[reminders] letter_from = "printed", the
    default). Named letters must all be waiting to be printed, or nothing is recorded.

    Examples: amsplan letters printed --all
              amsplan letters printed 2026-04-22_T01_001_AMS-00001.pdf
              amsplan letters printed --all --before "2026-04-21 14:00"
    """
    from amsplan import clock
    from amsplan.services import letters

    c = context(ctx)
    moment = clock.parse_moment(before, c.settings.tz, "--before") if before else None
    result = letters.record_printed(c, files or [], everything, moment)
    if as_json:
        print_json(result)
        return
    n = len(result.printed)
    console.print(
        ngettext(
            "{n} letter recorded as printed, moved to {folder}",
            "{n} letters recorded as printed, moved to {folder}",
            n,
        ).format(n=n, folder=f"{result.folder}/printed")
    )


@letters_app.command("reprint")
def reprint(
    ctx: typer.Context,
    orders: Annotated[list[str], typer.Argument(help="Orders whose letter was lost.")],
    comment: Annotated[str, typer.Option("--comment", help="Why (kept on the order).")] = "",
    as_json: Json = False,
) -> None:
    """A new PDF of the same letter (same code and time) for an order whose letter was
    lost; the old one is withdrawn. For an order awaiting a reply by letter or ready to
    print.

    Example: amsplan letters reprint AMS-2026-000321 --comment "returned by the post"
    """
    from amsplan.services import letters

    c = context(ctx)
    result = letters.reprint(c, orders, comment)
    if as_json:
        print_json(result)
        return
    for name in result.reprinted + result.generated:
        console.print(_("New letter {file}").format(file=name))
    made = len(result.reprinted) + len(result.generated)
    console.print(_letters_in(made, c.settings.letters_dir))


@letters_app.command("withdrawn")
def withdrawn(ctx: typer.Context, as_json: Json = False) -> None:
    """The most recently withdrawn letters (no longer true: do not print or post them).

    Example: amsplan letters withdrawn
    """
    from amsplan.services import letters

    c = context(ctx)
    items = letters.withdrawn(c)
    if as_json:
        print_json([{**asdict(w), "withdrawn_at": utc(w.withdrawn_at)} for w in items])
        return
    out = table(_("file"), _("order"), _("withdrawn"), _("why"))
    for w in items:
        out.add_row(w.file_name, w.order_no, local_when(w.withdrawn_at, c.settings), w.reason)
    console.print(out)
    n = len(items)
    console.print(ngettext("{n} letter withdrawn", "{n} letters withdrawn", n).format(n=n))


def _letters_in(n: int, folder: object) -> str:
    """ "3 letters in /srv/amsplan/letters"."""
    return ngettext("{n} letter in {folder}", "{n} letters in {folder}", n).format(
        n=n, folder=folder
    )


def register(app: typer.Typer) -> None:
    app.add_typer(letters_app, name="letters")

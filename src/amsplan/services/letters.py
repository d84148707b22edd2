"""Letters: render, move orders to awaiting_response, deliver into the letters folder.

Crash safety. Each chunk of letters is (1) rendered into the hidden staging folder,
(2) committed in one transaction that moves the orders and records the letters as
"staged", (3) moved into the letters folder and marked "delivered". A crash before
(2) leaves only staging files (the orders did not move; the files are discarded);
a crash after (2) is finished by recover() at the start of the next run, which
moves (or, if lost, re-renders) every staged letter. So after a re-run every order
awaiting a reply by letter has exactly one letter, and no letter exists for an
order that did not move.
"""

from __future__ import annotations

import os
import time as _time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlmodel import Session

from amsplan import clock
from amsplan.adapters import private
from amsplan.adapters.writers import fsync_dir, write_private, write_private_files
from amsplan.domain import bookmail, codes
from amsplan.domain import letters as rules
from amsplan.domain.bookmail import Choice, Way
from amsplan.domain.states import LetterState
from amsplan.domain.statuses import Status
from amsplan.errors import ConfigError, InputError
from amsplan.faults import crash_point
from amsplan.i18n import _
from amsplan.services import exportfiles, follow, workflow
from amsplan.services.context import Context
from amsplan.store import letters as store
from amsplan.store import mail
from amsplan.store.models import Letter, Order
from amsplan.store.orders import key, load_orders, order_by_id, orders_by_id
from amsplan.store.technicians import find_technician, get_technician

if TYPE_CHECKING:  # the renderer imports WeasyPrint: only when letters are made
    from amsplan.adapters.letters.render import LetterData, LetterRenderer

# (order id, booking code, file name, what the letter says)
Work = tuple[int, str | None, str, "LetterData"]

STAGING = ".staging"
COMBINED = "combined"
CHUNK = 50


def letter_file_name(order: Order, tz: ZoneInfo) -> str:
    """Sorted listing = print order: date, technician, sequence, order number."""
    day = clock.to_local(order.planned_start, tz).date() if order.planned_start else None
    return rules.file_name(day, order.technician_id, order.booking_seq, order.order_no)


@dataclass
class GenerateResult:
    generated: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    recovered: int = 0
    combined: str | None = None
    left_for_email: int = 0  # ready to print, but booked by e-mail: `letters email`
    #: Letters not printed the fast, direct way, and why (reason -> letters): laid out by
    #: WeasyPrint instead (the same letter, slower).
    laid_out: dict[str, int] = field(default_factory=dict)


def letter_data(session: Session, ctx: Context, order: Order) -> LetterData:
    """What the order's booking letter says (printed, or attached to a booking e-mail)."""
    from amsplan.adapters.letters.render import LetterData

    s = ctx.settings
    tech = find_technician(session, order.technician_id) if order.technician_id else None
    assert order.planned_start is not None  # a letter is only made for a planned visit
    start = clock.to_local(order.planned_start, s.tz)
    return LetterData(
        order_no=order.order_no,
        customer_name=order.customer_name,
        street=order.street,
        postcode=order.postcode,
        city=order.city,
        meter_point_id=order.meter_point_id,
        meter_number=order.meter_number,
        start=start,
        end=start + timedelta(minutes=order.estimate_minutes or 0),
        technician_name=tech.name if tech else "",
        booking_code=codes.format_code(order.booking_code) if order.booking_code else "",
        company_name=s.company_name,
        reply_number=s.reply_number,
        keyword_ok=s.keyword_ok,
        keyword_contact=s.keyword_contact,
        letter_date=clock.to_local(ctx.now(), s.tz).date(),
        company_address=s.company_address,
        company_phone=s.company_phone,
    )


def letter_renderer(ctx: Context) -> LetterRenderer:
    """A renderer of booking letters from the configured templates."""
    from amsplan.adapters.letters.render import LetterRenderer

    return LetterRenderer(ctx.settings.templates_dir, ctx.settings.locale)


def _folders(ctx: Context) -> tuple[Path, Path]:
    folder = ctx.settings.letters_dir
    if folder.exists() and not folder.is_dir():
        raise ConfigError(
            _("the letters folder {folder} is a file, not a folder").format(folder=folder)
        )
    staging = folder / STAGING
    try:
        private.ready_folder(folder, "letters folder")
        private.ready_folder(staging, "letters folder")
    except OSError as err:
        raise ConfigError(
            _("cannot use the letters folder {folder}: {error}").format(
                folder=folder, error=err.strerror
            )
        ) from None
    return folder, staging


def _stage(staging: Path, token: str, work: list[Work], pdfs: list[bytes]) -> dict[str, Path]:
    """Write rendered letters durably into the staging folder: {file name: staged path}.

    The chunk's files are flushed to disk together (one file-system flush per chunk, not
    one per letter); they are durable before the chunk's orders are committed."""
    files = [(f"{name}.{token}", pdf) for (_, _, name, _), pdf in zip(work, pdfs, strict=True)]
    paths = write_private_files(staging, files)
    return {name: path for (_, _, name, _), path in zip(work, paths, strict=True)}


def _deliver(ctx: Context, folder: Path, staged: dict[str, Path], moved: list[str]) -> None:
    """Move the committed letters `moved` into the folder and mark them delivered; drop
    the other staged files (their orders changed meanwhile)."""
    for name in moved:
        try:
            os.replace(staged.pop(name), folder / name)
        except FileNotFoundError:  # a concurrent recover() delivered it
            pass
        crash_point("letters:delivering")
    for leftover in staged.values():
        leftover.unlink(missing_ok=True)
    fsync_dir(folder)
    if moved:
        with ctx.session() as s:
            store.mark_delivered(s, names=moved)


def recover(ctx: Context) -> int:
    """Finish letters a crashed run committed but did not deliver; drop orphans."""
    with ctx.session(readonly=True) as s:
        staged = store.in_state(s, LetterState.STAGED)
    folder, staging = _folders(ctx)
    renderer: LetterRenderer | None = None
    done: list[int] = []
    for row in staged:
        candidates = sorted(staging.glob(f"{row.file_name}.*"), key=lambda p: p.stat().st_mtime)
        final = folder / row.file_name
        if candidates:
            try:
                os.replace(candidates[-1], final)
            except FileNotFoundError:  # another run moved it just now
                pass
        elif not final.exists():
            renderer = renderer or letter_renderer(ctx)
            with ctx.session(readonly=True) as s:
                order = order_by_id(s, row.order_id)
                assert order is not None  # a letter's order is never deleted
                data = letter_data(s, ctx, order)
                data = type(data)(
                    **{**data.__dict__, "booking_code": codes.format_code(row.booking_code)}
                )
            write_private(final, renderer.render_batch([data])[0])
        done.append(row.id or 0)
    if done:
        fsync_dir(folder)
        with ctx.session() as s:
            store.mark_delivered(s, ids=done)
    live = {f"{row.file_name}." for row in staged}
    cutoff = _time.time() - 3600
    for orphan in staging.iterdir():
        if not any(orphan.name.startswith(p) for p in live) and orphan.stat().st_mtime < cutoff:
            orphan.unlink(missing_ok=True)
    return len(done)


def select_ready(
    session: Session,
    ctx: Context,
    order_nos: list[str] | None = None,
    tech_id: str | None = None,
    day: date | None = None,
) -> list[Order]:
    """The named orders; else the orders ready to print (of a technician, on a day)."""
    if order_nos:
        return load_orders(session, order_nos, lock=False)  # read to render; locked later
    if tech_id:
        get_technician(session, tech_id)
    between = clock.day_bounds(day, ctx.settings.tz) if day else None
    return store.ready_to_print(session, tech_id, between)


def booking_ways(session: Session, ctx: Context, orders: list[Order]) -> dict[int, Choice]:
    """How each order ready to print is booked: by e-mail, by letter, or neither while
    its booking e-mail is in doubt (domain.bookmail.choose); by order id."""
    doubt = {
        order_id: (m.id or 0, m.state)
        for order_id, m in mail.bookings_in_doubt(
            session, {key(o): o.booking_code for o in orders}
        ).items()
    }
    refused: dict[str, str] = {}
    for message in mail.booking_failures_to(session, [o.email for o in orders]):
        if bookmail.refused_for_good(message.state, message.error):
            refused.setdefault(message.to.lower(), message.error or message.state.value)
    enabled = ctx.settings.email_booking
    return {
        key(o): bookmail.choose(enabled, o.email, doubt.get(key(o)), refused.get(o.email.lower()))
        for o in orders
    }


def generate(
    ctx: Context,
    order_nos: list[str] | None = None,
    tech_id: str | None = None,
    day: date | None = None,
    combined: bool = False,
    progress: Callable[[int, int], None] | None = None,
    chunk_size: int = CHUNK,
) -> GenerateResult:
    """One PDF letter per ready-to-print order; the orders move to awaiting_response.

    With [email] booking on, the orders booked by e-mail are left for `letters email`
    (counted in `left_for_email`), unless named; an order whose booking e-mail is in
    doubt is never printed (skipped, until a person settles the message)."""
    result = GenerateResult(recovered=recover(ctx))
    follow.sweep_letters(ctx)
    folder, staging = _folders(ctx)
    tz = ctx.settings.tz
    with ctx.session(readonly=True) as s:
        orders = select_ready(s, ctx, order_nos, tech_id, day)
        not_ready = _("is {status}, not ready to print")
        for order in orders:
            if order.status is not Status.READY_TO_PRINT:
                why = not_ready.format(status=ctx.settings.label(order.status))
                result.skipped.append((order.order_no, why))
        orders = [o for o in orders if o.status is Status.READY_TO_PRINT]
        ways = booking_ways(s, ctx, orders)
        for order in orders:
            if ways[key(order)].way is Way.IN_DOUBT:
                result.skipped.append((order.order_no, ways[key(order)].why))
        result.left_for_email = 0 if order_nos else sum(c.way is Way.EMAIL for c in ways.values())
        printed = (Way.LETTER, Way.EMAIL) if order_nos else (Way.LETTER,)
        orders = [o for o in orders if ways[key(o)].way in printed]
        orders.sort(key=lambda o: letter_file_name(o, tz))
        work = [
            (o.id or 0, o.booking_code, letter_file_name(o, tz), letter_data(s, ctx, o))
            for o in orders
        ]
    if not work:
        return result
    renderer = letter_renderer(ctx)
    token = uuid.uuid4().hex[:12]
    chunks = [work[i : i + chunk_size] for i in range(0, len(work), chunk_size)]
    # The renderer's worker renders the next chunk while this one is committed and moved.
    rendered = renderer.render_batches([data for *_, data in chunk] for chunk in chunks)
    for n, (chunk, pdfs) in enumerate(zip(chunks, rendered, strict=True)):
        i = n * chunk_size
        staged = _stage(staging, token, chunk, pdfs)
        crash_point("letters:rendered")
        moved: list[str] = []
        obsolete: list[str] = []
        with ctx.session() as s:
            locked = orders_by_id(s, [order_id for order_id, *_ in chunk], lock=True)
            now_ways = booking_ways(s, ctx, list(locked.values()))  # `letters email` meanwhile?
            earlier = store.file_names_by_order(s, list(locked))  # one query, not one a letter
            for order_id, code, name, data in chunk:
                current = locked[order_id]  # orders are never deleted
                if current.status is not Status.READY_TO_PRINT or current.booking_code != code:
                    result.skipped.append(
                        (
                            data.order_no,
                            _("changed meanwhile (now {status})").format(
                                status=ctx.settings.label(current.status)
                            ),
                        )
                    )
                    continue
                if now_ways[order_id].way is Way.IN_DOUBT:
                    result.skipped.append((data.order_no, now_ways[order_id].why))
                    continue
                obsolete += [other for other in earlier.get(order_id, ()) if other != name]
                workflow.apply(s, ctx, current, "print", letter_file=name, channel="letter")
                moved.append(name)
        crash_point("letters:committed")
        for name in obsolete:  # an older letter with an old code must not be printed
            (folder / name).unlink(missing_ok=True)
        _deliver(ctx, folder, staged, moved)
        result.generated += moved
        if progress:
            progress(min(i + chunk_size, len(work)), len(work))
    result.laid_out = dict(renderer.stats.fallbacks)
    if combined and result.generated:
        from amsplan.adapters.letters.render import combine_pdfs

        private.ready_folder(folder / COMBINED, "letters folder")
        stamp = clock.to_local(ctx.now(), tz).strftime("%Y-%m-%d_%H%M%S")
        out = folder / COMBINED / f"batch_{stamp}.pdf"
        combine_pdfs([folder / n for n in result.generated], out)
        private.make_private(out)
        ids = {name: order_id for order_id, _, name, _ in work}
        with ctx.session() as s:
            exportfiles.record(s, ctx, "letters_combined", out, [ids[n] for n in result.generated])
        result.combined = str(out)
    return result


@dataclass
class PendingLetter:
    file_name: str
    order_no: str | None
    customer_name: str
    status: Status | None
    generated_at: datetime | None


def pending(ctx: Context) -> list[PendingLetter]:
    """Letters in the folder still to be printed (and still true), in print order."""
    recover(ctx)
    follow.sweep_letters(ctx)
    folder = ctx.settings.letters_dir
    files = sorted(p.name for p in folder.glob("*.pdf")) if folder.is_dir() else []
    if not files:
        return []
    with ctx.session(readonly=True) as s:
        rows = {lt.file_name: (lt, order) for lt, order in store.live_with_orders(s, files)}
    out = []
    for name in files:
        if name in rows:
            letter_row, order = rows[name]
            out.append(PendingLetter(name, order.order_no, order.customer_name, order.status,
                                     letter_row.generated_at))  # fmt: skip
        else:
            out.append(PendingLetter(name, None, "", None, None))
    return out


# --- printed, reprint, withdrawn ---------------------------------------------------


@dataclass
class PrintedResult:
    printed: list[str] = field(default_factory=list)
    folder: str = ""


def record_printed(
    ctx: Context,
    files: list[str] | None = None,
    everything: bool = False,
    before: datetime | None = None,
) -> PrintedResult:
    """Record letters as printed and posted; their PDFs move to printed/.

    `files` names letters in the folder (file names or paths); `everything` takes every
    letter waiting to be printed (generated before `before`, when given). All named
    letters must be waiting to be printed, or nothing is recorded. With
    `[reminders] letter_from = "printed"` the booking reminder counts from now.
    """
    if bool(files) == everything:
        raise InputError(_("name the printed letters, or --all, not both"))
    if before is not None and not everything:
        raise InputError(_("--before goes with --all"))
    recover(ctx)
    follow.sweep_letters(ctx)
    folder, _staging = _folders(ctx)
    now = ctx.now()
    names = [Path(f).name for f in files or []]
    with ctx.session() as s:
        if everything:
            on_disk = sorted(p.name for p in folder.glob("*.pdf"))
            rows = store.delivered_named(s, on_disk)
            if before is not None:
                rows = [r for r in rows if r.generated_at < before]
        else:
            rows = store.delivered_named(s, names)
            found = {r.file_name for r in rows}
            problems = [
                _not_printable(s, folder, n) for n in dict.fromkeys(names) if n not in found
            ]
            if problems:
                raise InputError(_("nothing was recorded as printed"), problems)
        if not rows:
            return PrintedResult([], str(folder))
        store.mark_printed(s, [r.id or 0 for r in rows], now, ctx.user)
        if ctx.settings.letter_reminder_from == "printed":
            store.restart_awaiting(s, [r.order_id for r in rows], now)
        posted = _("Letter {file} printed and posted")  # kept in the history as written
        store.add_comments(
            s,
            [
                {"order_id": r.order_id, "at": now, "actor": ctx.user, "login": ctx.login,
                 "kind": "letter", "text": posted.format(file=r.file_name)}
                for r in rows
            ],
        )  # fmt: skip
        printed = sorted({r.file_name for r in rows})
    crash_point("letters:printed")  # recorded, not moved: the next sweep moves them
    follow.move_files(folder, printed, follow.PRINTED_FOLDER)
    return PrintedResult(printed, str(folder))


def _not_printable(s: Session, folder: Path, name: str) -> str:
    last = store.last_named(s, name)
    if last is None:
        if (folder / name).exists():
            return _("{file}: not a letter amsplan generated (in the letters folder)").format(
                file=name
            )
        return _("{file}: not a letter amsplan generated (anywhere)").format(file=name)
    if last.state is LetterState.PRINTED:
        return _("{file}: already recorded as printed by {user}").format(
            file=name, user=last.printed_by
        )
    if last.state is LetterState.WITHDRAWN:
        return _("{file}: withdrawn ({why}); do not print it").format(
            file=name, why=last.withdrawn_reason
        )
    return _("{file}: not delivered yet").format(file=name)


@dataclass
class ReprintResult:
    reprinted: list[str] = field(default_factory=list)
    generated: list[str] = field(default_factory=list)


def reprint(ctx: Context, order_nos: list[str], comment: str = "") -> ReprintResult:
    """The same letter again (same code and time) for orders whose letter was lost.

    For an order awaiting a reply by letter the old letter is withdrawn and a new PDF
    goes into the folder; an order ready to print gets its first letter (as `generate`).
    """
    if not order_nos:
        raise InputError(_("name at least one order"))
    recover(ctx)
    follow.sweep_letters(ctx)
    folder, staging = _folders(ctx)
    tz = ctx.settings.tz
    with ctx.session(readonly=True) as s:
        orders = load_orders(s, order_nos, lock=False)  # read to render; locked to commit
        problems = [
            problem
            for o in orders
            if (
                problem := rules.reprint_refusal(
                    o.order_no, o.status, o.booking_channel, ctx.settings.label(o.status)
                )
            )
        ]
        if problems:
            raise InputError(_("nothing was reprinted"), problems)
        ready = [o.order_no for o in orders if o.status is Status.READY_TO_PRINT]
        work = [
            (o.id or 0, o.booking_code, letter_file_name(o, tz), letter_data(s, ctx, o))
            for o in orders
            if o.status is Status.AWAITING_RESPONSE
        ]
    result = ReprintResult()
    if ready:
        generated = generate(ctx, ready)
        if generated.skipped:
            raise InputError(
                _("not every letter was made"), [f"{n}: {r}" for n, r in generated.skipped]
            )
        result.generated = generated.generated
    if not work:
        return result
    token = uuid.uuid4().hex[:12]
    pdfs = letter_renderer(ctx).render_batch([data for *_, data in work])
    staged = _stage(staging, token, work, pdfs)
    now = ctx.now()
    with ctx.session() as s:
        for order_id, code, name, data in work:
            order = order_by_id(s, order_id, lock=True)
            assert order is not None  # orders are never deleted
            if order.status is not Status.AWAITING_RESPONSE or order.booking_code != code:
                raise InputError(
                    _("{order} changed meanwhile (now {status}); run again").format(
                        order=data.order_no, status=ctx.settings.label(order.status)
                    )
                )
            for old in store.live_letters(s, [order_id]):
                follow.mark_withdrawn(s, old, _("replaced by a reprint"), now)
            s.add(
                Letter(
                    order_id=order_id, booking_code=code or "", file_name=name,
                    generated_at=now, actor=ctx.user, state=LetterState.STAGED,
                    planned_start=order.planned_start, technician_id=order.technician_id,
                )
            )  # fmt: skip
            note = f"Letter reprinted: {name}" + (f": {comment}" if comment else "")
            workflow.add_comment(s, ctx, order, note, kind="letter")
            if ctx.settings.letter_reminder_from == "generated":
                order.awaiting_since = now
                s.add(order)
    result.reprinted = sorted(staged)
    _deliver(ctx, folder, staged, result.reprinted)
    return result


@dataclass
class WithdrawnLetter:
    file_name: str
    order_no: str
    withdrawn_at: datetime | None
    reason: str


def withdrawn(ctx: Context, limit: int = 200) -> list[WithdrawnLetter]:
    """The most recently withdrawn letters (their PDFs are in withdrawn/), newest first."""
    follow.sweep_letters(ctx)
    with ctx.session(readonly=True) as s:
        rows = store.withdrawn_newest(s, limit)
    return [
        WithdrawnLetter(r.file_name, no, r.withdrawn_at, r.withdrawn_reason or "") for r, no in rows
    ]

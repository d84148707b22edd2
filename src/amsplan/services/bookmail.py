"""Booking by e-mail (`letters email`): the booking letter as a PDF attachment to a short
text and HTML message, and the order awaiting the answer once the mail server took it.

Which orders: those ready to print that domain.bookmail books by e-mail, selected as
`letters generate` selects (named orders, a technician, a day). Each chunk of orders is
(1) rendered (the letter PDFs, the texts), (2) recorded in one transaction that locks
the orders, checks them again (still ready to print with the same code, still booked by
e-mail: another run or a planner may have moved them) and records one message each
("sending", with its Message-ID; `db.serialise` so that two runs never record two
messages for one order), and committed, (3) sent (services.outmail), each answer
settled by `settled` in a transaction of its own:

- sent: the order moves to awaiting_response exactly as a printed letter moves it
  (booking channel "email"); an order that changed meanwhile is flagged instead (the
  customer has an e-mail that is no longer true);
- failed (the server refused it): the order stays ready to print, with a comment and a
  follow-up reason (domain.delivery.email_failure_steps); a 5xx refusal refuses the
  address for good (the order is printed from then on), a 4xx one is tried again by the
  next run; a run that could not reach the server changes no order;
- unknown (the connection broke while the server took it, or a run died): the order is
  neither e-mailed nor printed until a person settles the message (`email settle`).

A message shown in doubt while its run was still alive takes the run's answer all the
same (services.outmail), and its order's "in doubt" reason is settled with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from email.message import EmailMessage as Mime
from typing import TYPE_CHECKING

from sqlmodel import Session

from amsplan.adapters import mailtexts
from amsplan.adapters.letters.dates import appointment_text, long_date
from amsplan.adapters.mailout import Attachment
from amsplan.domain import bookmail, delivery
from amsplan.domain.bookmail import Way
from amsplan.domain.followups import FollowupKind
from amsplan.domain.states import EmailKind, EmailState
from amsplan.domain.statuses import Status
from amsplan.errors import ConfigError, TransitionRefused
from amsplan.i18n import N_, _
from amsplan.services import letters, outmail, workflow
from amsplan.services.context import Context
from amsplan.store import db
from amsplan.store.followups import open_flags_of
from amsplan.store.models import EmailMessage, Order
from amsplan.store.orders import key, order_by_id, orders_by_id

if TYPE_CHECKING:  # the renderer imports WeasyPrint: only when letters are made
    from amsplan.adapters.letters.render import LetterData

CHUNK = 50
CHANGED = N_("booking e-mail sent after the order changed: tell the customer")


@dataclass(frozen=True)
class _Work:
    order_id: int
    order_no: str
    code: str | None
    to: str
    file_name: str
    texts: mailtexts.MailText
    letter: LetterData


@dataclass
class BookingResult:
    dry_run: bool = False
    sent: list[tuple[str, int]] = field(default_factory=list)  # (order, message id)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (order, the server's answer)
    in_doubt: list[tuple[str, str]] = field(default_factory=list)  # (order, what to do)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (order, why)
    would_send: list[tuple[str, str]] = field(default_factory=list)  # dry run: (order, to)
    left_for_letters: int = 0  # ready to print, not booked by e-mail: `letters generate`
    left_unknown: int = 0  # messages a dead run left "sending", now "unknown"

    @property
    def ok(self) -> bool:
        """Nothing failed, nothing in doubt, nothing named was skipped."""
        return not (self.failed or self.in_doubt or self.skipped)


def send_bookings(
    ctx: Context,
    order_nos: list[str] | None = None,
    tech_id: str | None = None,
    day: date | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> BookingResult:
    """Book the selected orders ready to print by e-mail (see the module docstring);
    `dry_run`: who would get one, nothing recorded or sent. Unavailable when the mail
    server cannot be reached (the messages of the chunk then failed, no order moved)."""
    if not ctx.settings.email_booking:
        raise ConfigError("booking by e-mail is off: set [email] booking = true")
    outmail.server(ctx)  # the settings are checked before anything is recorded
    outmail.sender(ctx)
    result = BookingResult(dry_run=dry_run)
    if not dry_run:
        result.left_unknown = outmail.settle_left(ctx, {EmailKind.BOOKING: settled})
    work = _select(ctx, order_nos, tech_id, day, result)
    if dry_run:
        result.would_send = [(w.order_no, w.to) for w in work]
        return result
    if not work:
        return result
    outmail.reachable(ctx)  # a server that is down: nothing recorded, nothing to settle
    chunks = [work[i : i + CHUNK] for i in range(0, len(work), CHUNK)]
    with letters.letter_renderer(ctx) as renderer:
        rendered = renderer.render_batches([w.letter for w in chunk] for chunk in chunks)
        done = 0
        for chunk, pdfs in zip(chunks, rendered, strict=True):
            outgoing, order_nos_of = _record(ctx, chunk, pdfs, result)
            for outcome in outmail.send(ctx, outgoing, settled):
                order_no = order_nos_of[outcome.id]
                if outcome.state is EmailState.SENT:
                    result.sent.append((order_no, outcome.id))
                elif outcome.state is EmailState.FAILED:
                    result.failed.append((order_no, outcome.error or ""))
                else:
                    result.in_doubt.append((order_no, bookmail.in_doubt_text(outcome.id)))
            done += len(chunk)
            if progress:
                progress(done, len(work))
    return result


def _select(
    ctx: Context,
    order_nos: list[str] | None,
    tech_id: str | None,
    day: date | None,
    result: BookingResult,
) -> list[_Work]:
    """The orders to e-mail, with their letters and texts; the others into `result`."""
    settings = ctx.settings
    work: list[_Work] = []
    with ctx.session(readonly=True) as s:
        orders = letters.select_ready(s, ctx, order_nos, tech_id, day)
        ready = [o for o in orders if o.status is Status.READY_TO_PRINT]
        result.skipped += [
            (o.order_no, f"is {o.status}, not ready_to_print")
            for o in orders
            if o.status is not Status.READY_TO_PRINT
        ]
        ways = letters.booking_ways(s, ctx, ready)
        for order in sorted(ready, key=lambda o: letters.letter_file_name(o, settings.tz)):
            choice = ways[key(order)]
            if choice.way is Way.IN_DOUBT:
                result.in_doubt.append((order.order_no, choice.why))
            elif choice.way is Way.LETTER and order_nos:
                result.skipped.append((order.order_no, choice.why))
            elif choice.way is Way.LETTER:
                result.left_for_letters += 1
            else:
                letter = replace(letters.letter_data(s, ctx, order), by_email=True)
                name = letters.letter_file_name(order, settings.tz)
                texts = mailtexts.render(
                    "booking", _values(ctx, letter, name), settings.templates_dir
                )
                work.append(_Work(key(order), order.order_no, order.booking_code,
                                  order.email, name, texts, letter))  # fmt: skip
    return work


def _values(ctx: Context, letter: LetterData, file_name: str) -> dict[str, object]:
    """What the booking e-mail's templates read: the letter's fields and the texts."""
    locale = ctx.settings.locale
    return {
        **asdict(letter),
        "appointment": appointment_text(letter.start, letter.end, locale),
        "day": long_date(letter.start.date(), locale),
        "code": letter.booking_code,
        "attachment": file_name,
    }


def _record(
    ctx: Context, chunk: list[_Work], pdfs: list[bytes], result: BookingResult
) -> tuple[list[tuple[int, Mime]], dict[int, str]]:
    """Lock the chunk's orders, check them again and record one message each; committed
    when this returns. (message id, the message) to send, and message id -> order."""
    outgoing: list[tuple[int, Mime]] = []
    order_nos: dict[int, str] = {}
    with ctx.session() as s:
        db.serialise(s, "email:booking")  # two runs never record two messages for one order
        orders = orders_by_id(s, [w.order_id for w in chunk], lock=True)
        ways = letters.booking_ways(s, ctx, list(orders.values()))
        for item, pdf in zip(chunk, pdfs, strict=True):
            order = orders[item.order_id]  # orders are never deleted
            if (
                order.status is not Status.READY_TO_PRINT
                or order.booking_code != item.code
                or order.email != item.to
            ):
                result.skipped.append(
                    (
                        item.order_no,
                        _("changed meanwhile (now {status})").format(
                            status=ctx.settings.label(order.status)
                        ),
                    )
                )
                continue
            if ways[item.order_id].way is not Way.EMAIL:
                result.skipped.append((item.order_no, ways[item.order_id].why))
                continue
            message = outmail.record(s, ctx, EmailKind.BOOKING, item.to, item.texts.subject,
                                     item.order_id, item.code)  # fmt: skip
            attachment = Attachment(item.file_name, pdf)
            mime = outmail.mime(ctx, message, item.texts.text, item.texts.html, [attachment])
            outgoing.append((message.id or 0, mime))
            order_nos[message.id or 0] = item.order_no
    return outgoing, order_nos


def settled(s: Session, ctx: Context, message: EmailMessage, state: EmailState) -> None:
    """What a booking e-mail's new state means for its order, in the settling
    transaction (services.outmail.Settled; also when a person settles one: the message
    then has `settled_by`)."""
    order = order_by_id(s, message.order_id, lock=True) if message.order_id else None
    if order is None:
        return
    person = f" ({message.error})" if message.settled_by else ""
    if state is EmailState.SENT:
        _sent(s, ctx, order, message, person)
    elif state is EmailState.FAILED and message.settled_by:
        workflow.clear_followups(s, ctx, order, kinds=(FollowupKind.EMAIL_FAILED,))
        workflow.add_comment(s, ctx, order, f"Booking-e-post {message.id} ble ikke sendt"
                             f"{person}: ordren kan sendes på e-post eller skrives ut igjen",
                             kind="email")  # fmt: skip
    elif state is EmailState.FAILED:  # without the server's answer: the next run tries again
        _settle_doubt(s, ctx, order, message)
        if bookmail.server_refused(message.error):
            reason = _("refused: {error} (booking e-mail {id})").format(
                error=message.error, id=message.id
            )
            for step in delivery.email_failure_steps(order.status, order.booking_channel, reason):
                workflow.carry_out(s, ctx, order, step, comment_kind="email_failed")
    elif state is EmailState.UNKNOWN:
        workflow.add_comment(s, ctx, order, f"Booking-e-post {message.id} er kanskje sendt, "
                             f"kanskje ikke: {message.error}", kind="email")  # fmt: skip
        workflow.flag_followup(s, ctx, order, FollowupKind.EMAIL_FAILED,
                               bookmail.in_doubt_text(message.id or 0))  # fmt: skip


def _settle_doubt(s: Session, ctx: Context, order: Order, message: EmailMessage) -> None:
    """The order's reason "booking e-mail N in doubt" is settled: the message has its
    answer after all (it was shown in doubt while its run was alive)."""
    if order.followup_kind is None:  # nothing open
        return
    doubt = bookmail.in_doubt_reasons(message.id or 0)
    if any(f.reason in doubt for f in open_flags_of(s, key(order))):
        workflow.clear_followups(s, ctx, order, kinds=(FollowupKind.EMAIL_FAILED,))


def _sent(s: Session, ctx: Context, order: Order, message: EmailMessage, person: str) -> None:
    """The order awaits the answer, as after a printed letter; one that changed while
    the message was on its way (or can no longer move) is flagged instead."""
    if order.status is Status.READY_TO_PRINT and order.booking_code == message.booking_code:
        comment = f"Bookingbrev sendt på e-post (melding {message.id}){person}"
        try:
            workflow.apply(s, ctx, order, "email_sent", comment=comment, channel="email")
            return
        except TransitionRefused:  # checked before anything changed; it went all the same
            pass
    workflow.clear_followups(s, ctx, order, kinds=(FollowupKind.EMAIL_FAILED,))
    workflow.add_comment(s, ctx, order, f"Booking-e-post {message.id} ble sendt{person}, men "
                         f"ordren er endret siden (nå {order.status}): gi kunden beskjed",
                         kind="email")  # fmt: skip
    workflow.flag_followup(s, ctx, order, FollowupKind.EMAIL_FAILED, _(CHANGED))

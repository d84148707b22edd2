"""Booking by e-mail, pure: which orders ready to print get their booking letter by
e-mail, which answers of a mail server refuse an address for good, and when a message
still "sending" was left by a run that died.

An order ready to print is booked by e-mail (`letters email`) when [email] booking is
on, it has an address whose mailbox name (before the @) is plain ASCII (one with letters
outside ASCII needs SMTPUTF8 all the way to the customer's mailbox: a printed letter is
sure to arrive; a domain outside ASCII is fine, it travels in its IDNA form), no booking
e-mail for its current code is in doubt (still "sending", or "unknown" after a run died
or the connection broke), and its address was never refused for good (a booking e-mail
to it failed with a 5xx answer, or bounced). Every other order is printed (`letters
generate`), except one whose booking e-mail is in doubt: it is neither e-mailed nor
printed until a person settles that message (`amsplan email settle`), so a customer
never gets two bookings blindly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from amsplan.domain.cells import needs_smtputf8
from amsplan.domain.states import EmailState
from amsplan.i18n import N_, _, in_every_language

IN_DOUBT = (EmailState.SENDING, EmailState.UNKNOWN)
LEFT_AFTER_AT_LEAST = timedelta(minutes=15)

# An SMTP answer as outmail records it: the reply code first ("550 5.1.1 <address> ...").
_ANSWER = re.compile(r"([45])\d\d(?:\s|$)")
# A permanent answer about the address itself: the enhanced status 5.1.x (no such
# mailbox, bad destination) or 5.6.7 (no SMTPUTF8 for it), or without an enhanced status
# the basic 550, 551 or 553. A refusal of the message (552 too large, 554 or 5.7.x
# policy, 500 a server fault) says nothing about the address: the next run tries again.
_ADDRESS_REFUSED = re.compile(r"5\d\d\s+(?:5\.1\.\d{1,3}|5\.6\.7)\b|55[013](?!\s+\d\.\d)(?:\s|$)")


class Way(StrEnum):
    EMAIL = "email"  # `letters email` books it
    LETTER = "letter"  # `letters generate` prints it
    IN_DOUBT = "in_doubt"  # neither, until a person settles its booking e-mail


@dataclass(frozen=True)
class Choice:
    way: Way
    why: str = ""  # why not by e-mail (for the summaries)


def server_refused(error: str | None) -> bool:
    """The mail server answered this message with a refusal (a 4xx or 5xx reply), as
    opposed to a run that could not reach the server at all."""
    return bool(error) and _ANSWER.match(error or "") is not None


def refused_for_good(state: EmailState, error: str | None) -> bool:
    """A booking e-mail in this state with this error refuses its address for good: it
    bounced, or the server refused the address with a permanent reply (_ADDRESS_REFUSED)."""
    if state is EmailState.BOUNCED:
        return True
    return state is EmailState.FAILED and _ADDRESS_REFUSED.match(error or "") is not None


def left_after(timeout: float) -> timedelta:
    """How long a message may stay "sending" before it counts as left by a run that died
    (`timeout`: [email] timeout, seconds). A live run renews the claim on its messages
    before each conversation with the server, and one conversation is at most some eight
    steps of `timeout` each (connect, EHLO, STARTTLS, EHLO, login, MAIL, RCPT, the data):
    ten times `timeout`, and never less than 15 minutes, can only be a dead run."""
    return max(LEFT_AFTER_AT_LEAST, 10 * timedelta(seconds=timeout))


IN_DOUBT_TEXT = N_(
    "booking e-mail {id} in doubt: check and settle it"
    " (amsplan email settle {id} --sent | --not-sent)"
)


def in_doubt_text(message_id: int, state: EmailState = EmailState.UNKNOWN) -> str:
    """What a planner does about a booking e-mail in doubt (in `state`), in the planner's
    language."""
    if state is EmailState.SENDING:
        return _(
            "booking e-mail {id} is being sent (if its run stopped, it is shown "
            "in doubt after a while: amsplan email list --state unknown)"
        ).format(id=message_id)
    return _(IN_DOUBT_TEXT).format(id=message_id)


def in_doubt_reasons(message_id: int) -> set[str]:
    """The follow-up reason in_doubt_text wrote, in each language it may have been written in."""
    return {said.format(id=message_id) for said in in_every_language(IN_DOUBT_TEXT)}


def choose(
    enabled: bool, address: str, in_doubt: tuple[int, EmailState] | None, refusal: str | None
) -> Choice:
    """How an order ready to print is booked. `enabled`: [email] booking; `address`: the
    order's e-mail address ("" for none); `in_doubt`: (id, state) of a booking e-mail in
    doubt for the order's current code, if any; `refusal`: why its address was refused
    for good (the server's code and words), if it was."""
    if in_doubt is not None:  # whatever the setting is now: it may have gone
        return Choice(Way.IN_DOUBT, in_doubt_text(*in_doubt))
    if not enabled:
        return Choice(Way.LETTER, _("booking by e-mail is off ([email] booking)"))
    if not address.strip():
        return Choice(Way.LETTER, _("no e-mail address"))
    if needs_smtputf8(address):
        return Choice(
            Way.LETTER, _("letters outside ASCII before the @ (SMTPUTF8): print a letter")
        )
    if refusal is not None:
        return Choice(Way.LETTER, _("the address was refused: {refusal}").format(refusal=refusal))
    return Choice(Way.EMAIL)

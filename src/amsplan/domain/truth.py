"""Is a letter or a queued SMS still true for its order? Pure decisions, no I/O.

A letter or message tells the customer a time, a technician, a booking code and (by
being sent at all) that the visit is going ahead. When the order changes, what it says
may no longer be true: then it must not be printed or sent. The service layer
(services/follow.py) applies these rules after every change of an order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from amsplan.domain import codes
from amsplan.domain.statuses import DEFAULT_LABELS, Status
from amsplan.i18n import N_, _

S = Status

KEEP = "keep"
RERENDER = "rerender"
WITHDRAW = "withdraw"

# The customer already has the letter, or it is the live booking.
_LETTER_LIVE = frozenset(
    {S.READY_TO_PRINT, S.AWAITING_RESPONSE, S.MANUAL_FOLLOWUP, S.READY_FOR_EXECUTION}
)
# A visit is still coming, or confirmed (a reminder or confirmation about it may go).
_BOOKING_OPEN = frozenset({S.AWAITING_RESPONSE, S.MANUAL_FOLLOWUP})
_NO_VISIT = frozenset({S.CLOSED, S.ON_HOLD})
# Booked without a letter: a letter is not the live booking of an order waiting for the
# answer to one of these (channel -> how it is named).
_OTHER_CHANNELS = {"sms": N_("SMS"), "email": N_("e-mail")}


class OrderFacts(Protocol):
    """What the rules read from an order (the ORM row satisfies it)."""

    @property
    def status(self) -> str: ...

    booking_code: str | None
    booking_channel: str | None
    planned_start: Any
    technician_id: str | None
    cancelled: bool


@dataclass(frozen=True)
class Verdict:
    action: str  # keep | rerender | withdraw
    reason: str = ""


_CODE_LIKE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}\b")


def _other_code(text: str, code: str) -> bool:
    """The text names a booking code, and not this one."""
    return codes.format_code(code) not in text and _CODE_LIKE.search(text) is not None


def _same_time(a: datetime | None, b: datetime | None) -> bool:
    return a == b


_STATUS_TEXTS = {
    S.ON_HOLD: N_("the order is on hold"),
    S.CLOSED: N_("the order is closed"),
    S.PLANNING: N_("the order is being planned again"),
    S.OPEN: N_("the order is open again"),
    S.REOPENED: N_("the order was reopened"),
    S.IN_PROGRESS: N_("the visit has started"),
    S.RESOLVED: N_("the visit is done"),
    S.REJECTED_QUANT: N_("the order was rejected"),
}


def _status_text(status: Status) -> str:
    """Why a status ends what was sent, in the planner's language (kept with the letter
    or SMS as written)."""
    found = _STATUS_TEXTS.get(status)
    if found:
        return _(found)
    return _("the order is {status}").format(status=_(DEFAULT_LABELS[status]))


def letter_withdraw_reason(
    order: OrderFacts,
    booking_code: str,
    planned_start: datetime | None,
    technician_id: str | None,
) -> str | None:
    """Why a letter (with this code, time and technician) no longer holds; None if it does.

    A letter is true while the order is not cancelled, its code, planned start and
    technician are the letter's, and the letter is the live booking (awaiting a reply by
    letter, ready to print) or the customer already has it (manual follow-up, ready for
    execution).
    """
    status = Status(order.status)
    if order.cancelled:
        return _("the order was cancelled")
    # What the customer would read first: the time, the technician, the code.
    if status not in _LETTER_LIVE:
        return _status_text(status)
    if not _same_time(order.planned_start, planned_start):
        return _("the time changed")
    if (order.technician_id or None) != (technician_id or None):
        return _("the technician changed")
    if (order.booking_code or "") != (booking_code or ""):
        return _("the booking code changed")
    if status is S.AWAITING_RESPONSE and order.booking_channel in _OTHER_CHANNELS:
        return _("the order was booked by {channel}").format(
            channel=_(_OTHER_CHANNELS[order.booking_channel])
        )
    return None


def sms_verdict(order: OrderFacts, kind: str, text: str, appointment: datetime | None) -> Verdict:
    """Keep, re-render (with the order's new time) or withdraw a queued SMS of `kind`."""
    status = Status(order.status)
    moved = not _same_time(order.planned_start, appointment)
    if kind == "free_text":
        if appointment is not None and moved:
            return Verdict(WITHDRAW, _("the time of the visit changed"))
        return Verdict(KEEP)
    if order.cancelled:
        return Verdict(WITHDRAW, _("the order was cancelled"))
    if kind == "change":
        if status in _NO_VISIT:
            return Verdict(WITHDRAW, _status_text(status))
        if moved:
            return Verdict(WITHDRAW, _("the time changed again"))
        return Verdict(KEEP)
    if kind in ("booking", "booking_reminder"):
        allowed = {S.AWAITING_RESPONSE} if kind == "booking" else _BOOKING_OPEN
        if status not in allowed:
            return Verdict(WITHDRAW, _status_text(status))
        if kind == "booking" and order.booking_channel != "sms":
            how = _("e-mail") if order.booking_channel == "email" else _("letter")
            return Verdict(WITHDRAW, _("the order is booked by {channel}").format(channel=how))
        if not order.booking_code or _other_code(text, order.booking_code):
            return Verdict(WITHDRAW, _("the booking code changed"))
        if moved:
            return Verdict(WITHDRAW, _("the time changed"))
        return Verdict(KEEP)
    if kind in ("confirmation", "appointment_reminder"):
        if status is not S.READY_FOR_EXECUTION and moved and status not in _NO_VISIT:
            return Verdict(WITHDRAW, _("the time changed"))
        if status is not S.READY_FOR_EXECUTION:
            return Verdict(WITHDRAW, _status_text(status))
        if order.planned_start is None:
            return Verdict(WITHDRAW, _("the order has no time"))
        if moved:
            return Verdict(RERENDER, _("the time changed"))
        return Verdict(KEEP)
    return Verdict(KEEP)

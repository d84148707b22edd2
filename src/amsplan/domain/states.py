"""The states of letters and SMS, and the kinds of SMS (stored as their text values)."""

from __future__ import annotations

from enum import StrEnum


class LetterState(StrEnum):
    """staged (rendered, order moved) -> delivered (in the folder) -> printed (recorded by
    `letters printed`); staged or delivered -> withdrawn (its order changed)."""

    STAGED = "staged"
    DELIVERED = "delivered"
    PRINTED = "printed"
    WITHDRAWN = "withdrawn"


LIVE_LETTER = (LetterState.STAGED, LetterState.DELIVERED)


class SmsState(StrEnum):
    """Where a message is on its way out (its delivery, as the provider reports it
    afterwards, is `Delivery`).

    queued -> exported (written to the provider's file; `sms export`), or
    queued -> sending (claimed by `sms dispatch`, with its reference, before the request)
    -> sent (the provider accepted it) | failed (the provider refused it, or retries ran
    out) | unknown (a run died during the request and the provider cannot say: a person
    decides); queued -> withdrawn (it no longer tells the truth, or its number opted out).
    """

    QUEUED = "queued"
    EXPORTED = "exported"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"
    WITHDRAWN = "withdrawn"


class Delivery(StrEnum):
    """What the provider reported about a message it accepted (newest report wins, except
    that a final state is never undone by a late "sent")."""

    SENT = "sent"  # handed on to the network, not yet confirmed on the phone
    DELIVERED = "delivered"
    FAILED = "failed"  # undelivered or failed: the customer did not get it


class SmsKind(StrEnum):
    BOOKING = "booking"
    BOOKING_REMINDER = "booking_reminder"
    APPOINTMENT_REMINDER = "appointment_reminder"
    CONFIRMATION = "confirmation"
    CHANGE = "change"
    FREE_TEXT = "free_text"


REMINDER_KINDS = (SmsKind.BOOKING_REMINDER, SmsKind.APPOINTMENT_REMINDER)

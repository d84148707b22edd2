"""The states of letters, SMS and e-mail, and the kinds of SMS and e-mail (stored as
their text values)."""

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


class EmailState(StrEnum):
    """Where an e-mail amsplan sends is (`email_message.state`).

    sending (recorded with its Message-ID and committed before the SMTP conversation)
    -> sent (the server accepted it) | failed (the server refused it: it was not sent);
    sending for longer than a run can take (a run died mid-send) -> unknown: it may or
    may not have gone, and it is never sent again blindly: a person looks and settles it
    (`amsplan email settle`); sent -> bounced (a delivery status notification came back).
    """

    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"
    BOUNCED = "bounced"


class EmailKind(StrEnum):
    BOOKING = "booking"  # the booking letter as a PDF attachment (`letters email`)
    DIGEST = "digest"  # a planner's notification digest (`notify run`)

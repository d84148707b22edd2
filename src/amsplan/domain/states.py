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
    QUEUED = "queued"
    EXPORTED = "exported"
    WITHDRAWN = "withdrawn"


class SmsKind(StrEnum):
    BOOKING = "booking"
    BOOKING_REMINDER = "booking_reminder"
    APPOINTMENT_REMINDER = "appointment_reminder"
    CONFIRMATION = "confirmation"
    CHANGE = "change"
    FREE_TEXT = "free_text"


REMINDER_KINDS = (SmsKind.BOOKING_REMINDER, SmsKind.APPOINTMENT_REMINDER)

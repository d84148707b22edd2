"""What a re-import from the customer system may do to an order it already knows (pure).

A booked order (a time agreed or being agreed with the customer) keeps its history: a
new name, address, phone or e-mail address is taken, but recorded and sent to follow-up;
a required field blanked is refused (and the mobile number or e-mail address the booking
went by). A purged order keeps its anonymised personal data.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from amsplan.domain.statuses import Status

BOOKED = frozenset(
    {
        Status.READY_TO_PRINT,
        Status.AWAITING_RESPONSE,
        Status.MANUAL_FOLLOWUP,
        Status.READY_FOR_EXECUTION,
        Status.IN_PROGRESS,
    }
)
# The fields a customer is reached and found by; a change to one of a booked order matters.
CONTACT_FIELDS = ("customer_name", "street", "postcode", "city", "phone", "mobile", "email")
# Contact fields whose first value is no change that matters: nothing of the booking went
# by an e-mail address the order did not have (and the first export with the column
# must not put every booked order into follow-up).
FIRST_VALUE_TAKEN = ("email",)
# Required of a booked order: a letter and a technician need them.
REQUIRED_WHEN_BOOKED = ("customer_name", "street", "postcode", "city")
# Required of an order booked by SMS or by e-mail (its booking channel): the field named
# (the import's column) and the value that must stay (the mobile number, the address).
REQUIRED_BY_CHANNEL = {"sms": ("phone", "mobile"), "email": ("email", "email")}
# What a privacy purge writes in place of a name (and of texts).
ANONYMOUS = "(anonymisert)"
# What a privacy purge removes; a re-import does not bring it back.
PERSONAL_FIELDS = (
    "customer_name", "street", "phone", "mobile", "email", "description", "latitude",
    "longitude",
)  # fmt: skip


def is_booked(status: str, booking_code: str | None) -> bool:
    return Status(status) in BOOKED or bool(booking_code)


def is_purged(purged_at: datetime | None, customer_name: str) -> bool:
    """Whether a privacy purge anonymised the order (a re-import keeps it so)."""
    return purged_at is not None or customer_name == ANONYMOUS


# What a letter prints of the customer: a change to any of these makes it untrue.
ON_THE_LETTER = ("customer_name", "street", "postcode", "city")


def letter_untrue(changed: list[str]) -> bool:
    """Whether a letter already made is no longer true after these fields changed."""
    return any(f in ON_THE_LETTER for f in changed)


def contact_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The contact fields `new` changes, in CONTACT_FIELDS order (not a first value of
    FIRST_VALUE_TAKEN)."""
    return [
        f for f in CONTACT_FIELDS
        if f in new and (old.get(f) or None) != (new[f] or None)
        and (old.get(f) or f not in FIRST_VALUE_TAKEN)
    ]  # fmt: skip


def blanked(old: dict[str, Any], new: dict[str, Any], channel: str | None) -> list[str]:
    """Required fields of a booked order that `new` would make empty (`channel`: what the
    booking went by, "letter", "sms", "email" or None)."""
    fields = [f for f in REQUIRED_WHEN_BOOKED if f in new and old.get(f) and not new[f]]
    if channel in REQUIRED_BY_CHANNEL:
        field, value = REQUIRED_BY_CHANNEL[channel]
        if field in new and old.get(value) and not new.get(value):
            fields.append(field)
    return fields


def without_personal(old: dict[str, Any], new: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """`new` without the personal fields of a purged order; whether it tried to change one."""
    kept = {k: v for k, v in new.items() if k not in PERSONAL_FIELDS}
    return kept, any((new[k] or None) != (old.get(k) or None) for k in PERSONAL_FIELDS if k in new)


def change_text(
    old: dict[str, Any], new: dict[str, Any], fields: list[str], labels: dict[str, str]
) -> str:
    """'gate: 'Storgata 1' → 'Storgata 2'; …' for the timeline (`labels`: field → word)."""
    return "; ".join(f"{labels.get(f, f)}: {old.get(f) or ''!r} → {new[f] or ''!r}" for f in fields)


def outside_hours(start: datetime, minutes: int | None, work_start: time, work_end: time) -> bool:
    """Whether a visit starting at local `start` does not fit the (changed) working hours."""
    end = start + timedelta(minutes=minutes or 0)
    return start.time() < work_start or end > datetime.combine(start.date(), work_end)

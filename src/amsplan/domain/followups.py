"""Why an order needs a person: the follow-up kinds, their texts and their importance.

The one list of kinds. The transition table names the kind a transition into manual
follow-up records (`Transition.followup`); services that flag an order without a
transition (an SMS that failed, a changed address, a rejected validation) name one of
these; `followup list --reason` offers exactly these as choices.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from amsplan.i18n import N_, _


class FollowupKind(StrEnum):
    """Declared most important first: the follow-up list shows the most important open
    reason of an order, so e.g. a reply never hides a cancellation."""

    CANCELLED = "cancelled"
    REJECTED = "rejected"
    FAILED_VISIT = "failed_visit"
    SMS_FAILED = "sms_failed"
    EMAIL_FAILED = "email_failed"
    REPLY = "reply"
    NO_ANSWER = "no_answer"
    CHANGED = "changed"
    MANUAL = "manual"
    HOLD_PASSED = "hold_passed"

    @property
    def text(self) -> str:
        """Why the order needs a person, in the planner's language."""
        return _(TEXTS[self])


TEXTS: dict[FollowupKind, str] = {
    FollowupKind.CANCELLED: N_("cancelled upstream"),
    FollowupKind.REJECTED: N_("rejected by the meter-data system"),
    FollowupKind.FAILED_VISIT: N_("the technician could not change the meter"),
    FollowupKind.SMS_FAILED: N_("the booking SMS could not be sent"),
    FollowupKind.EMAIL_FAILED: N_("the booking e-mail could not be sent or bounced"),
    FollowupKind.REPLY: N_("the customer replied something other than the confirming word"),
    FollowupKind.NO_ANSWER: N_("no answer by the deadline"),
    FollowupKind.CHANGED: N_("name, address or phone changed in the customer system after booking"),
    FollowupKind.MANUAL: N_("a planner stopped waiting"),
    FollowupKind.HOLD_PASSED: N_("the hold date has passed"),
}

_RANK = {kind.value: rank for rank, kind in enumerate(FollowupKind)}


def rank(kind: str | None) -> int:
    """0 for the most important reason; unknown kinds after every known one."""
    return _RANK.get(kind or "", len(_RANK))


def by_importance(kinds: Iterable[str]) -> list[str]:
    """The kinds, most important first (stable for equal kinds)."""
    return sorted(kinds, key=rank)


def summary_kind(current: str | None, new: str) -> bool:
    """True when a new reason `new` should become the order's summary over `current`
    (it is at least as important: the newer reason of the same kind replaces the older)."""
    return current is None or rank(new) <= rank(current)

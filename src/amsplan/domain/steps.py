"""What a decision asks to be done to an order, as plain values: the reply decision
(domain.replies) and the failed-SMS rule (domain.delivery) return these, and
services.workflow.carry_out does them, one way for both."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from amsplan.domain.followups import FollowupKind


@dataclass(frozen=True)
class Apply:
    """Apply a transition to the order (params: text, reason, reconsider)."""

    transition: str
    comment: str
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Note:
    """A comment on the order."""

    text: str


@dataclass(frozen=True)
class Flag:
    """One more reason the order needs a person."""

    kind: FollowupKind
    reason: str


@dataclass(frozen=True)
class SetNoSms:
    """Mark whether the customer wants no SMS, with a comment on the order (none when
    empty: another step of the decision says it)."""

    no_sms: bool
    comment: str


Step = Apply | Note | Flag | SetNoSms

"""apply(): the only way an order's status changes (pure: no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from amsplan.domain.statuses import Status
from amsplan.domain.transitions import TRANSITIONS, OrderLike, Transition
from amsplan.errors import TransitionRefused


@dataclass(frozen=True)
class StatusChange:
    transition: Transition
    from_status: Status
    to_status: Status


def get(name: str) -> Transition:
    try:
        return TRANSITIONS[name]
    except KeyError:
        raise TransitionRefused("-", name, "no such transition") from None


def check(order: OrderLike, name: str, params: Mapping[str, Any] | None = None) -> Transition:
    """The transition if it may be applied now; TransitionRefused with the reason if not."""
    transition = get(name)
    status = Status(order.status)  # a row's status set in this transaction may be its text
    if status not in transition.sources:
        allowed = ", ".join(sorted(s.value for s in transition.sources))
        raise TransitionRefused(
            order.order_no, name, f"order is {status.value}; allowed from {allowed}"
        )
    params = params or {}
    reasons = [reason for v in transition.validators if (reason := v(order, params))]
    if reasons:
        raise TransitionRefused(order.order_no, name, "; ".join(reasons))
    return transition


def apply(order: OrderLike, name: str, params: Mapping[str, Any] | None = None) -> StatusChange:
    """Check, then move the order to the transition's target status."""
    transition = check(order, name, params)
    before = Status(order.status)
    order.status = transition.target
    return StatusChange(transition, before, transition.target)

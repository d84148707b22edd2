"""apply(): the only way an order's status changes (pure: no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from amsplan.domain.statuses import DEFAULT_LABELS, Status
from amsplan.domain.transitions import TRANSITIONS, OrderLike, Transition
from amsplan.errors import TransitionRefused
from amsplan.i18n import _


@dataclass(frozen=True)
class StatusChange:
    transition: Transition
    from_status: Status
    to_status: Status


def get(name: str) -> Transition:
    try:
        return TRANSITIONS[name]
    except KeyError:
        raise TransitionRefused("-", name, _("no such transition")) from None


def check(order: OrderLike, name: str, params: Mapping[str, Any] | None = None) -> Transition:
    """The transition if it may be applied now; TransitionRefused with the reason if not."""
    transition = get(name)
    status = Status(order.status)  # a row's status set in this transaction may be its text
    if status not in transition.sources:
        raise TransitionRefused(
            order.order_no, name, not_from(transition, status), transition.label
        )
    params = params or {}
    reasons = [reason for v in transition.validators if (reason := v(order, params))]
    if reasons:
        raise TransitionRefused(order.order_no, name, "; ".join(reasons), transition.label)
    return transition


def not_from(transition: Transition, status: Status) -> str:
    """Why `transition` may not start from `status`, in labels: "the order is Klar til
    utførelse; allowed from Manuell oppfølging"."""
    allowed = ", ".join(sorted(_(DEFAULT_LABELS[s]) for s in transition.sources))
    return _("the order is {status}; allowed from {allowed}").format(
        status=_(DEFAULT_LABELS[status]), allowed=allowed
    )


def apply(order: OrderLike, name: str, params: Mapping[str, Any] | None = None) -> StatusChange:
    """Check, then move the order to the transition's target status."""
    transition = check(order, name, params)
    before = Status(order.status)
    order.status = transition.target
    return StatusChange(transition, before, transition.target)

"""Where a cancellation from the customer system takes an order, by its status (SPEC:
Cancellation). Pure: the service applies the steps with the workflow."""

from __future__ import annotations

from dataclasses import dataclass

from amsplan.domain.statuses import Status
from amsplan.errors import TransitionRefused
from amsplan.i18n import _


@dataclass(frozen=True)
class Step:
    """One transition to apply, its comment, and the follow-up reason it records (None:
    the transition's label or comment, as for any transition)."""

    transition: str
    comment: str
    reason: str | None = None


def route(
    order_no: str, status: Status, resolution: str | None, label: str, reason: str = ""
) -> tuple[Step, ...]:
    """The transitions that cancel an order in `status` (`label`: the status as planners
    read it), in order (the comments are Norwegian history, as written since the start;
    the follow-up reason is in the planner's language):

    - open (not started): closed at once, resolution cancelled;
    - resolved (a failed visit): reopened, then to manual follow-up, the resolution kept
      in the comments;
    - closed: refused (TransitionRefused), nothing to cancel;
    - any other (started): to manual follow-up, flagged as cancelled.
    """
    why = f": {reason}" if reason else ""
    if status is Status.OPEN:
        return (Step("cancel_open", f"KANSELLERT av kundesystemet (ikke påbegynt){why}"),)
    if status is Status.CLOSED:
        raise TransitionRefused(
            order_no, "cancel", _("the order is closed; cannot be cancelled"), _("Cancellation")
        )
    if status is Status.RESOLVED:
        previous = f"forrige status {label}, løsningsstatus {resolution}"
        return (
            Step("cancel_failed_visit", f"KANSELLERT: gjenåpnet ({previous}){why}"),
            Step(
                "cancel_started",
                f"KANSELLERT ({previous}){why}",
                _("cancelled; was {status}, {resolution}").format(
                    status=label, resolution=resolution
                ),
            ),
        )
    return (
        Step(
            "cancel_started",
            f"KANSELLERT (forrige status {label}){why}",
            _("cancelled; was {status}").format(status=label),
        ),
    )

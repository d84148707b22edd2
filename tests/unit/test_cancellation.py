"""Cancellation routing (domain.cancellation.route): which transitions, by status."""

from __future__ import annotations

import pytest

from amsplan.domain import engine
from amsplan.domain.cancellation import Step, route
from amsplan.domain.statuses import Status
from amsplan.domain.transitions import TRANSITIONS
from amsplan.errors import TransitionRefused


def test_open_order_closes():
    assert route("AMS-1", Status.OPEN, None, "Åpen", "kunden flyttet") == (
        Step("cancel_open", "KANSELLERT av kundesystemet (ikke påbegynt): kunden flyttet"),
    )


def test_closed_order_is_refused():
    with pytest.raises(TransitionRefused) as refused:
        route("AMS-1", Status.CLOSED, "OK", "Lukket")
    assert refused.value.reason == "the order is closed; cannot be cancelled"


def test_failed_visit_is_reopened_then_followed_up():
    steps = route("AMS-1", Status.RESOLVED, "IKKE_TILGANG", "Løst")
    assert steps == (
        Step("cancel_failed_visit",
             "KANSELLERT: gjenåpnet (forrige status Løst, løsningsstatus IKKE_TILGANG)"),
        Step("cancel_started", "KANSELLERT (forrige status Løst, løsningsstatus IKKE_TILGANG)",
             "cancelled; was Løst, IKKE_TILGANG"),
    )  # fmt: skip


@pytest.mark.parametrize(
    "status", [s for s in Status if s not in (Status.OPEN, Status.CLOSED, Status.RESOLVED)]
)
def test_started_order_goes_to_manual_followup(status):
    (step,) = route("AMS-1", status, None, "Etikett", "feil")
    assert step == Step("cancel_started", "KANSELLERT (forrige status Etikett): feil",
                        "cancelled; was Etikett")  # fmt: skip


@pytest.mark.parametrize("status", [s for s in Status if s is not Status.CLOSED])
def test_every_route_is_allowed_by_the_table(status):
    """Each step is a transition the table allows from where the previous one left off."""
    at = status
    for step in route("AMS-1", status, None, "x"):
        transition = TRANSITIONS[step.transition]
        assert at in transition.sources, (status, step.transition)
        at = transition.target
    assert at in (Status.CLOSED, Status.MANUAL_FOLLOWUP)
    assert engine.get("cancel_started").followup == "cancelled"

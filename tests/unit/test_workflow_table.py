"""The transition table: every transition from every status, allowed or refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from amsplan.domain import engine
from amsplan.domain.statuses import DEFAULT_COLOURS, DEFAULT_LABELS, Status
from amsplan.domain.transitions import TABLE, TRANSITIONS, unassign_transition
from amsplan.errors import TransitionRefused
from amsplan.i18n import _
from amsplan.services.workflow import EFFECTS

PARAMS = {
    "resolution": "OK", "until": date(2026, 5, 1), "text": "KONTAKT", "reconsider": "own_reply",
}  # fmt: skip


@dataclass
class FakeOrder:
    status: Status
    order_no: str = "AMS-1"
    technician_id: str | None = "T01"
    planned_start: datetime | None = datetime(2026, 4, 22, 6, tzinfo=UTC)
    estimate_minutes: int | None = 60
    customer_name: str = "Kari Nordmann"
    street: str = "Storgata 1"
    postcode: str = "2317"
    city: str = "HAMAR"
    mobile: str | None = "+4741234567"
    no_sms: bool = False
    cancelled: bool = False

    def __post_init__(self) -> None:
        self.status = Status(self.status)  # as the ORM row reads it back


CASES = [(t.name, s) for t in TABLE for s in Status]


@pytest.mark.parametrize(("name", "status"), CASES)
def test_every_transition_from_every_status(name, status):
    transition = TRANSITIONS[name]
    order = FakeOrder(status=status.value)
    if status in transition.sources:
        change = engine.apply(order, name, PARAMS)
        assert order.status == transition.target.value
        assert change.from_status is status
        assert change.to_status is transition.target
    else:
        with pytest.raises(TransitionRefused) as refused:
            engine.apply(order, name, PARAMS)
        assert f"the order is {_(DEFAULT_LABELS[status])};" in refused.value.reason
        assert order.status == status.value


def test_lock_lists_every_missing_field():
    order = FakeOrder(status="planning", technician_id=None, street=" ", postcode="", city="")
    with pytest.raises(TransitionRefused) as refused:
        engine.apply(order, "lock")
    assert refused.value.reason == "missing technician, street, postcode, city"
    assert order.status == "planning"


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [("no_sms", True, "does not want SMS"), ("mobile", None, "no valid mobile number")],
)
def test_sms_booking_needs_a_mobile_and_consent(field, value, reason):
    order = FakeOrder(status="planning", **{field: value})
    with pytest.raises(TransitionRefused, match=reason):
        engine.apply(order, "booking_sent")


@pytest.mark.parametrize(
    ("name", "status", "missing"),
    [("close", "resolved", "resolution"), ("resolve", "in_progress", "resolution"),
     ("hold", "planning", "until"), ("reply_other", "awaiting_response", "text")],
)  # fmt: skip
def test_transitions_that_need_a_parameter_refuse_without_it(name, status, missing):
    params = {k: v for k, v in PARAMS.items() if k != missing}
    with pytest.raises(TransitionRefused):
        engine.apply(FakeOrder(status=status), name, params)


def test_unknown_transition_is_refused():
    with pytest.raises(TransitionRefused, match="no such transition"):
        engine.apply(FakeOrder(status="open"), "teleport")


def test_closed_orders_cannot_be_cancelled_or_closed_again():
    for name in ("cancel_open", "cancel_started", "cancel_failed_visit", "close"):
        with pytest.raises(TransitionRefused):
            engine.check(FakeOrder(status="closed"), name, PARAMS)


def test_every_effect_has_an_implementation():
    named = {e for t in TABLE for e in t.effects}
    assert named <= set(EFFECTS), named - set(EFFECTS)


def test_every_status_is_reachable_and_labelled():
    targets = {t.target for t in TABLE}
    assert targets | {Status.OPEN} == set(Status)
    assert set(DEFAULT_LABELS) == set(DEFAULT_COLOURS) == set(Status)


def test_transition_names_are_unique():
    assert len(TRANSITIONS) == len(TABLE)


def test_every_transition_into_manual_followup_names_its_kind():
    """The follow-up kind comes from the table, never from a list kept beside it."""
    into = [t for t in TABLE if t.target is Status.MANUAL_FOLLOWUP]
    assert into
    assert [t.name for t in into if t.followup is None] == []
    assert [t.name for t in TABLE if t.followup and t.target is not Status.MANUAL_FOLLOWUP] == []
    assert {t.name: t.followup.value for t in into if t.followup} == {
        "reply_other": "reply", "follow_up_manually": "manual", "booking_reminder": "no_answer",
        "to_manual": "rejected", "cancel_started": "cancelled", "sms_undelivered": "sms_failed",
        "email_undelivered": "email_failed",
        "opt_out": "reply",
    }  # fmt: skip


def test_sms_allowed_is_the_one_rule():
    from amsplan.domain.transitions import sms_allowed, sms_refusal

    assert sms_allowed(FakeOrder(status="planning"))
    assert sms_refusal(FakeOrder(status="planning", mobile=None)) == "no valid mobile number"
    assert sms_refusal(FakeOrder(status="planning", mobile="")) == "no valid mobile number"
    no = FakeOrder(status="planning", no_sms=True)
    assert not sms_allowed(no)
    assert sms_refusal(no) == "customer does not want SMS"
    both = FakeOrder(status="planning", no_sms=True, mobile=None)
    assert sms_refusal(both) == "customer does not want SMS"


@pytest.mark.parametrize("status", list(Status))
def test_unassign_keeps_a_held_order_on_hold_and_the_transition_accepts_it(status):
    name = unassign_transition(status)
    assert name == ("unassign_held" if status is Status.ON_HOLD else "unassign")
    if status is Status.ON_HOLD:
        assert TRANSITIONS[name].target is Status.ON_HOLD
    assert (status in TRANSITIONS[name].sources) == (
        status in TRANSITIONS["unassign"].sources | TRANSITIONS["unassign_held"].sources
    )


def test_a_refusal_names_statuses_and_the_transition_by_their_labels_in_norwegian():
    from amsplan import i18n

    i18n.use("nb")
    with pytest.raises(TransitionRefused) as refused:
        engine.apply(FakeOrder(status="ready_for_execution"), "send_to_execution", PARAMS)
    assert refused.value.reason == "ordren er Klar til utførelse; tillatt fra Manuell oppfølging"
    assert str(refused.value).startswith("AMS-1: Send til utførelse: ordren er")
    assert "ready_for_execution" not in str(refused.value)


def test_every_check_and_effect_has_words_for_workflow_show():
    from amsplan.domain.transitions import CHECKS
    from amsplan.domain.transitions import EFFECTS as WORDS

    assert {v.__name__ for t in TABLE for v in t.validators} <= set(CHECKS)
    assert set(WORDS) == set(EFFECTS)

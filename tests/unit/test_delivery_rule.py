"""The rule for a message that did not reach the customer, and the retry/rate numbers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from amsplan.domain import delivery
from amsplan.domain.followups import FollowupKind
from amsplan.domain.states import SmsKind
from amsplan.domain.statuses import Status
from amsplan.domain.steps import Apply, Flag, Note
from amsplan.domain.transitions import TRANSITIONS


def test_a_failed_booking_sms_moves_a_waiting_order_to_manual_followup_with_the_reason():
    (step,) = delivery.failure_steps(
        SmsKind.BOOKING, Status.AWAITING_RESPONSE, "Twilio error 30003"
    )
    assert isinstance(step, Apply) and step.transition == "sms_undelivered"
    assert "Twilio error 30003" in step.comment and "could not be delivered" in step.comment
    assert step.params["text"] == step.comment and "Twilio error 30003" in step.params["reason"]
    assert TRANSITIONS["sms_undelivered"].followup is FollowupKind.SMS_FAILED


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        (SmsKind.CONFIRMATION, Status.READY_FOR_EXECUTION),
        (SmsKind.APPOINTMENT_REMINDER, Status.READY_FOR_EXECUTION),
        (SmsKind.BOOKING_REMINDER, Status.AWAITING_RESPONSE),
        (SmsKind.FREE_TEXT, Status.AWAITING_RESPONSE),
        (SmsKind.BOOKING, Status.READY_FOR_EXECUTION),  # answered another way meanwhile
    ],
)
def test_any_other_failed_message_leaves_the_status_and_is_noted_and_flagged(kind, status):
    note, flag = delivery.failure_steps(kind, status, "Sveve: Ugyldig nummer")
    assert isinstance(note, Note) and "Sveve: Ugyldig nummer" in note.text
    assert isinstance(flag, Flag) and flag.kind is FollowupKind.SMS_FAILED
    assert "Sveve: Ugyldig nummer" in flag.reason


def test_backoff_doubles_respects_retry_after_and_is_capped():
    assert [delivery.backoff(n) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 4.0]
    assert delivery.backoff(1, after=7) == 7
    assert delivery.backoff(1, after=0) == 0
    assert delivery.backoff(20) == 30.0 and delivery.backoff(1, after=3600) == 30.0


def test_pace_lets_rate_messages_out_a_second():
    assert delivery.pace(0, 10.0, 10.0) == 0  # no limit
    assert delivery.pace(4, None, 10.0) == 0  # the first goes at once
    assert delivery.pace(4, 10.0, 10.1) == pytest.approx(0.15)
    assert delivery.pace(4, 10.0, 11.0) == 0  # already waited long enough


def test_a_claim_counts_as_left_only_after_a_live_run_would_have_renewed_it():
    assert delivery.left_after(10) == timedelta(minutes=10)
    slow = delivery.left_after(120)  # a provider given two minutes per request
    assert slow >= 3 * timedelta(seconds=120 + delivery.BACKOFF_CAP) and slow > timedelta(
        minutes=10
    )

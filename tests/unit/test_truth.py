"""The pure rules: is a letter or a queued SMS still true for its order?"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from amsplan.domain import truth
from amsplan.domain.codes import format_code
from amsplan.domain.statuses import Status

AT = datetime(2026, 4, 22, 6, 0, tzinfo=UTC)
CODE = "ACDE7FHA"


@dataclass(frozen=True)
class Facts:
    status: str = Status.AWAITING_RESPONSE.value
    booking_code: str | None = CODE
    booking_channel: str | None = "letter"
    planned_start: datetime | None = AT
    technician_id: str | None = "T01"
    cancelled: bool = False


def letter(order: Facts) -> str | None:
    return truth.letter_withdraw_reason(order, CODE, AT, "T01")


def test_a_letter_is_true_while_nothing_it_says_changed():
    for status in ("awaiting_response", "ready_to_print", "manual_followup",
                   "ready_for_execution"):  # fmt: skip
        assert letter(Facts(status=status)) is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"planned_start": AT + timedelta(hours=1)}, "the time changed"),
        ({"technician_id": "T02"}, "the technician changed"),
        ({"booking_code": "BBBB2222"}, "the booking code changed"),
        ({"booking_code": None, "status": "closed"}, "the order is closed"),
        ({"status": "on_hold"}, "the order is on hold"),
        ({"status": "planning"}, "the order is being planned again"),
        ({"cancelled": True, "status": "manual_followup"}, "the order was cancelled"),
        ({"booking_channel": "sms"}, "the order was booked by SMS"),
    ],
)
def test_a_letter_is_withdrawn_when_what_it_says_changed(change, reason):
    assert letter(replace(Facts(), **change)) == reason


def sms(order: Facts, kind: str, text: str = "", appointment=AT) -> truth.Verdict:
    return truth.sms_verdict(order, kind, text, appointment)


def test_booking_sms_rules():
    booked = Facts(booking_channel="sms")
    text = f"Svar {format_code(CODE)} OK"
    assert sms(booked, "booking", text).action == truth.KEEP
    assert sms(replace(booked, booking_code="BBBB2222"), "booking", text).action == truth.WITHDRAW
    # A template without the code is not mistaken for one with an old code.
    assert sms(replace(booked, booking_code="BBBB2222"), "booking", "Ring oss").action == "keep"
    assert sms(booked, "booking", text, AT - timedelta(days=1)).action == truth.WITHDRAW
    assert sms(replace(booked, status="on_hold"), "booking", text).reason == "the order is on hold"
    assert sms(replace(booked, status="closed"), "booking", text).action == truth.WITHDRAW
    reminder = replace(booked, status="manual_followup")
    assert sms(reminder, "booking_reminder", text).action == truth.KEEP
    assert sms(replace(reminder, status="ready_for_execution"), "booking_reminder",
               text).action == truth.WITHDRAW  # fmt: skip


@pytest.mark.parametrize("kind", ["confirmation", "appointment_reminder"])
def test_a_confirmed_visit_s_message_is_re_rendered_when_the_time_moves(kind):
    confirmed = Facts(status="ready_for_execution")
    assert sms(confirmed, kind).action == truth.KEEP
    moved = sms(confirmed, kind, appointment=AT - timedelta(days=2))
    assert (moved.action, moved.reason) == (truth.RERENDER, "the time changed")
    assert sms(replace(confirmed, status="on_hold"), kind).action == truth.WITHDRAW
    assert sms(replace(confirmed, cancelled=True), kind).action == truth.WITHDRAW


def test_free_text_and_change_notices():
    assert sms(Facts(), "free_text").action == truth.KEEP
    assert sms(Facts(), "free_text", appointment=None).action == truth.KEEP
    assert sms(Facts(), "free_text", appointment=AT - timedelta(hours=1)).action == truth.WITHDRAW
    assert sms(Facts(status="ready_for_execution"), "change").action == truth.KEEP
    assert sms(Facts(status="on_hold"), "change").action == truth.WITHDRAW
    assert sms(Facts(), "change", appointment=AT - timedelta(hours=1)).action == truth.WITHDRAW
    assert sms(Facts(), "something_new").action == truth.KEEP

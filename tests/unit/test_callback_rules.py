"""domain.callbacks: which callbacks are the same (also a push without an id), which
delivery report wins, what a failure says, how often a failing callback is tried."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from amsplan.domain.callbacks import (
    MAX_TRIES,
    dedup_key,
    error_outcome,
    failure_reason,
    newly_failed,
    pushed_id,
    retry_due,
    sender_prefix,
    takes_report,
    tries,
)
from amsplan.domain.states import Delivery as D


def test_a_status_report_is_one_per_message_and_state_an_inbound_message_one_per_message():
    assert dedup_key("twilio", "status", "SM1", "sent") == "twilio:status:SM1:sent"
    assert dedup_key("twilio", "status", "SM1", "delivered") != dedup_key(
        "twilio", "status", "SM1", "sent"
    )
    assert dedup_key("twilio", "inbound", "SM1") == "twilio:inbound:SM1"
    assert dedup_key("sveve", "status", "42", "false") != dedup_key(
        "twilio", "status", "42", "false"
    )


@pytest.mark.parametrize(
    ("current", "reported", "takes"),
    [
        (None, D.SENT, True),
        (None, D.FAILED, True),
        (D.SENT, D.DELIVERED, True),
        (D.SENT, D.FAILED, True),
        (D.DELIVERED, D.SENT, False),  # a late "sent" never undoes a final state
        (D.FAILED, D.SENT, False),
        (D.FAILED, D.DELIVERED, True),  # the newest final word wins
    ],
)
def test_a_final_state_is_never_undone_by_a_late_sent(current, reported, takes):
    assert takes_report(current, reported) is takes


AT = datetime(2026, 4, 15, 8, 0, tzinfo=UTC)


def test_a_push_without_an_id_is_a_new_message_unless_it_repeats_the_latest_within_12_hours():
    first = pushed_id("sveve", "4791234567", "STOPP", AT, None)
    assert first.startswith(sender_prefix("sveve", "4791234567"))
    assert "4791234567" not in first and len(first) <= 64
    # Sveve's retries (5 s ... 4 h later) are that push
    for later in (timedelta(seconds=5), timedelta(hours=4), timedelta(hours=12)):
        assert pushed_id("sveve", "4791234567", "STOPP", AT + later, (first, AT)) == first
    # the same words again after other words from the number, or much later: a new message
    start = pushed_id("sveve", "4791234567", "START", AT + timedelta(minutes=1), (first, AT))
    assert start != first
    again = pushed_id("sveve", "4791234567", "STOPP", AT + timedelta(minutes=2), (start, AT))
    assert again not in (first, start)
    assert pushed_id("sveve", "4791234567", "STOPP", AT + timedelta(hours=13), (first, AT)) != first
    # another number's latest push is never this one's
    other = pushed_id("sveve", "4790000000", "STOPP", AT + timedelta(seconds=5), (first, AT))
    assert other != first


def test_a_failure_reason_says_when_the_provider_reported_it_when_it_says():
    oslo = ZoneInfo("Europe/Oslo")
    assert failure_reason("undelivered", "Twilio error 30003", None, oslo) == (
        "undelivered (Twilio error 30003)"
    )
    assert failure_reason("failed", "", None, oslo) == "failed"
    assert failure_reason("false", "4 Ugyldig", AT, oslo) == (
        "false (4 Ugyldig, rapportert 15.04.2026 10:00)"
    )


@pytest.mark.parametrize(
    ("before", "reported", "news"),
    [(None, D.FAILED, True), ("sent", D.FAILED, True), ("failed", D.FAILED, False),
     (None, D.DELIVERED, False)],
)  # fmt: skip
def test_a_failure_is_news_once(before, reported, news):
    assert newly_failed(before, reported) is news


def test_a_callback_that_raises_is_tried_max_tries_times():
    outcome = None
    for n in range(1, MAX_TRIES + 1):
        assert retry_due(outcome)
        outcome = error_outcome(KeyError("+4791234567 secret text"), outcome)
        assert outcome == f"error: KeyError (try {n})"
    assert not retry_due(outcome) and tries(outcome) == MAX_TRIES
    assert tries("applied") == 0 and tries(None) == 0

"""domain.callbacks: which callbacks are the same, and which delivery report wins."""

from __future__ import annotations

import pytest

from amsplan.domain.callbacks import dedup_key, takes_report
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

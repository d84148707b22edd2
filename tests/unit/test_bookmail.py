"""Which orders are booked by e-mail (which addresses need SMTPUTF8), which answers
refuse an address for good, when a message "sending" was left by a dead run
(domain.bookmail, pure); what a failed booking e-mail does to its order
(domain.delivery.email_failure_steps)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from amsplan.adapters.mailout import NO_SMTPUTF8
from amsplan.domain import bookmail, delivery
from amsplan.domain.bookmail import Way, choose
from amsplan.domain.cells import needs_smtputf8
from amsplan.domain.followups import FollowupKind
from amsplan.domain.states import EmailState
from amsplan.domain.statuses import Status
from amsplan.domain.steps import Apply, Flag, Note


def test_an_order_with_an_address_is_booked_by_e_mail_when_it_is_on():
    assert choose(True, "kari@kunde.no", None, None).way is Way.EMAIL
    assert choose(False, "kari@kunde.no", None, None) == bookmail.Choice(
        Way.LETTER, "booking by e-mail is off ([email] booking)"
    )
    assert choose(True, "", None, None).why == "no e-mail address"
    refused = choose(True, "kari@kunde.no", None, "550 5.1.1 <address> unknown")
    assert refused == bookmail.Choice(
        Way.LETTER, "the address was refused: 550 5.1.1 <address> unknown"
    )


@pytest.mark.parametrize(
    ("address", "needs", "way"),
    [
        ("kari@kunde.no", False, Way.EMAIL),
        ("ola@bølgen.no", False, Way.EMAIL),  # the domain travels as xn--blgen-vua.no
        ("åse@kunde.no", True, Way.LETTER),
        ("Ørjan.Ås@bølgen.no", True, Way.LETTER),
    ],
)
def test_only_a_mailbox_name_outside_ascii_needs_smtputf8_and_gets_a_letter(address, needs, way):
    assert needs_smtputf8(address) is needs
    choice = choose(True, address, None, None)
    assert choice.way is way
    assert choice.why == ("letters outside ASCII before the @ (SMTPUTF8): print a letter"
                          if needs else "")  # fmt: skip


@pytest.mark.parametrize(
    ("timeout", "minutes"), [(1, 15), (30, 15), (90, 15), (120, 20), (600, 100)]
)
def test_a_message_sending_longer_than_ten_timeouts_and_15_minutes_was_left(timeout, minutes):
    assert bookmail.left_after(timeout) == timedelta(minutes=minutes)


@pytest.mark.parametrize("enabled", [True, False])
def test_a_booking_in_doubt_is_neither_e_mailed_nor_printed_whatever_the_setting(enabled):
    choice = choose(enabled, "kari@kunde.no", (17, EmailState.UNKNOWN), "550 refused")
    assert choice.way is Way.IN_DOUBT
    assert choice.why == (
        "booking e-mail 17 in doubt: check and settle it "
        "(amsplan email settle 17 --sent | --not-sent)"
    )
    sending = choose(enabled, "kari@kunde.no", (18, EmailState.SENDING), None)
    assert sending.way is Way.IN_DOUBT and "18 is being sent" in sending.why


@pytest.mark.parametrize(
    ("state", "error", "for_good", "answered"),
    [
        (EmailState.FAILED, "550 5.1.1 <address> unknown", True, True),
        (EmailState.FAILED, "554 transaction failed", False, True),  # the message, not the address
        (EmailState.FAILED, "550 User unknown", True, True),
        (EmailState.FAILED, "553 5.1.3 bad address syntax", True, True),
        (EmailState.FAILED, "550 5.7.1 rejected as spam", False, True),
        (EmailState.FAILED, "552 5.3.4 message too big", False, True),
        (EmailState.FAILED, "500 Error: (AttributeError) bad", False, True),  # a server fault
        (EmailState.FAILED, "452 4.3.1 insufficient storage", False, True),
        (EmailState.FAILED, "421", False, True),
        (EmailState.FAILED, NO_SMTPUTF8, True, True),  # RFC 6531: a server without SMTPUTF8
        (EmailState.FAILED, "not sent: cannot reach the mail server x:25: timed out", False, False),
        (EmailState.FAILED, "settled by kari as not sent", False, False),
        (EmailState.FAILED, "5501 not a code", False, False),
        (EmailState.FAILED, None, False, False),
        (EmailState.BOUNCED, "5.1.1 user unknown", True, False),
        (EmailState.SENT, "550 odd", False, True),
        (EmailState.UNKNOWN, "the connection broke", False, False),
    ],
)
def test_which_answers_refuse_an_address_for_good(state, error, for_good, answered):
    assert bookmail.refused_for_good(state, error) is for_good
    assert bookmail.server_refused(error) is answered


def test_a_failed_booking_e_mail_flags_an_order_and_moves_one_waiting_for_it():
    reason = "550 5.1.1 <address> unknown"
    note, flag = delivery.email_failure_steps(Status.READY_TO_PRINT, None, reason)
    assert isinstance(note, Note) and reason in note.text
    assert isinstance(flag, Flag) and flag.kind is FollowupKind.EMAIL_FAILED
    assert reason in flag.reason
    (step,) = delivery.email_failure_steps(Status.AWAITING_RESPONSE, "email", reason)
    assert isinstance(step, Apply) and step.transition == "email_undelivered"
    assert step.params["text"] == step.comment and reason in step.params["reason"]
    # Waiting for the answer to a letter: the e-mail was not the booking.
    assert len(delivery.email_failure_steps(Status.AWAITING_RESPONSE, "letter", reason)) == 2

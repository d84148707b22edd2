"""The reply decision (domain.replies.decide) as a table, without a database: every
outcome, with the keywords OK/KONTAKT as well as JA/NEI."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from amsplan.domain.followups import FollowupKind
from amsplan.domain.replies import (
    ANSWERED,
    OUTCOMES,
    Apply,
    CodeState,
    Decision,
    Flag,
    Holder,
    Incoming,
    Note,
    OptDecision,
    OrderState,
    ReplyOutcome,
    SetNoSms,
    decide,
    decide_opt,
    opt_word,
    parse,
    reconsider,
)
from amsplan.domain.statuses import Status

TZ = ZoneInfo("Europe/Oslo")
AT = datetime(2026, 4, 21, 8, 0, tzinfo=UTC)  # 10:00 in Oslo
EARLIER = datetime(2026, 4, 21, 7, 0, tzinfo=UTC)
R = ReplyOutcome
AWAITING = OrderState(Status.AWAITING_RESPONSE)
KEYWORDS = [("OK", "KONTAKT"), ("JA", "NEI")]


def reply(answer: str, text: str | None = None, received: datetime = AT, **kw) -> Incoming:
    return Incoming(text or f"ACDE-7FHA {answer}", "+4741234567", received, answer, **kw)


@pytest.mark.parametrize(("ok", "contact"), KEYWORDS)
def test_the_configured_word_confirms_a_waiting_order(ok, contact):
    decision = decide(reply(ok.lower()), CodeState.LIVE, AWAITING, ok, TZ)
    assert decision == Decision(R.CONFIRMED, True, (Apply("reply_ok", f"Reply {ok}"),), True)


@pytest.mark.parametrize(("ok", "contact"), KEYWORDS)
def test_the_contact_word_and_the_other_keyword_need_a_person(ok, contact):
    other = "JA" if ok == "OK" else "OK"
    for answer in (contact, other, f"{ok}!!", ""):
        decision = decide(reply(answer), CodeState.LIVE, AWAITING, ok, TZ)
        assert decision.outcome is R.FOLLOWUP and decision.handled and decision.last_word
        shown = answer or "(no text)"
        assert decision.steps == (
            Apply("reply_other", "Reply received",
                  {"text": f"ACDE-7FHA {answer}", "reason": f"customer replied: {shown}"}),
        )  # fmt: skip


def test_the_parser_and_the_decision_agree_on_the_word():
    text = "acde-7fha ja"
    (candidate,) = parse(text).candidates
    incoming = Incoming(text, "+4741234567", AT, candidate.answer)
    assert decide(incoming, CodeState.LIVE, AWAITING, "JA", TZ).outcome is R.CONFIRMED
    assert decide(incoming, CodeState.LIVE, AWAITING, "OK", TZ).outcome is R.FOLLOWUP


def test_a_duplicate_does_nothing():
    decision = decide(reply("OK", duplicate=True), CodeState.LIVE, AWAITING, "OK", TZ)
    assert decision == Decision(R.DUPLICATE, handled=True)


@pytest.mark.parametrize(("code", "outcome"), [(CodeState.NONE, R.NO_CODE),
                                               (CodeState.UNKNOWN, R.UNKNOWN_CODE)])  # fmt: skip
def test_without_a_known_code_only_one_waiting_order_of_the_sender_takes_it(code, outcome):
    alone = decide(reply("", text="hei, det passer"), code, None, "OK", TZ)
    assert alone == Decision(outcome)  # for a person
    matched = decide(reply("", text="hei, det passer"), code, AWAITING, "OK", TZ)
    assert matched.outcome is R.MATCHED_BY_PHONE and matched.handled
    assert not matched.last_word
    assert matched.steps == (
        Apply("reply_other", "Reply without a valid code",
              {"text": "Reply without a valid code from +4741234567: hei, det passer",
               "reason": "replied without a valid code: hei, det passer"}),
    )  # fmt: skip


def test_a_retired_code_goes_to_a_person_or_to_follow_up():
    decision = decide(reply("OK"), CodeState.RETIRED, AWAITING, "OK", TZ)
    assert decision.outcome is R.RETIRED_CODE and decision.handled
    assert decision.steps == (
        Apply("reply_other", "Reply with an old code",
              {"text": "Reply with an old code: ACDE-7FHA OK",
               "reason": "replied with an old code: ACDE-7FHA OK"}),
    )  # fmt: skip
    ready = OrderState(Status.READY_FOR_EXECUTION)
    assert decide(reply("OK"), CodeState.RETIRED, ready, "OK", TZ) == Decision(R.RETIRED_CODE)


def test_an_answer_older_than_the_newest_is_only_noted():
    order = OrderState(Status.READY_FOR_EXECUTION, newest_answer=AT)
    decision = decide(reply("NEI", received=EARLIER), CodeState.LIVE, order, "JA", TZ)
    assert decision == Decision(
        R.SUPERSEDED, True, (Note("Older reply (received 21.04.2026 09:00, before a newer one): "
                                  "ACDE-7FHA NEI"),)
    )  # fmt: skip


def test_an_answer_to_a_cancelled_order_is_noted_and_flagged():
    order = OrderState(Status.MANUAL_FOLLOWUP, cancelled=True)
    decision = decide(reply("JA"), CodeState.LIVE, order, "JA", TZ)
    assert decision == Decision(
        R.CANCELLED_ORDER, True,
        (Note("Reply after cancellation: ACDE-7FHA JA"),
         Flag(FollowupKind.REPLY, "customer replied after cancellation: JA")),
        True,
    )  # fmt: skip


@pytest.mark.parametrize(("ok", "contact"), KEYWORDS)
def test_the_same_answer_again_is_a_repeat(ok, contact):
    ready = OrderState(Status.READY_FOR_EXECUTION, last_transition=("reply_ok", EARLIER))
    decision = decide(reply(ok), CodeState.LIVE, ready, ok, TZ)
    assert decision == Decision(R.REPEAT, True, (Note(f"Same reply again: ACDE-7FHA {ok}"),), True)
    manual = OrderState(Status.MANUAL_FOLLOWUP, followup_reason=f"customer replied: {contact}")
    assert decide(reply(contact), CodeState.LIVE, manual, ok, TZ).outcome is R.REPEAT


def test_a_late_answer_stays_in_follow_up_with_the_reason():
    order = OrderState(Status.MANUAL_FOLLOWUP, last_transition=("booking_reminder", EARLIER))
    decision = decide(reply("JA"), CodeState.LIVE, order, "JA", TZ)
    assert decision == Decision(
        R.LATE_REPLY, True,
        (Note("Reply (late): ACDE-7FHA JA"), Flag(FollowupKind.REPLY, "customer replied late: JA")),
        True,
    )  # fmt: skip


def test_an_order_that_moved_on_is_not_awaiting():
    order = OrderState(Status.IN_PROGRESS, last_transition=("start_work", EARLIER))
    assert decide(reply("OK"), CodeState.LIVE, order, "OK", TZ) == Decision(R.NOT_AWAITING)


@pytest.mark.parametrize(("ok", "contact"), KEYWORDS)
def test_a_newer_answer_reconsiders_the_customers_own_answer(ok, contact):
    confirmed = OrderState(Status.READY_FOR_EXECUTION, last_transition=("reply_ok", EARLIER))
    decision = decide(reply(contact), CodeState.LIVE, confirmed, ok, TZ)
    assert decision.outcome is R.FOLLOWUP
    assert decision.steps[0] == Apply(
        "reply_again", "New reply received 21.04.2026 10:00", {"reconsider": "own_reply"}
    )
    assert decision.steps[1].transition == "reply_other"


def test_an_answer_received_before_the_reminder_ran_still_counts():
    reminded = OrderState(Status.MANUAL_FOLLOWUP, last_transition=("booking_reminder", AT))
    decision = decide(reply("JA", received=EARLIER), CodeState.LIVE, reminded, "JA", TZ)
    assert decision.outcome is R.CONFIRMED
    assert decision.steps == (
        Apply("reply_again", "Reply received 21.04.2026 09:00, before the reminder",
              {"reconsider": "answered_before_reminder"}),
        Apply("reply_ok", "Reply JA"),
    )  # fmt: skip


def test_reconsider():
    assert reconsider(None, AT) is None
    assert reconsider(("booking_reminder", AT), EARLIER) == "answered_before_reminder"
    assert reconsider(("booking_reminder", EARLIER), AT) is None
    for own in ("reply_ok", "reply_other", "reply_again"):
        assert reconsider((own, EARLIER), AT) == "own_reply"
    assert reconsider(("send_to_execution", EARLIER), AT) is None


def test_every_outcome_has_its_text_and_a_test():
    assert set(OUTCOMES) == set(ReplyOutcome)
    assert set(ANSWERED) <= set(ReplyOutcome)


def test_a_live_code_needs_its_order():
    with pytest.raises(ValueError):
        decide(reply("OK"), CodeState.LIVE, None, "OK", TZ)


# --- opt-out: STOP and START (opt_word, decide_opt) ----------------------------------------


@pytest.mark.parametrize(
    ("text", "flag", "word"),
    [
        ("STOP", None, "STOP"),
        ("stopp", None, "STOP"),
        ("Stopp.", None, "STOP"),
        ("  «STOP!» ", None, "STOP"),
        ("ACDE-7FHA STOPP", None, "STOP"),  # a code before
        ("stop acde7fha", None, "STOP"),  # or after
        ("ACDE-7FHB STOP", None, "STOP"),  # a mistyped code before (check character off)
        ("STOPP SMS", None, "STOP"),
        ("stopp sms ACDE 7FHB", None, "STOP"),
        ("Start", None, "START"),
        ("ACDE7FHA START", None, "START"),
        ("Hei", "STOP", "STOP"),  # Twilio's OptOutType decides
        ("UNSUBSCRIBE", "stop", "STOP"),
        ("YES", "START", "START"),
        ("HELP", "HELP", None),  # HELP is no opt-out
        ("STOP meg ikke", None, None),  # more than the word: for a person
        ("stoppe", None, None),
        ("Kan dere stoppe forbi?", None, None),
        ("ACDE-7FHA OK", None, None),
        ("STOPPSTOPP", None, None),
        ("Ikke stopp strømmen", None, None),
        ("STOP SMS nå, jeg ringer selv", None, None),
        ("ACDE-7FHB OK", None, None),
        ("", None, None),
    ],
)
def test_which_replies_are_stop_or_start(text, flag, word):
    assert opt_word(parse(text), flag) == word


SENDER = "+4741234567"


def opt(text: str, **kw) -> Incoming:
    return Incoming(text, SENDER, AT, **kw)


SMS_WAITING = Holder(1, Status.AWAITING_RESPONSE, "sms", False)
LETTER_WAITING = Holder(2, Status.AWAITING_RESPONSE, "letter", False)
PLANNED = Holder(3, Status.READY_FOR_EXECUTION, "sms", False)
ALREADY = Holder(4, Status.AWAITING_RESPONSE, "sms", True)  # no_sms already


def test_stop_marks_every_order_of_the_number_and_moves_the_one_waiting_for_an_sms_answer():
    decision = decide_opt(opt("Stopp."), "STOP", [SMS_WAITING, LETTER_WAITING, PLANNED], None)

    comment = "Kunden svarte 'Stopp.': ingen flere SMS til dette nummeret"
    assert decision.outcome is R.OPT_OUT
    assert decision.withdraw == "the customer answered STOP"
    assert decision.steps == (
        (1, SetNoSms(True, "")),  # one comment: the transition's
        (1, Apply("opt_out", comment,
                  {"text": comment, "reason": "customer answered STOP: book by letter or call"})),
        (2, SetNoSms(True, comment)),
        (3, SetNoSms(True, comment)),
    )  # fmt: skip


def test_stop_from_a_customer_already_without_sms_still_moves_the_waiting_order():
    decision = decide_opt(opt("STOP"), "STOP", [ALREADY], None)
    assert [(i, type(s).__name__) for i, s in decision.steps] == [(4, "Apply")]


def test_stop_from_a_number_no_order_has_withdraws_its_messages():
    decision = decide_opt(opt("STOP"), "STOP", [], None)
    assert decision == OptDecision(R.OPT_OUT, "the customer answered STOP", ())


def test_stop_with_the_code_of_an_order_with_another_mobile_notes_it_there_only():
    decision = decide_opt(opt("ACDE-7FHA STOP"), "STOP", [PLANNED], named=9)

    comment = "Kunden svarte 'ACDE-7FHA STOP': ingen flere SMS til dette nummeret"
    note = (f"{SENDER}, et annet nummer enn kundens mobil, reserverte seg mot SMS med koden "
            "til denne ordren: ACDE-7FHA STOP")  # fmt: skip
    assert decision.steps == ((3, SetNoSms(True, comment)), (9, Note(note)))


def test_stop_with_the_code_of_one_of_the_numbers_orders_adds_no_note():
    decision = decide_opt(opt("ACDE-7FHA STOP"), "STOP", [SMS_WAITING], named=1)
    assert not any(isinstance(step, Note) for _, step in decision.steps)


def test_start_lifts_no_sms_and_moves_nothing():
    decision = decide_opt(opt("START"), "START", [ALREADY, PLANNED], None)

    assert decision.outcome is R.OPT_IN and decision.withdraw is None
    comment = "Kunden svarte 'START': SMS til dette nummeret igjen"
    assert decision.steps == ((4, SetNoSms(False, comment)),)


def test_a_stop_ingested_before_is_a_duplicate_that_does_nothing():
    decision = decide_opt(opt("STOP", duplicate=True), "STOP", [SMS_WAITING], None)
    assert decision == OptDecision(R.DUPLICATE)


def test_the_opt_outcomes_are_explained():
    assert "STOP" in OUTCOMES[R.OPT_OUT] and "START" in OUTCOMES[R.OPT_IN]
    assert R.OPT_OUT not in ANSWERED and R.OPT_IN not in ANSWERED

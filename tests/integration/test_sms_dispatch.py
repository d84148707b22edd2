"""`sms dispatch` against local fake providers (Twilio, Sveve) that check every request
as documented: at most once, retries, rate, failures on the order, crash recovery."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from amsplan.adapters.sms.base import Request
from amsplan.adapters.sms.twilio import signature
from amsplan.services import booking, callbacks, dispatch, outbox, workflow
from amsplan.services.views import followup_list
from amsplan.store import messages as messages_store
from amsplan.store.models import Comment, Order, Sms
from amsplan.store.orders import get_order
from tests.fakes.config import serving, set_sms
from tests.fakes.sveve import FakeSveve
from tests.fakes.twilio import FakeTwilio
from tests.helpers import assign_all, seed

DAYTIME = datetime(2026, 4, 15, 8, 0, tzinfo=UTC)  # 10:00 in Oslo
LATER = DAYTIME + timedelta(minutes=15)
SAMI = "Buorre beaivi! Čáhppes šáhkat, đ ŋ ŧ ž, æøå ÆØÅ"


@pytest.fixture
def twilio(workspace, monkeypatch):
    with serving(workspace, monkeypatch, FakeTwilio()) as fake:
        yield fake


@pytest.fixture
def sveve(workspace, monkeypatch):
    with serving(workspace, monkeypatch, FakeSveve()) as fake:
        yield fake


def booked(ws, count: int = 2) -> list[str]:
    order_nos = seed(ws, count)
    assign_all(ws, order_nos)
    booking.book_by_sms(ws.context(now=DAYTIME), order_nos)
    return order_nos


def messages(ws) -> list[Sms]:
    with ws.context().session() as s:
        return list(s.exec(select(Sms).order_by(Sms.id)))


def order_of(ws, order_no: str) -> Order:
    with ws.context().session() as s:
        return get_order(s, order_no)


def comments(ws) -> list[str]:
    with ws.context().session() as s:
        return [c.text for c in s.exec(select(Comment).order_by(Comment.id))]


def run(ws, now: datetime = DAYTIME, **kwargs) -> dispatch.DispatchResult:
    kwargs.setdefault("sleep", lambda seconds: None)
    return dispatch.dispatch(ws.context(now=now), **kwargs)


# --- sending ------------------------------------------------------------------------------


def test_twilio_sends_each_due_message_once_with_its_reference_and_utf8_text(workspace, twilio):
    order_nos = booked(workspace, 2)
    outbox.send_free_text(workspace.context(now=DAYTIME), order_nos[0], SAMI)
    result = run(workspace)
    assert (result.sent, result.failed, result.ok) == (3, 0, True)
    sent = messages(workspace)
    assert [m.status for m in sent] == ["sent"] * 3
    assert sorted(twilio.bodies()) == sorted(m.text for m in sent) and SAMI in twilio.bodies()
    by_sid = {m["sid"]: m for m in twilio.messages}
    for m in sent:
        theirs = by_sid[m.provider_id]
        assert (theirs["to"], theirs["from"], m.attempts) == (m.to, "+4759440000", 1)
        assert m.reference.startswith("ams-") and m.sent_at is not None
        assert theirs["status_callback"] == (
            f"https://amsplan.example.no/hooks/sms/twilio/status?ref={m.reference}"
        )
    assert len({m.reference for m in sent}) == 3
    again = run(workspace, LATER)
    assert (again.sent, twilio.requests) == (0, 3)  # nothing is sent twice


def test_sveve_gets_its_json_body_with_the_national_number_and_ref(workspace, sveve):
    (order_no,) = booked(workspace, 1)
    outbox.send_free_text(workspace.context(now=DAYTIME), order_no, SAMI)
    result = run(workspace)
    assert (result.sent, result.ok) == (2, True)
    sent = messages(workspace)
    assert [m.status for m in sent] == ["sent", "sent"]
    taken = {m["ref"]: m for m in sveve.messages}
    for m in sent:
        assert (taken[m.reference]["to"], taken[m.reference]["from"]) == ("40000001", "Testnett")
        assert (
            taken[m.reference]["msg"] == m.text and str(taken[m.reference]["id"]) == m.provider_id
        )
    assert SAMI in sveve.bodies()


def test_the_file_provider_exports_into_its_folder(workspace):
    booked(workspace, 2)
    result = run(workspace)
    assert (result.provider, result.exported, result.ok) == ("file", 2, True)
    assert result.file and result.file.startswith(str(workspace.path / "sms-out"))
    assert {m.status for m in messages(workspace)} == {"exported"}


def test_an_order_cancelled_before_sending_has_its_message_withdrawn(workspace, twilio):
    order_nos = booked(workspace, 2)
    with workspace.context(now=DAYTIME).session() as s:
        order = get_order(s, order_nos[0])
        order.cancelled = True  # as a re-import marks it, without the follow-up pass
        s.add(order)
    result = run(workspace)
    assert (result.sent, result.withdrawn) == (1, 1)
    assert [m.status for m in messages(workspace)] == ["withdrawn", "sent"]
    assert twilio.requests == 1


# --- refusals and retries -----------------------------------------------------------------


def test_a_refused_booking_sms_fails_and_moves_its_order_to_manual_followup(workspace, twilio):
    order_nos = booked(workspace, 2)
    twilio.invalid.add("+4740000001")
    result = run(workspace)
    assert (result.sent, result.failed, result.ok) == (1, 1, False)
    failed = messages(workspace)[0]
    assert failed.status == "failed" and "Twilio HTTP 400: error 21211" in failed.error
    assert "40000001" not in failed.error  # Twilio echoes the number: never passed on
    order = order_of(workspace, order_nos[0])
    assert (order.status, order.followup_kind) == ("manual_followup", "sms_failed")
    assert "21211" in order.followup_reason
    note = next(c for c in comments(workspace) if "could not be delivered" in c)
    assert "Booking SMS" in note and "40000001" not in note
    assert [(i.order_no, i.kind) for i in followup_list(workspace.context())] == [
        (order_nos[0], "sms_failed")
    ]
    assert order_of(workspace, order_nos[1]).status == "awaiting_response"


def test_a_failed_report_after_dispatch_gave_up_does_not_fail_the_message_twice(workspace, twilio):
    (order_no,) = booked(workspace, 1)
    twilio.invalid.add("+4740000001")
    assert run(workspace).failed == 1
    (message,) = messages(workspace)
    # Twilio reports the message failed after all (as if it had created it).
    url = f"https://amsplan.example.no/hooks/sms/twilio/status?ref={message.reference}"
    form = {"MessageSid": "SM" + "0" * 32, "MessageStatus": "failed", "ErrorCode": "30008",
            "AccountSid": twilio.account_sid}  # fmt: skip
    headers = {"x-twilio-signature": signature(twilio.auth_token, url, form)}
    request = Request("POST", url, headers, {"ref": message.reference}, form, b"")
    answer = callbacks.receive(workspace.context(now=LATER), "twilio", "status", request)
    assert answer.status == 200
    assert len([c for c in comments(workspace) if "could not be delivered" in c]) == 1
    order = order_of(workspace, order_no)
    assert (order.status, order.followup_kind) == ("manual_followup", "sms_failed")
    assert "30008" not in (order.followup_reason or "")
    assert messages(workspace)[0].delivery == "failed"


def test_a_refused_confirmation_leaves_the_status_and_is_noted_and_listed(workspace, twilio):
    (order_no,) = booked(workspace, 1)
    run(workspace)
    ctx = workspace.context(now=DAYTIME)
    with ctx.session() as s:
        order = get_order(s, order_no)
        workflow.apply(s, ctx, order, "follow_up_manually")
        workflow.apply(s, ctx, order, "confirm_sms")  # queues the confirmation SMS
    twilio.invalid.add("+4740000001")
    result = run(workspace, LATER)
    assert (result.sent, result.failed) == (0, 1)
    assert messages(workspace)[-1].kind == "confirmation"
    order = order_of(workspace, order_no)
    assert (order.status, order.followup_kind) == ("ready_for_execution", "sms_failed")
    failed = "Confirmation by SMS could not be delivered"
    assert any(c.startswith(failed) for c in comments(workspace))
    assert [(i.order_no, i.kind) for i in followup_list(workspace.context())] == [
        (order_no, "sms_failed")
    ]


def test_429_is_retried_after_the_time_twilio_asks(workspace, twilio):
    booked(workspace, 1)
    twilio.script.then(("429", 3))
    slept: list[float] = []
    result = run(workspace, sleep=slept.append)
    assert (result.sent, twilio.requests, slept) == (1, 2, [3.0])
    assert messages(workspace)[0].attempts == 2


def test_500_every_time_gives_up_after_max_attempts(workspace, twilio):
    (order_no,) = booked(workspace, 1)
    twilio.script.then(("status", 500), ("status", 500), ("status", 500))
    slept: list[float] = []
    result = run(workspace, sleep=slept.append)
    assert (result.failed, twilio.requests, slept) == (1, 3, [0.5, 1.0])
    (message,) = messages(workspace)
    assert (message.status, message.attempts) == ("failed", 3)
    assert message.error.startswith("gave up after 3 attempts: Twilio HTTP 500")
    assert order_of(workspace, order_no).status == "manual_followup"


@pytest.mark.parametrize("behaviour", ["hang", ("status", 504)], ids=["timeout", "gateway-504"])
def test_an_unanswered_request_is_never_sent_again_in_the_run_but_looked_up_later(
    workspace, twilio, behaviour
):
    booked(workspace, 1)
    set_sms(workspace, timeout=0.5)
    twilio.script.hang = 2
    twilio.script.then(behaviour)  # not taken, but Twilio may still be creating it
    result = run(workspace)
    assert (result.sent, result.unsettled, result.ok, twilio.requests) == (0, 1, False, 1)
    (message,) = messages(workspace)
    assert message.status == "sending" and "looked up again by a later run" in message.error
    soon = run(workspace, DAYTIME + timedelta(minutes=5))  # still young: left alone
    assert (soon.reconciled, twilio.requests) == (0, 1)
    later = run(workspace, LATER)  # old enough: not at Twilio, so queued again and sent
    assert (later.reconciled, later.requeued, later.sent, later.ok) == (1, 1, 1, True)
    assert (twilio.requests, len(twilio.messages)) == (2, 1)
    assert messages(workspace)[0].status == "sent"


def test_a_message_another_run_took_over_during_a_backoff_is_not_sent_again(workspace, twilio):
    booked(workspace, 1)
    twilio.script.then(("429", 30))
    second: list[dispatch.DispatchResult] = []

    def another_run_meanwhile(seconds: float) -> None:
        # While this run waits out the 429, a cron run long after finds the message
        # "sending", not at Twilio: it queues it again and sends it itself.
        second.append(run(workspace, DAYTIME + timedelta(minutes=30)))

    first = run(workspace, sleep=another_run_meanwhile)
    assert (second[0].requeued, second[0].sent) == (1, 1)
    assert (first.sent, first.failed) == (0, 0)  # its claim was gone: no second send
    assert (twilio.requests, len(twilio.messages)) == (2, 1)
    (message,) = messages(workspace)
    assert message.status == "sent" and message.provider_id == twilio.messages[0]["sid"]


def test_nothing_is_sent_in_quiet_hours_however_long_it_was_due(workspace, twilio):
    booked(workspace, 2)  # due 10:00 local
    night = datetime(2026, 4, 15, 19, 10, tzinfo=UTC)  # 21:10 in Oslo: quiet hours
    assert (run(workspace, night).sent, twilio.requests) == (0, 0)
    assert run(workspace, night + timedelta(hours=6)).sent == 0  # 03:10
    assert outbox.export(workspace.context(now=night), workspace.path).count == 0
    assert {m.status for m in messages(workspace)} == {"queued"}
    morning = datetime(2026, 4, 16, 7, 0, tzinfo=UTC)  # 09:00: the window opens
    assert (run(workspace, morning).sent, twilio.requests) == (2, 2)


def test_an_unanswered_request_twilio_took_is_found_not_sent_again(workspace, twilio):
    booked(workspace, 1)
    set_sms(workspace, timeout=0.5)
    twilio.script.then("hold")  # takes the message, answers only when released
    try:
        result = run(workspace)
    finally:
        twilio.script.release.set()
    assert (result.sent, twilio.requests, len(twilio.messages)) == (1, 1, 1)
    (message,) = messages(workspace)
    assert (message.status, message.provider_id) == ("sent", twilio.messages[0]["sid"])


def test_an_unanswered_request_to_sveve_is_unknown_not_sent_again(workspace, sveve):
    booked(workspace, 1)
    set_sms(workspace, timeout=0.5)
    sveve.script.then("hang")
    result = run(workspace)
    assert (result.unknown, result.ok, sveve.requests) == (1, False, 1)
    (message,) = messages(workspace)
    assert message.status == "unknown" and "no look-up" in message.error


def test_the_rate_paces_requests(workspace, twilio):
    booked(workspace, 5)
    set_sms(workspace, rate=2)
    clock = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    result = run(workspace, sleep=sleep, monotonic=lambda: clock[0])
    assert result.sent == 5
    assert slept == pytest.approx([0.5] * 4)


def test_a_limit_sends_only_that_many(workspace, twilio):
    booked(workspace, 3)
    result = run(workspace, limit=2)
    assert (result.sent, twilio.requests) == (2, 2)
    assert [m.status for m in messages(workspace)] == ["sent", "sent", "queued"]


# --- at most once ---------------------------------------------------------------------------


def test_overlapping_runs_never_send_a_message_twice(workspace, twilio):
    order_nos = booked(workspace, 8)
    ctx = workspace.context(now=DAYTIME)
    for n in range(32):
        outbox.send_free_text(ctx, order_nos[n % 8], f"Melding {n}")
    twilio.script.latency = 0.02
    results: list[dispatch.DispatchResult] = []
    errors: list[BaseException] = []

    def one_run() -> None:
        try:
            results.append(run(workspace))
        except BaseException as e:  # pragma: no cover - shown by the assert below
            errors.append(e)

    threads = [threading.Thread(target=one_run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sum(r.sent for r in results) == 40
    assert twilio.requests == 40 and len(set(twilio.bodies())) == 40
    assert {m.status for m in messages(workspace)} == {"sent"}


def left_sending(ws, at: datetime = DAYTIME) -> Sms:
    """The first queued message as a dead run left it: claimed, never settled."""
    with ws.context().session() as s:
        message = s.exec(select(Sms).order_by(Sms.id)).first()
        message.status, message.reference, message.sending_at = "sending", "ams-left", at
        message.provider, message.attempts = ws.settings.sms_provider, 1
        s.add(message)
        return message


def test_reconcile_finds_a_message_twilio_got(workspace, twilio):
    booked(workspace, 1)
    message = left_sending(workspace)
    twilio._take({"To": message.to, "Body": message.text, "From": "+4759440000"})
    result = run(workspace, LATER)
    assert (result.reconciled, result.sent, twilio.requests) == (1, 1, 0)
    (after,) = messages(workspace)
    assert (after.status, after.provider_id) == ("sent", twilio.messages[0]["sid"])


def test_reconcile_queues_again_what_twilio_never_got_and_sends_it(workspace, twilio):
    booked(workspace, 1)
    left_sending(workspace)
    early = run(workspace, DAYTIME + timedelta(minutes=2))  # may still be in flight
    assert (early.reconciled, early.sent, twilio.requests) == (0, 0, 0)
    result = run(workspace, LATER)
    assert (result.reconciled, result.requeued, result.sent, twilio.requests) == (1, 1, 1, 1)
    (after,) = messages(workspace)
    assert after.status == "sent" and after.reference != "ams-left"


def test_a_look_up_never_queues_again_a_message_its_live_run_renewed_meanwhile(workspace, twilio):
    booked(workspace, 1)
    message = left_sending(workspace)

    def live_run_renews_its_claim() -> None:  # while Twilio is asked: about to send it
        with workspace.context().session() as s:
            assert messages_store.renew_claim(s, message.id, "ams-left", LATER)

    twilio.on_list = live_run_renews_its_claim
    result = run(workspace, LATER)
    assert (result.requeued, result.sent, twilio.requests) == (0, 0, 0)
    (after,) = messages(workspace)
    assert (after.status, after.reference) == ("sending", "ams-left")  # the live run's


def test_reconcile_marks_unknown_what_sveve_cannot_look_up(workspace, sveve):
    booked(workspace, 1)
    left_sending(workspace)
    result = run(workspace, LATER)
    assert (result.unknown, result.ok, sveve.requests) == (1, False, 0)
    assert messages(workspace)[0].status == "unknown"


def start(ws, now: datetime) -> subprocess.Popen:
    env = {**os.environ, "AMSPLAN_NOW": now.isoformat(), "AMSPLAN_USER": "cron"}
    command = [sys.executable, "-m", "amsplan", "sms", "dispatch"]
    pipe = subprocess.PIPE
    return subprocess.Popen(command, cwd=ws.path, env=env, stdout=pipe, stderr=pipe, text=True)


@pytest.mark.parametrize("taken", [True, False], ids=["provider-got-it", "provider-did-not"])
def test_dispatch_killed_during_the_request_is_never_sent_twice(workspace, twilio, taken):
    booked(workspace, 1)
    twilio.script.then("hold" if taken else "drop")
    proc = start(workspace, DAYTIME)
    try:
        assert twilio.script.held.wait(30), proc.stderr.read() if proc.poll() else "no request"
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        twilio.script.release.set()
    assert messages(workspace)[0].status == "sending"
    proc = start(workspace, LATER)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    (message,) = messages(workspace)
    assert message.status == "sent" and len(twilio.messages) == 1
    assert twilio.requests == (1 if taken else 2)
    assert message.provider_id == twilio.messages[0]["sid"]

"""The README's "Connecting an SMS provider", end to end against a local fake Twilio and a
real `amsplan serve`: book by SMS, dispatch, and hear back (issue 14, "done when")."""

from __future__ import annotations

import httpx
import pytest

from tests.cli.support import data, ok
from tests.fakes.config import configure, set_sms
from tests.fakes.twilio import FakeTwilio
from tests.helpers import assign_all, seed
from tests.integration.test_serve import Server, free_port


def sms_codes(result: dict) -> dict[str, str]:
    """Order number -> booking code, from `sms book --json`."""
    return {b["order_no"]: b["code"] for b in result["booked"]}


NOW = "2026-04-15T10:00"  # inside the sending window (09:00-21:00 in Oslo)


@pytest.fixture
def twilio(workspace, monkeypatch):
    """A fake Twilio; the workspace configured as the README says, callbacks to `port`."""
    monkeypatch.setenv("AMSPLAN_NOW", NOW)
    fake = FakeTwilio()
    with fake.serve() as running:
        configure(workspace, "twilio", account_sid=fake.account_sid, base_url=running.url,
                  **{"from": "+4759440000"})  # fmt: skip
        fake.port = free_port()
        set_sms(workspace, callback_url=f"http://127.0.0.1:{fake.port}", rate=10)
        monkeypatch.setenv("AMSPLAN_SMS_TWILIO_AUTH_TOKEN", fake.auth_token)
        yield fake


def test_book_dispatch_and_hear_back_undelivered_ok_and_stopp(workspace, twilio):
    first, second, third = seed(workspace, 3)
    assign_all(workspace, [first, second, third])
    booked = sms_codes(data("sms", "book", first, second, third))
    dispatched = data("--user", "cron", "sms", "dispatch")
    assert (dispatched["sent"], dispatched["failed"], dispatched["unknown"]) == (3, 0, 0)
    assert len(twilio.messages) == 3
    assert all("/sms/twilio/status?ref=ams-" in m["status_callback"] for m in twilio.messages)
    sent = {m["order_no"]: m for m in data("sms", "list")}

    serve = Server(workspace, twilio.port).start()
    try:
        inbound = f"http://127.0.0.1:{twilio.port}/sms/twilio/inbound"
        # Twilio: the first booking SMS did not arrive
        answer = twilio.status_callback(sent[first]["provider_id"], "undelivered", "30003")
        assert answer.status_code == 200
        # the second customer confirms by SMS; the third wants no more SMS
        reply = twilio.inbound(inbound, sent[second]["to"], f"{booked[second]} OK")
        assert reply.status_code == 200 and "<Response>" in reply.text
        assert twilio.inbound(inbound, sent[third]["to"], "STOPP").status_code == 200
        # a forged callback changes nothing
        forged = httpx.post(inbound, data={"MessageSid": "SMx", "From": "+4740000003",
                                           "Body": "START"}, timeout=10)  # fmt: skip
        assert forged.status_code == 403
    finally:
        serve.stop()

    shown = {n: data("orders", "show", n) for n in (first, second, third)}
    assert shown[first]["status"] == "manual_followup"
    assert "Twilio error 30003" in shown[first]["followup_reason"]
    assert shown[second]["status"] == "ready_for_execution"
    assert (shown[third]["status"], shown[third]["no_sms"]) == ("manual_followup", True)
    listed = {item["order_no"]: item for item in data("followup", "list")}
    assert listed[first]["kind"] == "sms_failed"
    assert listed[third]["reason"] == "customer answered STOP: book by letter or call"
    assert second not in listed
    states = {m["order_no"]: m["delivery"] for m in data("sms", "list", "--status", "sent")}
    assert states[first] == "failed"
    out = ok("sms", "list").stdout
    assert "failed" in out and "Twilio error 30003" in out

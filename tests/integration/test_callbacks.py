"""Delivery reports and customers' messages from providers' callbacks (services.callbacks):
stored once, applied once, and followed up as the roll-out guide asks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from sqlmodel import select

from amsplan.adapters.sms.base import Request
from amsplan.adapters.sms.twilio import signature
from amsplan.domain import codes
from amsplan.services import booking, callbacks
from amsplan.services.views import followup_list
from amsplan.store.models import Callback, Comment, Order, Reply, Sms
from tests.helpers import assign_all, seed

TOKEN = "test-auth-token"
BASE = "https://amsplan.example.no"
DAYTIME = datetime(2026, 4, 15, 8, 0, tzinfo=UTC)


@pytest.fixture
def ws(workspace, monkeypatch):
    return twilio_workspace(workspace, monkeypatch)


def twilio_workspace(workspace, monkeypatch):
    """The workspace with Twilio as its provider, its auth token in the environment."""
    config = workspace.path / "amsplan.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + f'\n[sms]\nprovider = "twilio"\ncallback_url = "{BASE}"\n'
        + '\n[sms.twilio]\naccount_sid = "AC123"\nfrom = "+4759440000"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("AMSPLAN_SMS_TWILIO_AUTH_TOKEN", TOKEN)
    return workspace


def booked(ws, count: int = 1) -> list[tuple[str, str]]:
    """Orders booked by SMS whose booking SMS Twilio accepted: (order no, code)."""
    order_nos = seed(ws, count)
    assign_all(ws, order_nos)
    result = booking.book_by_sms(ws.context(now=DAYTIME), order_nos)
    mark_sent(ws)
    return [(n, codes.format_code(c)) for n, c in result.moved]


def mark_sent(ws) -> None:
    """What `sms dispatch` leaves: every queued message sent through Twilio."""
    with ws.context().session() as s:
        for m in s.exec(select(Sms).where(Sms.status == "queued")):
            m.status, m.provider, m.reference, m.provider_id = (
                "sent", "twilio", f"ref-{m.id}", f"SM{m.id:032d}")  # fmt: skip
            s.add(m)


def signed(kind: str, form: dict[str, str], query: str = "") -> Request:
    url = f"{BASE}/sms/twilio/{kind}" + (f"?{query}" if query else "")
    headers = {"x-twilio-signature": signature(TOKEN, url, form)}
    q = dict(p.split("=", 1) for p in query.split("&")) if query else {}
    return Request("POST", url, headers, q, form, urlencode(form).encode())


def status(ws, sid: str, state: str, error: str = "", ref: str = "", now=DAYTIME) -> int:
    form = {"MessageSid": sid, "MessageStatus": state, "AccountSid": "AC123"}
    if error:
        form["ErrorCode"] = error
    request = signed("status", form, f"ref={ref}" if ref else "")
    return callbacks.receive(ws.context(now=now), "twilio", "status", request).status


def inbound(ws, sid: str, sender: str, body: str, **extra: str) -> int:
    form = {"MessageSid": sid, "From": sender, "To": "+4759440000", "Body": body, **extra}
    return callbacks.receive(ws.context(now=DAYTIME), "twilio", "inbound",
                             signed("inbound", form)).status  # fmt: skip


def message(ws, kind: str = "booking") -> Sms:
    with ws.context().session() as s:
        return s.exec(select(Sms).where(Sms.kind == kind).order_by(Sms.id)).first()


def order(ws, order_no: str) -> Order:
    with ws.context().session() as s:
        return s.exec(select(Order).where(Order.order_no == order_no)).one()


def stored(ws) -> list[Callback]:
    with ws.context().session() as s:
        return list(s.exec(select(Callback).order_by(Callback.id)))


def test_a_delivered_report_is_kept_on_the_message(ws):
    ((order_no, _),) = booked(ws)
    sms = message(ws)
    assert status(ws, sms.provider_id, "delivered") == 200
    sms = message(ws)
    assert sms.delivery == "delivered" and sms.delivery_error is None
    assert sms.delivery_at.replace(tzinfo=UTC) == DAYTIME
    assert order(ws, order_no).status == "awaiting_response"
    (callback,) = stored(ws)
    assert (callback.outcome, callback.dedup) == (
        "applied",
        f"twilio:status:{sms.provider_id}:delivered",
    )
    assert callback.processed_at is not None


def test_an_undelivered_booking_sms_puts_the_order_in_manual_followup_with_the_reason(ws):
    ((order_no, _),) = booked(ws)
    sms = message(ws)
    assert status(ws, sms.provider_id, "undelivered", error="30003") == 200
    o = order(ws, order_no)
    assert o.status == "manual_followup" and o.followup_kind == "sms_failed"
    assert o.followup_reason == "SMS failed: undelivered (Twilio error 30003)"
    assert message(ws).delivery_error == "Twilio error 30003"
    (item,) = followup_list(ws.context())
    assert (item.order_no, item.kind) == (order_no, "sms_failed")


def test_a_failed_confirmation_leaves_the_status_and_is_listed_for_followup(ws):
    ((order_no, code),) = booked(ws)
    assert inbound(ws, "SMin1", "+4740000001", f"{code} OK") == 200
    assert order(ws, order_no).status == "ready_for_execution"
    with ws.context().session() as s:  # the planner's confirmation SMS, sent
        o = s.exec(select(Order)).one()
        s.add(Sms(order_id=o.id, kind="confirmation", to="+4740000001", text="Bekreftet"))
    mark_sent(ws)
    confirmation = message(ws, "confirmation")
    assert status(ws, confirmation.provider_id, "failed", error="30006") == 200
    assert order(ws, order_no).status == "ready_for_execution"
    (item,) = followup_list(ws.context())
    assert (item.order_no, item.kind) == (order_no, "sms_failed")
    with ws.context().session() as s:
        texts = [c.text for c in s.exec(select(Comment).where(Comment.kind == "sms_failed"))]
    assert texts == [
        "Confirmation by SMS could not be delivered (a technical SMS error): "
        "failed (Twilio error 30006)"
    ]


def test_the_same_report_twice_is_stored_and_applied_once(ws):
    ((order_no, _),) = booked(ws)
    sms = message(ws)
    for _ in range(3):
        assert status(ws, sms.provider_id, "undelivered", error="30003") == 200
    assert len(stored(ws)) == 1
    with ws.context().session() as s:
        history = [c.text for c in s.exec(select(Comment).where(Comment.order_id == sms.order_id))]
    assert sum("could not be delivered" in t for t in history) == 1
    assert order(ws, order_no).status == "manual_followup"


def test_a_late_sent_never_undoes_delivered(ws):
    booked(ws)
    sms = message(ws)
    status(ws, sms.provider_id, "delivered")
    status(ws, sms.provider_id, "sent", now=datetime(2026, 4, 15, 9, 0, tzinfo=UTC))
    assert message(ws).delivery == "delivered"
    assert [c.outcome for c in stored(ws)] == ["applied", "stale"]


def test_a_report_names_its_message_by_reference_before_the_send_answer_is_stored(ws):
    ((order_no, _),) = booked(ws)
    with ws.context().session() as s:  # the crash window: sending, no provider id yet
        sms = s.exec(select(Sms)).one()
        sms.status, sms.provider_id = "sending", None
        s.add(sms)
    assert status(ws, "SMnew", "undelivered", ref=sms.reference) == 200
    assert message(ws).delivery == "failed"
    assert order(ws, order_no).status == "manual_followup"


def test_a_report_for_an_unknown_message_is_answered_and_listed(ws):
    assert status(ws, "SMnobody", "delivered") == 200
    (callback,) = stored(ws)
    assert callback.outcome == "unknown_message"
    assert [c.provider_message_id for c in callbacks.unmatched(ws.context())] == ["SMnobody"]


def test_inbound_code_ok_confirms_through_the_rules_of_replies(ws):
    ((order_no, code),) = booked(ws)
    assert inbound(ws, "SMin1", "+4740000001", f"{code} ok") == 200
    assert inbound(ws, "SMin1", "+4740000001", f"{code} ok") == 200  # Twilio's retry
    assert order(ws, order_no).status == "ready_for_execution"
    with ws.context().session() as s:
        (reply,) = s.exec(select(Reply)).all()
    assert (reply.provider_id, reply.source_file, reply.outcome) == (
        "SMin1",
        "twilio inbound",
        "confirmed",
    )
    (callback,) = stored(ws)
    assert callback.outcome == "confirmed"
    assert json.loads(callback.payload)["text"] == f"{code} ok"


def test_twilio_opt_out_type_reaches_the_reply_rules(ws, monkeypatch):
    seen = []
    real = callbacks.replies.ingest_rows

    def spy(s, ctx, result, name, digest, rows):
        seen.extend(rec.get("opt_out") for _, _, rec in rows)
        return real(s, ctx, result, name, digest, rows)

    monkeypatch.setattr(callbacks.replies, "ingest_rows", spy)
    booked(ws)
    assert inbound(ws, "SMstop", "+4740000001", "Stopp", OptOutType="STOP") == 200
    assert inbound(ws, "SMhei", "+4740000001", "hei") == 200
    assert seen == ["STOP", ""]


def test_unsigned_and_malformed_callbacks_store_nothing(ws):
    form = {"MessageSid": "SM1", "MessageStatus": "delivered"}
    request = signed("status", form)
    forged = Request("POST", request.url, {"x-twilio-signature": "AAAA"}, {}, form)
    ctx = ws.context()
    assert callbacks.receive(ctx, "twilio", "status", forged).status == 403
    bad = signed("status", {"MessageSid": "SM1", "MessageStatus": "exploded"})
    assert callbacks.receive(ctx, "twilio", "status", bad).status == 400
    assert callbacks.receive(ctx, "nosuch", "status", request).status == 404
    assert stored(ws) == []


def test_stored_but_not_applied_callbacks_are_applied_once_at_start(ws, monkeypatch):
    ((order_no, _),) = booked(ws)
    sms = message(ws)

    def crash(*_args):
        raise RuntimeError("killed")

    with monkeypatch.context() as m:
        m.setattr(callbacks, "_apply", crash)
        assert status(ws, sms.provider_id, "undelivered") == 200  # stored, then the crash
    assert order(ws, order_no).status == "awaiting_response"
    assert callbacks.apply_pending(ws.context()) == {"applied": 1}
    assert callbacks.apply_pending(ws.context()) == {}
    assert order(ws, order_no).status == "manual_followup"


def test_the_providers_retry_applies_a_callback_stored_but_not_applied(ws, monkeypatch):
    ((order_no, _),) = booked(ws)
    sms = message(ws)
    with monkeypatch.context() as m:
        m.setattr(callbacks, "_apply", lambda *_: 1 / 0)
        assert status(ws, sms.provider_id, "undelivered") == 200
    assert [c.processed_at for c in stored(ws)] == [None]
    assert status(ws, sms.provider_id, "undelivered") == 200  # sent again
    assert order(ws, order_no).status == "manual_followup"
    assert callbacks.apply_pending(ws.context()) == {}


def test_twilio_error_code_0_is_no_error(ws):
    booked(ws)
    sms = message(ws)
    assert status(ws, sms.provider_id, "delivered", error="0") == 200
    assert (message(ws).delivery, message(ws).delivery_error) == ("delivered", None)


# --- Sveve's pushes: no message id ------------------------------------------------------

SVEVE_TOKEN = "sveve-callback-token-0123456789"


def push(ws, text: str, at: datetime, number: str = "4740000001") -> int:
    """Sveve pushing a customer's message (number, msg, prefix, shortnumber) at `at`."""
    fields = {"number": number, "msg": text, "prefix": "", "shortnumber": "2229"}
    request = Request("POST", f"{BASE}/sms/sveve/inbound?token={SVEVE_TOKEN}", {},
                      {"token": SVEVE_TOKEN}, fields)  # fmt: skip
    return callbacks.receive(ws.context(now=at), "sveve", "inbound", request).status


def replies_of(ws) -> list[tuple[str, str]]:
    with ws.context().session() as s:
        return [(r.text, r.outcome) for r in s.exec(select(Reply).order_by(Reply.id))]


def test_sveve_stop_start_stop_pushes_leave_the_customer_opted_out(ws, monkeypatch):
    monkeypatch.setenv("AMSPLAN_SMS_SVEVE_CALLBACK_TOKEN", SVEVE_TOKEN)
    ((order_no, _),) = booked(ws)
    for minutes, text in ((0, "STOPP"), (10, "START"), (20, "STOPP")):
        assert push(ws, text, DAYTIME + timedelta(minutes=minutes)) == 200
    assert order(ws, order_no).no_sms is True
    assert [text for text, _ in replies_of(ws)] == ["STOPP", "START", "STOPP"]
    assert len({c.provider_message_id for c in stored(ws)}) == 3


def test_a_sveve_retry_of_the_same_push_is_applied_once(ws, monkeypatch):
    monkeypatch.setenv("AMSPLAN_SMS_SVEVE_CALLBACK_TOKEN", SVEVE_TOKEN)
    ((order_no, code),) = booked(ws)
    # Sveve got no 200 in time and sends the push again after 5 s, 15 s, 1 min
    for seconds in (0, 5, 20, 80):
        assert push(ws, f"{code} OK", DAYTIME + timedelta(seconds=seconds)) == 200
    assert order(ws, order_no).status == "ready_for_execution"
    assert replies_of(ws) == [(f"{code} OK", "confirmed")]
    (callback,) = stored(ws)
    assert "4740000001" not in callback.provider_message_id
    # another customer's push in between does not make the next retry a new message
    assert push(ws, "hei", DAYTIME + timedelta(minutes=3), number="4740000009") == 200
    assert push(ws, f"{code} OK", DAYTIME + timedelta(minutes=5)) == 200
    assert len(replies_of(ws)) == 2


# --- a callback that cannot be applied --------------------------------------------------


def test_a_callback_that_always_fails_holds_up_no_other_and_is_given_up(ws, monkeypatch):
    ((order_no, _),) = booked(ws)
    sms = message(ws)
    with ws.context().session() as s:  # stored, but its apply always raises (a bad payload)
        s.add(Callback(provider="twilio", kind="status", dedup="twilio:status:SMbad:failed",
                       provider_message_id="SMbad", received_at=DAYTIME, payload="{}"))  # fmt: skip
    with monkeypatch.context() as m:
        m.setattr(callbacks, "_apply", lambda *_: 1 / 0)
        assert status(ws, sms.provider_id, "undelivered") == 200  # stored, its apply failed
    good = stored(ws)[1]
    assert (good.processed_at, good.outcome) == (None, "error: ZeroDivisionError (try 1)")

    assert callbacks.apply_pending(ws.context()) == {"error": 1, "applied": 1}
    assert order(ws, order_no).status == "manual_followup"
    assert callbacks.apply_pending(ws.context()) == {"error": 1}
    assert callbacks.apply_pending(ws.context()) == {"error": 1}
    assert callbacks.apply_pending(ws.context()) == {}  # given up after MAX_TRIES
    (bad,) = callbacks.failed(ws.context())
    assert bad.provider_message_id == "SMbad" and bad.processed_at is not None
    assert bad.outcome == "error: KeyError (try 3)"

"""Opt-out by reply: STOP/STOPP (or a provider's opt-out flag) stops every SMS to the
sender's number, START lifts it; from a file (`replies ingest`) and from a callback
(`replies.ingest_rows`, as `amsplan serve` calls it) alike. Both databases."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from amsplan.domain import codes
from amsplan.errors import TransitionRefused
from amsplan.services import booking, letters, outbox, planning, replies
from amsplan.services.views import followup_list
from amsplan.store.models import Comment, Order, Reply, Sms
from tests.helpers import assign_all, seed

DAYTIME = datetime(2026, 4, 15, 8, 0, tzinfo=UTC)  # 10:00 in Oslo
LATER = DAYTIME + timedelta(hours=1)
NUMBER = "+4741234567"  # orders 1-3: one customer's mobile
OTHER = "+4740000004"  # order 4: another customer


def customer(ws) -> dict[str, str]:
    """Four planned orders: 1 booked by SMS (awaiting its answer, a booking SMS queued),
    2 booked by letter (awaiting), 3 planned (a free-text SMS queued); 1-3 have the mobile
    NUMBER, 4 another one, also booked by SMS. Their codes (1, 2, 4)."""
    order_nos = seed(ws, 4, phone="412 34 567")
    assign_all(ws, order_nos)
    with ws.context().session() as s:
        fourth = s.exec(select(Order).where(Order.order_no == "AMS-00004")).one()
        fourth.phone, fourth.mobile = "40000004", OTHER
        s.add(fourth)
    ctx = ws.context(now=DAYTIME)
    by_sms = booking.book_by_sms(ctx, ["AMS-00001", "AMS-00004"])
    by_letter = planning.lock(ctx, ["AMS-00002"])
    letters.generate(ctx)
    outbox.send_free_text(ctx, "AMS-00003", "Vi ringer deg")
    return dict(by_sms.moved) | dict(by_letter.locked)


def orders(ws) -> dict[str, Order]:
    with ws.context().session() as s:
        return {o.order_no: o for o in s.exec(select(Order))}


def queued_to(ws, number: str) -> list[Sms]:
    with ws.context().session() as s:
        return list(s.exec(select(Sms).where(Sms.to == number)))


def comments(ws, order_no: str) -> list[str]:
    with ws.context().session() as s:
        order = s.exec(select(Order).where(Order.order_no == order_no)).one()
        return [c.text for c in s.exec(select(Comment).where(Comment.order_id == order.id))]


def ingest(ws, lines: list[str], name: str = "svar.csv", now: datetime = LATER):
    path = ws.path / name
    path.write_text("\n".join(["Mottatt;Avsender;Melding", *lines]) + "\n", encoding="utf-8")
    return replies.ingest(ws.context(now=now), path)


def callback(ws, sender: str, text: str, sid: str, opt_out: str | None = None):
    """One inbound message as `amsplan serve` stores and applies it."""
    rec = {"received_at": LATER.isoformat(), "sender": sender, "text": text, "provider_id": sid}
    if opt_out:
        rec["opt_out"] = opt_out
    ctx = ws.context(now=LATER)
    digest = hashlib.sha256(sid.encode()).hexdigest()
    with ctx.session() as s:
        return replies.ingest_rows(
            s, ctx, replies.IngestResult(sid), "twilio", digest, [(1, LATER, rec)]
        )


def assert_stopped(ws) -> None:
    found = orders(ws)
    sms_booked, letter_booked, planned, other = (found[f"AMS-0000{n}"] for n in range(1, 5))
    assert (sms_booked.status, sms_booked.no_sms) == ("manual_followup", True)
    assert (letter_booked.status, letter_booked.no_sms) == ("awaiting_response", True)
    assert (planned.status, planned.no_sms) == ("planning", True)
    assert (other.status, other.no_sms) == ("awaiting_response", False)
    [followup] = [f for f in followup_list(ws.context()) if f.order_no == "AMS-00001"]
    assert followup.kind == "reply"
    assert followup.reason == "customer answered STOP: book by letter or call"
    to_customer = queued_to(ws, NUMBER)
    assert sorted(m.kind for m in to_customer) == ["booking", "free_text"]
    assert all(
        (m.status, m.withdrawn_reason) == ("withdrawn", "the customer answered STOP")
        for m in to_customer
    )
    assert [m.status for m in queued_to(ws, OTHER)] == ["queued"]
    assert any("ingen flere SMS" in c for c in comments(ws, "AMS-00003"))
    # the order that moved says it once (the transition's comment), not twice
    assert sum("ingen flere SMS" in c for c in comments(ws, "AMS-00001")) == 1
    assert replies.unmatched(ws.context()) == []


@pytest.mark.parametrize(
    "text", ["STOP", "stopp", "Stopp.", "{code} STOPP", "stop {code}", "0047 412 34 567"]
)
def test_stop_in_a_file_stops_every_sms_to_the_number(workspace, text):
    code = customer(workspace)
    sender = NUMBER
    if text == "0047 412 34 567":  # the number written another way, the text plain
        sender, text = text, "STOP"
    text = text.format(code=codes.format_code(code["AMS-00001"]))

    result = ingest(workspace, [f"2026-04-15 11:00;{sender};{text}"])

    assert result.outcomes == {"opt_out": 1}
    assert_stopped(workspace)
    with workspace.context().session() as s:
        reply = s.exec(select(Reply)).one()
    assert (reply.outcome, reply.handled) == ("opt_out", True)


def test_a_providers_opt_out_flag_stops_whatever_the_text(workspace):
    customer(workspace)

    result = callback(workspace, NUMBER, "Avslutt", "SM" + "1" * 32, opt_out="STOP")

    assert result.outcomes == {"opt_out": 1}
    assert_stopped(workspace)


def test_sms_booking_and_free_text_refuse_the_customer_afterwards(workspace):
    customer(workspace)
    ingest(workspace, ["2026-04-15 11:00;+4741234567;STOP"])
    ctx = workspace.context(now=LATER)

    result = booking.book_by_sms(ctx, ["AMS-00003"])

    assert result.refused == [("AMS-00003", "customer does not want SMS")]
    with pytest.raises(TransitionRefused, match="customer does not want SMS"):
        outbox.send_free_text(ctx, "AMS-00002", "Vi kommer i morgen")


def test_start_lifts_the_stop_and_moves_nothing(workspace):
    customer(workspace)
    ingest(workspace, ["2026-04-15 11:00;+4741234567;STOP"])
    before = {n: o.status for n, o in orders(workspace).items()}

    result = ingest(workspace, ["2026-04-15 12:00;4741234567;Start"], "start.csv")

    assert result.outcomes == {"opt_in": 1}
    after = orders(workspace)
    assert {n: o.status for n, o in after.items()} == before
    assert not any(o.no_sms for o in after.values())
    assert any("SMS til dette nummeret igjen" in c for c in comments(workspace, "AMS-00001"))
    assert booking.book_by_sms(workspace.context(now=LATER), ["AMS-00003"]).refused == []


def test_stop_with_the_code_of_someone_elses_order_stops_the_senders_number(workspace):
    code = customer(workspace)

    ingest(workspace, [f"2026-04-15 11:00;+4741234567;{code['AMS-00004']} STOP"])

    found = orders(workspace)
    assert found["AMS-00004"].no_sms is False
    assert found["AMS-00004"].status == "awaiting_response"
    assert any("et annet nummer enn kundens mobil" in c for c in comments(workspace, "AMS-00004"))
    assert found["AMS-00001"].no_sms is True


@pytest.mark.parametrize("written", ["as_sent", "no_plus", "double_zero"])
def test_the_same_stop_from_a_callback_and_a_file_applies_once(workspace, written):
    """Also when the file writes the number without + (Excel) or with 00."""
    customer(workspace)
    sid = "SM" + "2" * 32
    callback(workspace, NUMBER, "STOP", sid)
    # the planner restores SMS by hand; a second application would stop it again
    with workspace.context().session() as s:
        for order in s.exec(select(Order)):
            order.no_sms = False
            s.add(order)
    sender = {"as_sent": NUMBER, "no_plus": NUMBER[1:], "double_zero": "00" + NUMBER[1:]}[written]
    path = workspace.path / "twilio.csv"
    path.write_text(
        "From,To,Body,SentDate,Sid,Direction\n"
        f"{sender},+4759440000,STOP,2026-04-15 09:00:00 UTC,{sid},inbound\n"
    )

    result = replies.ingest(workspace.context(now=LATER), path)

    assert (result.format, result.outcomes) == ("twilio", {"duplicate": 1})
    assert not any(o.no_sms for o in orders(workspace).values())


def test_other_replies_are_untouched_by_the_opt_out_rules(workspace):
    code = customer(workspace)

    result = ingest(workspace, [
        f"2026-04-15 11:00;+4741234567;{code['AMS-00001']} OK",
        "2026-04-15 11:01;+4740000004;Stopp dere forbi?",
    ])  # fmt: skip

    assert result.outcomes == {"confirmed": 1, "matched_by_phone": 1}
    assert not any(o.no_sms for o in orders(workspace).values())


def test_stop_then_start_in_one_file_leaves_the_customer_reachable(workspace):
    customer(workspace)

    result = ingest(workspace, [
        "2026-04-15 11:00;+4741234567;STOP",
        "2026-04-15 11:30;4741234567;START",
    ])  # fmt: skip

    assert result.outcomes == {"opt_out": 1, "opt_in": 1}
    assert not any(o.no_sms for o in orders(workspace).values())
    # the customer's last word is START: the message to them is still to be sent
    assert {m.kind: m.status for m in queued_to(workspace, NUMBER)}["free_text"] == "queued"
    # the STOP still took the SMS booking to a person: START moves nothing back
    assert orders(workspace)["AMS-00001"].status == "manual_followup"

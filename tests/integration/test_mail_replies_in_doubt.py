"""A reply to a booking e-mail in doubt: a real `amsplan letters email` killed right after
the server took the first message (crash point email:sent, the row left "sending"), then
the customer's "OK" to that message, ingested by `amsplan replies ingest`. The reply
shows the e-mail arrived: it is settled as sent and the OK is applied, in one go. An
automatic answer from the customer's side shows it too; a delay notice does not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from amsplan.domain.bookmail import left_after
from amsplan.domain.states import EmailState
from amsplan.services import bookmail, reminders
from amsplan.services.mailreplies import ingest_mails
from amsplan.store.models import EmailMessage, Order, Reply
from tests.cli.support import data
from tests.data.mail.build import bounce, reply
from tests.fakes.smtp import SmtpServer
from tests.helpers import locked
from tests.integration.test_bookmail import booked, configure
from tests.integration.test_bookmail_kill import ADDRESSES, T0, letters_email, rows


def orders(ws) -> dict[str, Order]:
    with ws.context().session() as s:
        return {o.order_no: o for o in s.exec(select(Order))}


@pytest.mark.parametrize("state", [EmailState.SENDING, EmailState.UNKNOWN])
def test_a_reply_to_a_booking_email_in_doubt_settles_it_and_is_applied(workspace, state):
    with SmtpServer() as server:
        configure(workspace, **server.settings())
        booked(workspace, 3, ADDRESSES)
        crashed = letters_email(workspace, "email:sent")
        assert crashed.returncode == 137, crashed.stderr
        (went,) = server.wait_for(1)
    booking = went.message
    first = next(r for r in rows(workspace) if r.message_id == booking["Message-ID"])
    assert first.state is EmailState.SENDING
    order_no = next(no for no, o in orders(workspace).items() if o.id == first.order_id)
    assert orders(workspace)[order_no].status == "ready_to_print"

    later = T0 + (left_after(workspace.settings.email_timeout) + timedelta(minutes=1)
                  if state is EmailState.UNKNOWN else
                  timedelta(minutes=5))  # fmt: skip
    env = {"AMSPLAN_NOW": later.isoformat()}
    if state is EmailState.UNKNOWN:  # left by a dead run: a person would be asked
        data("email", "list", env=env)
        assert orders(workspace)[order_no].followup_kind == "email_failed"
    assert {r.state for r in rows(workspace)} == {state}

    # The customer answers OK to the booking e-mail (the code only in the thread).
    answer = reply(went.rcpt_tos[0], "OK", f"SV: {booking['Subject']}",
                   in_reply_to=booking["Message-ID"], received=later)  # fmt: skip
    (workspace.path / "svar.eml").write_bytes(answer)
    result = data("replies", "ingest", "svar.eml", env=env)

    assert result["outcomes"] == {"confirmed": 1}
    order = orders(workspace)[order_no]
    assert (order.status, order.booking_channel, order.followup_kind) == (
        "ready_for_execution", "email", None,
    )  # fmt: skip
    settled = {r.id: r for r in rows(workspace)}
    assert settled[first.id].state is EmailState.SENT
    assert settled[first.id].settled_by == "reply" and settled[first.id].sent_at is not None
    # The others are still in doubt: nothing said they arrived.
    assert {r.state for r in settled.values() if r.id != first.id} == {state}
    with workspace.context().session() as s:
        assert s.exec(select(Reply)).one().order_id == order.id

    # Nothing more to do for that order: no reminder, no second booking.
    assert reminders.run(workspace.context(now=later + timedelta(days=30))).actions == []
    with SmtpServer() as server:
        configure(workspace, **server.settings())
        again = bookmail.send_bookings(workspace.context(now=later + timedelta(hours=1)))
        assert again.sent == [] and order_no not in {no for no, _ in again.in_doubt}
    assert len([m for m in rows(workspace) if m.order_id == order.id]) == 1
    with workspace.context().session() as s:
        assert s.get(EmailMessage, first.id).state is EmailState.SENT


def test_an_out_of_office_answer_settles_it_too_and_a_bounce_does_not(workspace):
    (first, code1), (second, code2) = locked(workspace, 2)
    with workspace.context().session() as s:
        ids = {o.order_no: o.id for o in s.exec(select(Order))}
        for n, (order_no, code) in enumerate(((first, code1), (second, code2)), start=1):
            s.add(EmailMessage(kind="booking", order_id=ids[order_no], booking_code=code,
                               to=f"kunde{n}@example.no", subject="Bytte av strømmåler",
                               message_id=f"<doubt-{n}@nettselskap.no>", state="unknown",
                               sending_at=T0))  # fmt: skip
    away = reply("kunde1@example.no", "Jeg er på ferie.", "Fraværsmelding: Bytte av strømmåler",
                 in_reply_to="<doubt-1@nettselskap.no>")  # fmt: skip
    returned = bounce("<doubt-2@nettselskap.no>", status="4.4.1", action="delayed")
    result = ingest_mails(workspace.context(), "test", [("1", away, None), ("2", returned, None)])
    assert result.outcomes == {"auto_reply": 2}
    found = orders(workspace)
    assert (found[first].status, found[first].booking_channel) == ("awaiting_response", "email")
    assert found[second].status == "ready_to_print"  # a delay notice proves nothing
    assert [(r.state, r.settled_by) for r in rows(workspace)] == [
        (EmailState.SENT, "reply"), (EmailState.UNKNOWN, None),
    ]  # fmt: skip

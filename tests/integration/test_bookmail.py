"""Booking by e-mail (services.bookmail, `letters email`) against a real SMTP server on
127.0.0.1: what the customer receives, what happens to the order for each answer of the
server, and how `letters generate` and the reminders treat orders booked by e-mail."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlmodel import select

from amsplan.domain import codes
from amsplan.domain.states import EmailState
from amsplan.errors import ConfigError, InputError, Unavailable
from amsplan.services import bookmail, emails, letters, reminders
from amsplan.services.views import followup_list
from amsplan.store.models import Comment, EmailMessage, History, Order
from tests.fakes.smtp import Behaviour, SmtpServer, free_port
from tests.helpers import locked

NOW = datetime(2026, 4, 1, 6, 0, tzinfo=UTC)  # 08:00 in Oslo
FROM = "Nettselskapet AS <post@nett.example>"


def configure(ws, **email: object) -> None:
    """[email] booking = true and these settings (the server's, usually), in place of
    the [email] settings configured before."""
    values = {"booking": True, **email}
    lines = [f'{k} = "{v}"' if isinstance(v, str) else f"{k} = {str(v).lower()}"
             for k, v in values.items()]  # fmt: skip
    path = ws.path / "amsplan.toml"
    before = path.read_text(encoding="utf-8").partition("\n[email]\n")[0]
    path.write_text(before + "\n[email]\n" + "\n".join(lines) + "\n", encoding="utf-8")


def give(ws, addresses: dict[str, str], **fields: str) -> None:
    """Set the orders' e-mail addresses (and other fields, on all of them)."""
    with ws.context().session() as s:
        for order in s.exec(select(Order).where(col_in(addresses))):
            order.email = addresses[order.order_no]
            for name, value in fields.items():
                setattr(order, name, value)
            s.add(order)


def col_in(order_nos):
    return Order.order_no.in_(list(order_nos))  # type: ignore[attr-defined]


def orders(ws) -> dict[str, Order]:
    with ws.context().session() as s:
        return {o.order_no: o for o in s.exec(select(Order))}


def messages(ws) -> list[EmailMessage]:
    with ws.context().session() as s:
        return list(s.exec(select(EmailMessage).order_by(EmailMessage.id)))


def comments(ws) -> list[str]:
    with ws.context().session() as s:
        return [c.text for c in s.exec(select(Comment))]


def booked(ws, count: int, addresses: dict[int, str]) -> list[tuple[str, str]]:
    """`count` orders ready to print; those numbered in `addresses` (1, 2, ...) have them."""
    codes_ = locked(ws, count)
    give(ws, {f"AMS-{n:05d}": a for n, a in addresses.items()})
    return codes_


def test_one_booking_e_mail_per_order_with_the_letter_attached(workspace):
    with SmtpServer() as server:
        configure(workspace, **server.settings(reply_to="Kundesenter <svar@nett.example>"))
        (first, code), (second, _) = booked(workspace, 2, {1: "aase@kunde.example",
                                                           2: "bjorn@kunde.example"})  # fmt: skip
        give(workspace, {first: "aase@kunde.example"}, customer_name="Åse Ærø Ørnes")
        ctx = workspace.context(now=NOW)
        result = bookmail.send_bookings(ctx)
        assert [no for no, _ in result.sent] == [first, second] and result.ok
        got = server.wait_for(2)
        again = bookmail.send_bookings(workspace.context(now=NOW + timedelta(hours=1)))
        assert again.sent == [] and len(server.received) == 2  # a second run sends nothing
    rows = messages(workspace)
    assert [(r.to, r.state, r.booking_code) for r in rows[:1]] == [
        ("aase@kunde.example", EmailState.SENT, code)
    ]
    msg = got[0].message
    assert got[0].rcpt_tos == ["aase@kunde.example"]
    assert msg["From"] == FROM and msg["To"] == "aase@kunde.example"
    assert msg["Reply-To"] == "Kundesenter <svar@nett.example>"
    assert msg["Message-ID"] == rows[0].message_id
    shown = codes.format_code(code)
    subject = f"Ny strømmåler 22. april 2026 – bookingkode {shown}"
    assert msg["Subject"] == rows[0].subject == subject
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    for body in (text, html):
        assert "Hei Åse Ærø Ørnes!" in body and shown in body
        assert "onsdag 22. april 2026 mellom kl. 08.00 og 09.00" in body
        assert "Ola Montør" in body and "Storgata 1, 2317 HAMAR" in body
    assert "Svar på denne e-posten med OK for å bekrefte." in text
    assert "Svar med KONTAKT, så ringer vi deg" in text
    assert "<strong>OK</strong>" in html and "<img" not in html and "http" not in html
    (attachment,) = list(msg.iter_attachments())
    assert attachment.get_filename() == "2026-04-22_T01_001_AMS-00001.pdf"
    pdf = attachment.get_content()
    assert pdf.startswith(b"%PDF")
    letter = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert shown in letter and "Åse Ærø Ørnes" in letter
    order = orders(workspace)[first]
    assert order.status == "awaiting_response" and order.booking_channel == "email"
    assert order.awaiting_since is not None
    with workspace.context().session() as s:
        moves = s.exec(select(History.transition).where(History.order_id == order.id)).all()
    assert moves[-1] == "email_sent"
    assert list(workspace.letters.glob("*.pdf")) == []  # nothing to print


def test_only_orders_with_an_address_are_e_mailed_and_generate_prints_the_rest(workspace):
    with SmtpServer() as server:
        configure(workspace, **server.settings())
        booked(workspace, 3, {2: "kari@kunde.example"})
        printed = letters.generate(workspace.context(now=NOW))
        assert printed.generated == [
            "2026-04-22_T01_001_AMS-00001.pdf", "2026-04-22_T01_003_AMS-00003.pdf"
        ]  # fmt: skip
        assert printed.left_for_email == 1
        result = bookmail.send_bookings(workspace.context(now=NOW))
        assert [no for no, _ in result.sent] == ["AMS-00002"]
        assert result.left_for_letters == 0 and len(server.wait_for(1)) == 1
    channels = {n: (o.status, o.booking_channel) for n, o in orders(workspace).items()}
    assert channels == {
        "AMS-00001": ("awaiting_response", "letter"),
        "AMS-00002": ("awaiting_response", "email"),
        "AMS-00003": ("awaiting_response", "letter"),
    }


def test_generate_prints_every_order_when_booking_by_e_mail_is_off(workspace):
    booked(workspace, 2, {1: "kari@kunde.example"})
    printed = letters.generate(workspace.context(now=NOW))
    assert len(printed.generated) == 2 and printed.left_for_email == 0
    with pytest.raises(ConfigError, match=r"set \[email\] booking = true"):
        bookmail.send_bookings(workspace.context(now=NOW))


def test_a_named_order_with_an_address_is_printed_when_a_planner_asks(workspace):
    configure(workspace, transport="folder", **{"from": FROM})
    booked(workspace, 2, {1: "kari@kunde.example", 2: "ola@kunde.example"})
    printed = letters.generate(workspace.context(now=NOW), ["AMS-00001"])
    assert printed.generated == ["2026-04-22_T01_001_AMS-00001.pdf"]
    assert orders(workspace)["AMS-00001"].booking_channel == "letter"


def test_a_refused_address_is_flagged_never_e_mailed_again_and_printed(workspace):
    refusal = "550 5.1.1 <nobody@kunde.example>: mailbox unavailable"
    with SmtpServer(Behaviour(refuse={"nobody@kunde.example": refusal})) as server:
        configure(workspace, **server.settings())
        booked(workspace, 3, {1: "nobody@kunde.example", 2: "kari@kunde.example"})
        result = bookmail.send_bookings(workspace.context(now=NOW))
        assert [no for no, _ in result.sent] == ["AMS-00002"]
        assert result.failed == [("AMS-00001", "550 5.1.1 <address>: mailbox unavailable")]
        assert result.left_for_letters == 1 and not result.ok
        order = orders(workspace)["AMS-00001"]
        assert order.status == "ready_to_print" and order.followup_kind == "email_failed"
        assert order.followup_reason.startswith("booking e-mail refused: 550 5.1.1 <address>")
        assert not any("nobody@" in text for text in comments(workspace))
        (item,) = [i for i in followup_list(workspace.context(now=NOW)) if i.kind]
        assert item.order_no == "AMS-00001" and "550" in item.reason
        # The same address on another order is not tried either.
        give(workspace, {"AMS-00003": "NOBODY@kunde.example"})
        rerun = bookmail.send_bookings(workspace.context(now=NOW + timedelta(hours=1)))
        assert rerun.sent == [] and rerun.failed == [] and rerun.left_for_letters == 2
        assert len(server.received) == 1
    printed = letters.generate(workspace.context(now=NOW + timedelta(hours=1)))
    assert printed.generated == [
        "2026-04-22_T01_001_AMS-00001.pdf", "2026-04-22_T01_003_AMS-00003.pdf"
    ]  # fmt: skip
    assert printed.left_for_email == 0
    assert orders(workspace)["AMS-00001"].followup_kind is None  # printed: settled


def test_a_passing_refusal_is_tried_again_by_the_next_run(workspace):
    with SmtpServer(Behaviour(refuse_data="452 4.3.1 insufficient storage")) as server:
        configure(workspace, **server.settings())
        booked(workspace, 1, {1: "kari@kunde.example"})
        result = bookmail.send_bookings(workspace.context(now=NOW))
        assert result.failed == [("AMS-00001", "452 4.3.1 insufficient storage")]
        order = orders(workspace)["AMS-00001"]
        assert order.status == "ready_to_print" and order.followup_kind == "email_failed"
        server.behaviour.refuse_data = None
        rerun = bookmail.send_bookings(workspace.context(now=NOW + timedelta(minutes=5)))
        assert [no for no, _ in rerun.sent] == ["AMS-00001"]
        assert len(server.wait_for(1)) == 1
    order = orders(workspace)["AMS-00001"]
    assert order.status == "awaiting_response" and order.followup_kind is None
    assert [m.state for m in messages(workspace)] == [EmailState.FAILED, EmailState.SENT]


def test_a_server_that_cannot_be_reached_moves_nothing(workspace):
    configure(workspace, host="127.0.0.1", port=free_port(), security="none", **{"from": FROM})
    booked(workspace, 2, {1: "kari@kunde.example", 2: "ola@kunde.example"})
    with pytest.raises(Unavailable, match="cannot reach the mail server 127.0.0.1"):
        bookmail.send_bookings(workspace.context(now=NOW))
    assert {(o.status, o.followup_kind) for o in orders(workspace).values()} == {
        ("ready_to_print", None)
    }
    # Checked before anything is recorded: a cron run every 15 minutes during an outage
    # leaves no failed message behind each time.
    assert messages(workspace) == []
    assert comments(workspace) == []
    # Not refused for good: booked by e-mail when the server is back, never printed.
    assert letters.generate(workspace.context(now=NOW)).left_for_email == 2


def test_a_message_in_doubt_is_neither_sent_again_nor_printed_until_settled(workspace):
    with SmtpServer(Behaviour(hang_data=3)) as server:
        configure(workspace, **server.settings(timeout=1))
        booked(workspace, 1, {1: "kari@kunde.example"})
        result = bookmail.send_bookings(workspace.context(now=NOW))
        ((order_no, why),) = result.in_doubt
        (message,) = messages(workspace)
        assert message.state is EmailState.UNKNOWN
        assert f"amsplan email settle {message.id} --sent | --not-sent" in why
        order = orders(workspace)[order_no]
        assert order.status == "ready_to_print" and order.followup_kind == "email_failed"
        assert order.followup_reason.startswith(f"booking e-mail {message.id} in doubt")
        later = workspace.context(now=NOW + timedelta(hours=2))
        rerun = bookmail.send_bookings(later)
        assert rerun.sent == rerun.failed == [] and [n for n, _ in rerun.in_doubt] == [order_no]
        printed = letters.generate(later)
        assert printed.generated == [] and printed.skipped == [(order_no, why)]
        assert printed.left_for_email == 0
        assert len(server.received) == 1
        emails.settle(later, [message.id], sent=False, comment="not in the server's log")
        order = orders(workspace)[order_no]
        assert order.status == "ready_to_print" and order.followup_kind is None
        server.behaviour.hang_data = 0
        resent = bookmail.send_bookings(later)
        assert [n for n, _ in resent.sent] == [order_no] and len(server.wait_for(2)) == 2
    assert orders(workspace)[order_no].booking_channel == "email"
    settled, sent = messages(workspace)
    assert settled.state is EmailState.FAILED and settled.settled_by == "tester"
    assert settled.error == "settled by tester as not sent: not in the server's log"
    assert sent.state is EmailState.SENT


def test_settled_as_sent_the_order_awaits_the_answer_unless_it_changed(workspace):
    from amsplan.services.booking import transition_orders

    with SmtpServer(Behaviour(hang_data=2)) as server:
        configure(workspace, **server.settings(timeout=0.5))
        booked(workspace, 2, {1: "kari@kunde.example", 2: "ola@kunde.example"})
        bookmail.send_bookings(workspace.context(now=NOW))
        first, second = messages(workspace)
    later = workspace.context(now=NOW + timedelta(hours=1))
    transition_orders(later, ["AMS-00002"], "unlock")  # a planner moved it meanwhile
    settled = emails.settle(later, [first.id, second.id], sent=True)
    assert [m.state for m in settled] == [EmailState.SENT] * 2
    now = orders(workspace)
    assert (now["AMS-00001"].status, now["AMS-00001"].booking_channel) == (
        "awaiting_response", "email"
    )  # fmt: skip
    assert now["AMS-00001"].followup_kind is None  # the doubt is settled
    assert now["AMS-00002"].status == "planning"
    assert now["AMS-00002"].followup_reason == bookmail.CHANGED
    with pytest.raises(InputError, match="nothing was settled") as refused:
        emails.settle(later, [first.id], sent=False)
    assert refused.value.problems == [f"{first.id}: is sent; only a message in doubt (unknown) "
                                      "is settled"]  # fmt: skip


def test_an_e_mail_booking_waits_email_after_hours_across_the_dst_change(workspace):
    with SmtpServer() as server:
        configure(workspace, **server.settings())
        booked(workspace, 1, {1: "kari@kunde.example"})
        sent_at = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)  # Friday 10:00 in Oslo, winter time
        bookmail.send_bookings(workspace.context(now=sent_at))
    # 72 elapsed hours: Monday 11:00 summer time (a letter's calendar days: 10:00).
    due = datetime(2026, 3, 30, 9, 0, tzinfo=UTC)
    early = reminders.run(workspace.context(now=due - timedelta(minutes=1)))
    assert early.actions == []
    result = reminders.run(workspace.context(now=due))
    assert [(a.kind, a.order_no) for a in result.actions] == [("booking_reminder", "AMS-00001")]
    assert orders(workspace)["AMS-00001"].followup_reason == "no answer by 30.03.2026 11:00"


def test_email_after_hours_is_the_setting(workspace):
    path = workspace.path / "amsplan.toml"
    path.write_text(path.read_text() + "\n[reminders]\nemail_after_hours = 24\n")
    configure(workspace, transport="folder", **{"from": FROM})
    booked(workspace, 1, {1: "kari@kunde.example"})
    bookmail.send_bookings(workspace.context(now=NOW))
    assert reminders.run(workspace.context(now=NOW + timedelta(hours=23, minutes=59))).actions == []
    assert len(reminders.run(workspace.context(now=NOW + timedelta(hours=24))).actions) == 1


def test_a_dry_run_lists_who_would_get_an_e_mail_and_records_nothing(workspace):
    with SmtpServer() as server:
        configure(workspace, **server.settings())
        booked(workspace, 2, {2: "ola@kunde.example"})
        result = bookmail.send_bookings(workspace.context(now=NOW), dry_run=True)
        assert result.would_send == [("AMS-00002", "ola@kunde.example")]
        assert result.left_for_letters == 1 and server.received == []
    assert messages(workspace) == []
    assert {o.status for o in orders(workspace).values()} == {"ready_to_print"}


def test_a_message_that_went_for_an_order_that_can_no_longer_move_is_flagged(workspace):
    with SmtpServer(Behaviour(hang_data=2)) as server:
        configure(workspace, **server.settings(timeout=0.5))
        booked(workspace, 1, {1: "kari@kunde.example"})
        bookmail.send_bookings(workspace.context(now=NOW))
    give(workspace, {"AMS-00001": "kari@kunde.example"}, street="")  # blanked meanwhile
    (message,) = messages(workspace)
    emails.settle(workspace.context(now=NOW + timedelta(hours=1)), [message.id], sent=True)
    order = orders(workspace)["AMS-00001"]
    assert (order.status, order.followup_reason) == ("ready_to_print", bookmail.CHANGED)
    assert messages(workspace)[0].state is EmailState.SENT


def test_a_domain_outside_ascii_is_e_mailed_and_a_mailbox_name_outside_ascii_printed(workspace):
    """The server has no SMTPUTF8: a domain outside ASCII goes in its IDNA form; a
    mailbox name outside ASCII would need SMTPUTF8 all the way: its customer gets a letter."""
    with SmtpServer(Behaviour(smtputf8=False)) as server:
        configure(workspace, **server.settings())
        booked(workspace, 2, {1: "ola@bølgen.no", 2: "åse@kunde.example"})
        result = bookmail.send_bookings(workspace.context(now=NOW))
        assert [no for no, _ in result.sent] == ["AMS-00001"] and result.ok
        assert result.left_for_letters == 1
        (got,) = server.wait_for(1)
    assert got.rcpt_tos == ["ola@xn--blgen-vua.no"]
    printed = letters.generate(workspace.context(now=NOW))
    assert printed.generated == ["2026-04-22_T01_002_AMS-00002.pdf"]
    assert messages(workspace)[0].to == "ola@bølgen.no"  # as the order has it


def test_the_attached_letter_tells_the_customer_to_answer_the_e_mail(workspace):
    """The PDF in a booking e-mail is the letter for an e-mail booking: answer the e-mail
    (or send the SMS), not the printed letter's SMS-only wording."""
    from io import BytesIO

    from pypdf import PdfReader

    with SmtpServer() as server:
        configure(workspace, **server.settings())
        booked(workspace, 1, {1: "kari@kunde.example"})
        bookmail.send_bookings(workspace.context(now=NOW))
        (got,) = server.wait_for(1)
    (attachment,) = got.message.iter_attachments()
    text = " ".join(PdfReader(BytesIO(attachment.get_content())).pages[0].extract_text().split())
    assert "Svar på e-posten dette brevet kom med" in text
    assert "Svar oss på e-post eller SMS" in text

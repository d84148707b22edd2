"""Replies by e-mail, read from real files (.eml, Maildir, mbox) on both databases: what
confirms, what goes to a person, automatic answers, bounces, duplicates and time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from amsplan.domain import codes
from amsplan.services import reminders
from amsplan.services.mailreplies import ingest_mails, ingest_path
from amsplan.services.replies import unmatched
from amsplan.store.models import Comment, EmailMessage, History, Order, Reply
from tests.data.mail.build import booked_by_email, bounce, maildir, mbox, reply
from tests.data.mail.reports import exim_warning, failure_notice, read_receipt

AT = datetime(2026, 4, 15, 8, 0, tzinfo=UTC)  # the replies come in from then


def state(ws) -> dict[str, Order]:
    with ws.context().session() as s:
        return {o.order_no: o for o in s.exec(select(Order))}


def ingest(ws, *mails: bytes, now: datetime | None = None):
    named = [(f"m{i}", raw, None) for i, raw in enumerate(mails)]
    return ingest_mails(ws.context(now=now), "test", named)


BOOKING_TEXT = """Hei!

Vi kommer for å bytte strømmåleren din onsdag 22. april kl. 08:00-09:00.
Svar på denne e-posten med OK for å bekrefte, eller KONTAKT om tiden ikke passer.
Bookingkode: {code}
"""


def quoting(code: str) -> str:
    """A Gmail-style quote of the booking e-mail holding `code`."""
    body = BOOKING_TEXT.format(code=codes.format_code(code))
    quoted = "\n".join("> " + line if line else ">" for line in body.splitlines())
    return (
        "\n\nDen tir. 14. apr. 2026 kl. 10:00 skrev Netteier AS <booking@nettselskap.no>:\n\n"
        + quoted
    )


def test_ok_with_the_code_in_the_own_text_confirms(workspace):
    (order_no, code, address), (other_no, other_code, _) = booked_by_email(workspace, 2)
    result = ingest(
        workspace,
        reply("Kari <kari1@example.no>", f"{codes.format_code(code)} OK"),
        # A code in the customer's own words confirms from any address (like an SMS).
        reply("ola@annen.no", f"{other_code} ok\n\nSendt fra min iPhone"),
    )
    assert result.outcomes == {"confirmed": 2} and result.new == 2
    assert {o.status for o in state(workspace).values()} == {"ready_for_execution"}
    with workspace.context().session() as s:
        rows = s.exec(select(Reply).order_by(Reply.id)).all()
    assert [(r.channel, r.sender, r.text, r.code) for r in rows] == [
        ("email", "kari1@example.no", f"{codes.format_code(code)} OK", code),
        ("email", "ola@annen.no", f"{other_code} ok", other_code),
    ]
    assert rows[0].subject == "SV: Bytte av strømmåler" and rows[0].provider_id.startswith("<")


def test_a_code_only_in_the_subject_confirms_only_from_the_orders_address(workspace):
    (first, code1, address1), (second, code2, _) = booked_by_email(workspace, 2)
    subject = f"SV: Bytte av strømmåler – kode {codes.format_code(code1)}"
    result = ingest(
        workspace,
        reply(address1.upper(), "OK", subject),  # the order's address, in any case
        reply("naboen@example.no", "OK", f"Re: kode {codes.format_code(code2)}"),
    )
    assert result.outcomes == {"confirmed": 1, "followup": 1}
    orders = state(workspace)
    assert orders[first].status == "ready_for_execution"
    assert orders[second].status == "manual_followup"
    assert orders[second].followup_reason.startswith("replied OK from another address")


def test_a_condition_under_the_sign_off_goes_to_a_person_and_nothing_written_is_lost(
    workspace,
):
    (first, code1, address1), (second, code2, address2) = booked_by_email(workspace, 2)
    condition = "OK\nMvh Randi\nPs. Jeg er ikke hjemme før kl 12, kom etter det"
    signed = "OK\n\nMed vennlig hilsen\nKari Nordmann\nDaglig leder\nTlf 900 00 000"
    result = ingest(
        workspace,
        reply(address1, condition, f"SV: kode {codes.format_code(code1)}"),
        reply(address2, signed, f"SV: kode {codes.format_code(code2)}"),
    )
    assert result.outcomes == {"followup": 1, "confirmed": 1}
    orders = state(workspace)
    assert orders[first].status == "manual_followup"
    assert orders[first].followup_reason == f"customer replied: {condition}"
    assert orders[second].status == "ready_for_execution"  # "OK", then only a signature
    with workspace.context().session() as s:
        texts = [r.text for r in s.exec(select(Reply).order_by(Reply.id))]
    assert texts == [condition, signed]  # every line the customer wrote, signature and all


def test_an_address_forged_in_the_display_name_is_not_the_sender(workspace):
    ((order_no, code, address),) = booked_by_email(workspace, 1)
    encoded = address.replace("@", "=40").replace(".", "=2E")
    raw = reply("attacker@evil.example", "OK", f"SV: kode {codes.format_code(code)}")
    raw = raw.replace(b"From: attacker@evil.example",
                      f"From: =?utf-8?q?{encoded}?= <attacker@evil.example>".encode())  # fmt: skip
    assert ingest(workspace, raw).outcomes == {"followup": 1}  # the code only echoed
    assert state(workspace)[order_no].followup_reason.startswith("replied OK from another")
    with workspace.context().session() as s:
        assert s.exec(select(Reply)).one().sender == "attacker@evil.example"


def test_the_booking_email_a_reply_answers_names_its_order(workspace):
    ((order_no, code, address),) = booked_by_email(workspace, 1)
    mail = reply(address, "OK", "SV: Bytte av strømmåler", in_reply_to="<booking-1@nettselskap.no>")
    assert ingest(workspace, mail).outcomes == {"confirmed": 1}
    with workspace.context().session() as s:
        assert s.exec(select(Reply)).one().code == code


def test_a_code_only_in_the_quoted_text_confirms_only_from_the_orders_address(workspace):
    (first, code1, _), (second, _, address2), (third, code3, address3) = booked_by_email(
        workspace, 3
    )
    # Customer 2 answers OK from their own address, quoting customer 1's booking (a
    # forwarded e-mail): the quoted code is echoed, not theirs to confirm.
    result = ingest(workspace, reply(address2, "OK" + quoting(code1)))
    assert result.outcomes == {"followup": 1}
    orders = state(workspace)
    assert orders[first].status == "manual_followup"
    assert orders[first].followup_reason.startswith("replied OK from another address")
    assert orders[second].status == "awaiting_response"
    # From the order's own address the quoted booking names the order, and OK confirms.
    assert ingest(workspace, reply(address3, "OK" + quoting(code3))).outcomes == {"confirmed": 1}
    assert state(workspace)[third].status == "ready_for_execution"


def test_nothing_in_quoted_text_confirms_even_an_ok(workspace):
    ((order_no, code, address),) = booked_by_email(workspace, 1)
    text = f"Hei, jeg ringer dere.\n\n> {codes.format_code(code)} OK\n"
    result = ingest(workspace, reply(address, text, "Hei"))
    assert result.outcomes == {"followup": 1}
    assert state(workspace)[order_no].followup_reason == "customer replied: Hei, jeg ringer dere."


def test_the_senders_address_links_one_waiting_order_as_follow_up(workspace):
    booked = booked_by_email(workspace, 3)
    with workspace.context().session() as s:  # orders 2 and 3 share an address
        third = s.exec(select(Order).where(Order.order_no == booked[2][0])).one()
        third.email = booked[1][2].upper()
        s.add(third)
    result = ingest(
        workspace,
        reply(booked[0][2], "Passer fint", "Hei"),
        reply(booked[1][2], "OK", "Hei"),  # two orders wait for this address: a person
    )
    assert result.outcomes == {"matched_by_phone": 1, "no_code": 1}
    orders = state(workspace)
    assert orders[booked[0][0]].status == "manual_followup"  # never a confirmation
    assert orders[booked[1][0]].status == orders[booked[2][0]].status == "awaiting_response"
    ((listed, linked),) = unmatched(workspace.context())
    assert (listed.outcome, listed.sender, linked) == ("no_code", booked[1][2], None)


def test_an_auto_reply_is_stored_and_changes_nothing(workspace):
    ((order_no, code, address),) = booked_by_email(workspace, 1)
    subject = f"Automatisk svar: Bytte av strømmåler – kode {codes.format_code(code)}"
    result = ingest(
        workspace,
        reply(address, "Jeg er på ferie til 20. april.", subject),
        reply(address, "OK", "Re: booking", headers={"Auto-Submitted": "auto-replied"}),
    )
    assert result.outcomes == {"auto_reply": 2}
    order = state(workspace)[order_no]
    assert order.status == "awaiting_response"
    assert unmatched(workspace.context()) == []
    with workspace.context().session() as s:
        notes = s.exec(select(Comment).where(Comment.order_id == order.id)).all()
    assert sum("Automatisk svar" in n.text for n in notes) == 2
    # The reminder is still due when the customer has not answered.
    later = order.awaiting_since + timedelta(days=30)
    run = reminders.run(workspace.context(now=later))
    assert [a.order_no for a in run.actions] == [order_no]


def test_a_bounce_of_a_booking_email_puts_the_order_in_follow_up(workspace):
    (first, _, _), (second, _, _) = booked_by_email(workspace, 2)
    result = ingest(workspace, bounce("<booking-1@nettselskap.no>"))
    assert result.outcomes == {"bounced": 1}
    orders = state(workspace)
    assert orders[first].status == "manual_followup"
    assert orders[first].followup_kind == "email_failed"
    reason = orders[first].followup_reason
    assert reason.startswith("e-mail bounced: 550 5.1.1") and "@" not in reason
    assert orders[second].status == "awaiting_response"
    with workspace.context().session() as s:
        sent = s.exec(select(EmailMessage).order_by(EmailMessage.id)).all()
        assert [m.state for m in sent] == ["bounced", "sent"]
        assert sent[0].bounced_at is not None and "@" not in sent[0].error
    # The same bounce from another relay: the e-mail is bounced already, nothing more.
    again = ingest(workspace, bounce("<booking-1@nettselskap.no>", message_id="<b2@relay.no>"))
    assert again.outcomes == {"bounced": 1}
    with workspace.context().session() as s:
        moved = s.exec(select(History).where(History.transition == "email_undelivered")).all()
    assert len(moved) == 1


def test_a_bounce_nobody_sent_is_for_a_person_and_a_delay_notice_is_no_bounce(workspace):
    ((order_no, _, _),) = booked_by_email(workspace, 1)
    result = ingest(
        workspace,
        bounce("<someone-else@example.com>"),
        bounce(
            "<booking-1@nettselskap.no>",
            status="4.4.1",
            action="delayed",
            message_id="<delay@relay.no>",
        ),  # fmt: skip
    )
    assert result.outcomes == {"bounced": 1, "auto_reply": 1}
    assert state(workspace)[order_no].status == "awaiting_response"
    ((listed, _),) = unmatched(workspace.context())
    assert listed.outcome == "bounced"


def test_a_read_receipt_is_no_answer(workspace):
    ((order_no, code, address),) = booked_by_email(workspace, 1)
    subject = f"Bytte av strømmåler – kode {codes.format_code(code)}"
    receipt = read_receipt("<booking-1@nettselskap.no>", address, subject, in_reply_to=False)
    assert ingest(workspace, receipt).outcomes == {"auto_reply": 1}
    order = state(workspace)[order_no]
    assert (order.status, order.followup_reason) == ("awaiting_response", None)
    assert unmatched(workspace.context()) == []
    with workspace.context().session() as s:
        assert s.exec(select(Reply)).one().code == code  # linked, and noted on the order
        notes = s.exec(select(Comment).where(Comment.order_id == order.id)).all()
    assert any("Automatisk svar" in n.text for n in notes)


def test_a_plain_text_bounce_of_a_booking_email_puts_the_order_in_follow_up(workspace):
    (first, code1, _), (second, code2, _) = booked_by_email(workspace, 2)
    result = ingest(
        workspace,
        failure_notice(codes.format_code(code1), "<booking-1@nettselskap.no>"),
        exim_warning(codes.format_code(code2), "<booking-2@nettselskap.no>"),  # only late
    )
    assert result.outcomes == {"bounced": 1, "auto_reply": 1}
    orders = state(workspace)
    assert (orders[first].status, orders[first].followup_kind) == ("manual_followup",
                                                                    "email_failed")  # fmt: skip
    assert orders[first].followup_reason == "e-mail bounced: 5.1.1 failure notice"
    assert orders[second].status == "awaiting_response"
    assert unmatched(workspace.context()) == []
    with workspace.context().session() as s:
        sent = s.exec(select(EmailMessage).order_by(EmailMessage.id)).all()
    assert [m.state for m in sent] == ["bounced", "sent"]


def test_the_mail_systems_words_without_the_returned_message_id_are_for_a_person(workspace):
    ((order_no, code, _),) = booked_by_email(workspace, 1)
    result = ingest(workspace, failure_notice(codes.format_code(code), None))
    assert result.outcomes == {"auto_reply": 1}  # never the customer's answer
    assert state(workspace)[order_no].status == "awaiting_response"
    ((listed, linked),) = unmatched(workspace.context())
    assert (listed.outcome, listed.sender) == ("auto_reply", "MAILER-DAEMON@mx.example.no")


def test_the_same_message_in_two_files_is_applied_once(workspace, tmp_path):
    ((order_no, code, address),) = booked_by_email(workspace, 1)
    mail = reply(address, f"{code} KONTAKT")
    first = ingest_path(workspace.context(), maildir(tmp_path / "Maildir", [mail]))
    second = ingest_path(workspace.context(), mbox(tmp_path / "arkiv.mbox", [mail, mail]))
    (tmp_path / "svar.eml").write_bytes(mail)
    third = ingest_path(workspace.context(), tmp_path / "svar.eml")
    assert (first.new, first.outcomes) == (1, {"followup": 1})
    assert (second.new, second.already_ingested, third.already_ingested) == (0, 2, 1)
    assert second.committed == ["arkiv.mbox#1", "arkiv.mbox#2"]
    with workspace.context().session() as s:
        assert len(s.exec(select(Reply)).all()) == 1
        assert len(s.exec(select(History).where(History.transition == "reply_other")).all()) == 1


def test_the_newest_received_answer_wins_whatever_the_order_of_the_files(workspace):
    booked = booked_by_email(workspace, 2)
    for n, (_, code, address) in enumerate(booked):
        older = reply(address, f"{code} OK", received=AT)
        newer = reply(address, f"{code} KONTAKT", received=AT + timedelta(hours=1))
        # Files in the order older, newer for the first order; newer, older for the other.
        for mail in (older, newer) if n == 0 else (newer, older):
            ingest(workspace, mail)
    orders = state(workspace)
    assert {orders[b[0]].followup_reason for b in booked} == {"customer replied: KONTAKT"}
    # The server's receipt time comes before the headers'.
    ((order_no, code, address),) = [booked[0]]
    late = reply(address, f"{code} OK", received=AT - timedelta(days=1))
    ingest_mails(workspace.context(), "imap", [("1", late, AT + timedelta(hours=2))])
    assert state(workspace)[order_no].status == "ready_for_execution"


def test_on_committed_gets_each_chunk_after_its_commit(workspace):
    ((order_no, code, address),) = booked_by_email(workspace, 1)
    mails = [(f"m{i}", reply(address, f"hei {i}", "Hei"), None) for i in range(5)]
    seen: list[list[str]] = []

    def committed(names: list[str]) -> None:
        with workspace.context().session() as s:  # visible to another connection
            seen.append(names)
            assert len(s.exec(select(Reply)).all()) == sum(map(len, seen))

    result = ingest_mails(workspace.context(), "imap", mails, committed, chunk=2)
    assert seen == [["m0", "m1"], ["m2", "m3"], ["m4"]]
    assert result.committed == [n for n, _, _ in mails] and result.new == 5

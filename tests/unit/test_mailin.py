"""adapters.mailin: a mail's bytes -> what the replies need, never an exception; and the
files mail comes in (.eml, Maildir, mbox)."""

from __future__ import annotations

import shutil
import time
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amsplan.adapters import mailin
from amsplan.domain.mail import own_text
from amsplan.errors import InputError
from tests.data.mail.build import bounce, maildir, mbox, reply
from tests.data.mail.reports import exim_warning, failure_notice, read_receipt

CODE = "ACDE-7FHA"


def headers_and(body: str, *headers: str) -> bytes:
    return ("\r\n".join(headers) + "\r\n\r\n" + body).encode("utf-8", "surrogateescape")


# --- the text ------------------------------------------------------------------------------

GMAIL_HTML = f"""<div dir="ltr">OK</div><br><div class="gmail_quote"><div dir="ltr"
class="gmail_attr">Den tir. 14. apr. 2026 kl. 10:00 skrev Netteier AS &lt;<a
href="mailto:booking@nettselskap.no">booking@nettselskap.no</a>&gt;:<br></div><blockquote
class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204)">
<div>Hei!</div><div>Svar OK for å bekrefte.</div><div>Bookingkode: {CODE}</div></blockquote>
</div>"""

OUTLOOK_HTML = f"""<html><head><style>p {{margin:0}}</style></head><body><div dir="ltr">
<div style="font-family: Aptos">Det passer fint.</div><div id="appendonsend"></div>
<hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg" dir="ltr"><font
face="Calibri"><b>Fra:</b> Netteier AS &lt;booking@nettselskap.no&gt;<br><b>Sendt:</b>
tirsdag 14. april 2026 10:00<br><b>Til:</b> Kari Nordmann<br><b>Emne:</b> Bytte av
strømmåler</font><div>&nbsp;</div></div><div><p>Hei!</p><p>Bookingkode: {CODE}</p></div>
</div></body></html>"""

APPLE_HTML = f"""<html><body dir="auto"><div dir="ltr">OK</div><div dir="ltr"><br><blockquote
type="cite">14. apr. 2026 kl. 10:00 skrev Netteier AS &lt;booking@nettselskap.no&gt;:<br><br>
</blockquote></div><blockquote type="cite"><div dir="ltr">Hei!<br>Bookingkode: {CODE}</div>
</blockquote></body></html>"""


@pytest.mark.parametrize(
    ("html", "own"),
    [(GMAIL_HTML, "OK"), (OUTLOOK_HTML, "Det passer fint."), (APPLE_HTML, "OK")],
    ids=["Gmail", "Outlook", "Apple Mail"],
)
def test_an_html_only_mail_keeps_its_quoted_parts_quoted(html, own):
    mail = mailin.parse(reply("kari@example.no", None, html=html))
    found, rest = own_text(mail.text)
    assert found == own
    assert CODE in rest
    assert not any(tag in mail.text for tag in ("<div", "<br", "<b>", "<p>", "&nbsp;", "{"))


def test_text_plain_is_preferred_and_an_attachment_is_never_read():
    raw = reply("kari@example.no", "OK", html="<p>Noe annet</p>")
    assert mailin.parse(raw).text.strip() == "OK"
    huge = (
        "MIME-Version: 1.0\r\nFrom: kari@example.no\r\nSubject: Bilde\r\n"
        'Content-Type: multipart/mixed; boundary="X"\r\n\r\n'
        "--X\r\nContent-Type: application/octet-stream\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
        + ("QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\r\n" * 420_000)
        + "--X\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nOK, se vedlegg\r\n--X--\r\n"
    ).encode()
    assert len(huge) > 30_000_000
    start = time.process_time()
    mail = mailin.parse(huge)
    assert time.process_time() - start < 5
    assert mail.text.strip() == "OK, se vedlegg"


def test_the_text_kept_is_capped():
    mail = mailin.parse(reply("kari@example.no", "OK\n" + "x" * 500_000))
    assert len(mail.text) == mailin.TEXT_MAX and mail.text.startswith("OK")


@pytest.mark.parametrize(
    ("charset", "body", "text"),
    [
        ("iso-8859-1", "Det går bra, æøå".encode("latin-1"), "Det går bra, æøå"),
        ("utf-8", "Det går bra".encode("latin-1"), "Det går bra"),  # wrong: cp1252
        ("x-unknown", "Det går bra".encode(), "Det går bra"),  # unknown: utf-8
        ("utf-8", b"OK \x81\xff", "OK \x81\xff".encode("latin-1").decode("utf-8", "replace")),
    ],
)
def test_charsets_declared_wrong_or_unknown(charset, body, text):
    raw = (
        b"From: kari@example.no\r\nSubject: svar\r\n"
        + f"Content-Type: text/plain; charset={charset}\r\n\r\n".encode()
        + body
    )
    assert mailin.parse(raw).text.strip() == text


def test_headers_are_decoded_to_one_clean_line():
    raw = headers_and(
        "OK",
        "From: =?iso-8859-1?q?Kari_N=F8rdmann?= <Kari.Nordmann@EXAMPLE.No>",
        "Subject: =?utf-8?q?SV=3A_kode_ACDE-7FHA=0D=0ABcc=3A_x=40y=2Eno?= =?utf-8?b?w6bDuMOl?=",
        "Message-ID: <abc@mail.example.no>",
        "In-Reply-To: <booking-1@nettselskap.no>",
        "References: <a@b> <booking-1@nettselskap.no>",
        "Date: Wed, 15 Apr 2026 10:00:00 +0200",
        "Received: from mx by imap; Wed, 15 Apr 2026 10:00:05 +0200",
        "Received: from a by mx; Wed, 15 Apr 2026 09:59:00 +0200",
    )
    mail = mailin.parse(raw)
    assert mail.sender == "Kari.Nordmann@example.no"  # the domain in lower case
    # One line; the space between two encoded words is no text (RFC 2047).
    assert mail.subject == "SV: kode ACDE-7FHA Bcc: x@y.noæøå"
    assert mail.message_id == "<abc@mail.example.no>"
    assert mail.in_reply_to == ("<booking-1@nettselskap.no>",)
    assert mail.references == ("<a@b>", "<booking-1@nettselskap.no>")
    assert mail.date == datetime(2026, 4, 15, 8, 0, tzinfo=UTC)
    assert mail.received == datetime(2026, 4, 15, 8, 0, 5, tzinfo=UTC)  # the newest


def test_raw_8bit_headers_and_missing_ones():
    raw = "From: Kåre <kare@example.no>\r\nSubject: Svar på kode\r\n\r\nOK".encode()
    mail = mailin.parse(raw)
    assert (mail.sender, mail.subject, mail.message_id, mail.date) == (
        "kare@example.no", "Svar på kode", None, None,
    )  # fmt: skip
    assert mailin.parse(b"") == mailin.EMPTY
    assert mailin.parse(b"Subject: x\r\n\r\n").sender == ""


@pytest.mark.parametrize(
    ("from_", "sender"),
    [
        # An address spelled out in the encoded display name is only a name.
        ("=?utf-8?q?kari=40eksempel=2Eno?= <attacker@evil.example>", "attacker@evil.example"),
        ("=?utf-8?b?a2FyaUBla3NlbXBlbC5ubw==?= <attacker@evil.example>",
         "attacker@evil.example"),
        ('"kari@eksempel.no" <attacker@evil.example>', "attacker@evil.example"),
        ("Kari Nordmann (kari@eksempel.no) <attacker@evil.example>", "attacker@evil.example"),
        ("=?utf-8?q?kari=40eksempel=2Eno?=", ""),  # an encoded word is no address
        ("kari@eksempel.no, attacker@evil.example", ""),  # more than one: none
        ("undisclosed-recipients:;", ""),
        ("<>", ""),
        ('"Nordmann, Kari" <kari@Eksempel.NO>', "kari@eksempel.no"),
        ("kari@eksempel.no (Kari)", "kari@eksempel.no"),
    ],
)  # fmt: skip
def test_the_sender_is_the_from_headers_one_address_never_its_display_name(from_, sender):
    assert mailin.parse(headers_and("OK", f"From: {from_}")).sender == sender


def test_two_from_headers_give_no_sender():
    raw = headers_and("OK", "From: kari@eksempel.no", "From: attacker@evil.example")
    assert mailin.parse(raw).sender == ""


def test_automatic_answer_headers_are_kept():
    raw = headers_and("Jeg er borte", "From: kari@example.no", "Auto-Submitted: auto-replied",
                      "X-Autoreply: yes", "Precedence: bulk", "X-Other: 1")  # fmt: skip
    assert mailin.parse(raw).headers == {
        "auto-submitted": "auto-replied", "x-autoreply": "yes", "precedence": "bulk",
    }  # fmt: skip


# --- bounces ----------------------------------------------------------------------------------


def test_a_delivery_status_notification_names_the_message_and_why_without_the_address():
    mail = mailin.parse(bounce("<booking-1@nettselskap.no>"))
    assert mail.bounce == mailin.Bounce(
        message_id="<booking-1@nettselskap.no>", action="failed", status="5.1.1",
        diagnostic="550 5.1.1: Recipient address rejected: User unknown in virtual mailbox table",
    )  # fmt: skip
    assert "@" not in mail.bounce.reason
    delayed = mailin.parse(bounce("<b@x>", status="4.4.1", action="delayed"))
    assert (delayed.bounce.action, delayed.bounce.status) == ("delayed", "4.4.1")
    assert mailin.parse(reply("kari@example.no", "OK")).bounce is None


def test_a_bounce_returning_the_whole_message():
    raw = bounce("<booking-2@nettselskap.no>").decode()
    raw = raw.replace("Content-Type: text/rfc822-headers", "Content-Type: message/rfc822")
    assert mailin.parse(raw.encode()).bounce.message_id == "<booking-2@nettselskap.no>"


# --- never an exception ---------------------------------------------------------------------

BROKEN = [
    b"\x00\xff\xfe" * 100,
    b"From: \r\n\r\n",
    b'Content-Type: multipart/mixed; boundary="never"\r\n\r\nno boundary at all',
    b"Content-Type: multipart/alternative\r\n\r\n--\r\n--",
    b'Content-Type: text/plain; charset="\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!',
    b"Content-Type: text/html\r\n\r\n<div><blockquote><blockquote>" * 50,
    b"Content-Type: message/delivery-status\r\n\r\nAction: failed\r\nStatus: 5.0.0\r\n",
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\n"
    b"Content-Type: message/delivery-status\r\n\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n",
    b"From: =?utf-8?b?!!!?= <a@b>\r\nSubject: =?x-nothing?q?=FF?=\r\nDate: 99 Foo 99999\r\n\r\n",
    b"Received: ;\r\nReceived: x; not a date\r\nMessage-ID: <\r\n\r\nOK",
    b"Subject: " + b"=?utf-8?q?a?= " * 20_000 + b"\r\n\r\nOK",
]


@pytest.mark.parametrize("raw", BROKEN)
def test_broken_mail_is_read_as_far_as_it_goes(raw):
    _clean(mailin.parse(raw))


def _clean(mail: mailin.Mail) -> None:
    """What a database stores without complaint, and one line where one line is meant."""
    for value in (mail.sender, mail.subject, mail.message_id or "", *mail.headers.values()):
        assert "\n" not in value and "\r" not in value and "\x00" not in value
        value.encode("utf-8")  # no lone surrogates
    mail.text.encode("utf-8")
    assert "\x00" not in mail.text
    if mail.bounce:
        mail.bounce.reason.encode("utf-8")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_random_bytes_never_raise(raw):
    _clean(mailin.parse(raw))


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_a_mail_with_random_damage_never_raises(data):
    raw = bytearray(bounce("<b@x>") if data.draw(st.booleans()) else reply("k@x.no", "OK æøå"))
    for _ in range(data.draw(st.integers(1, 20))):
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at : at + 1] = data.draw(st.sampled_from([b"\r\n", b"\x00", b"=", b"?", b"\xff", b""]))
    _clean(mailin.parse(bytes(raw)))


def test_a_read_receipt_is_marked_and_is_no_bounce():
    mail = mailin.parse(read_receipt("<booking-1@x.no>", "kari@example.no", "Bytte"))
    assert (mail.receipt, mail.bounce) == (True, None)
    assert mail.subject == "Lest: Bytte" and mail.in_reply_to == ("<booking-1@x.no>",)
    assert not mailin.parse(reply("kari@example.no", "OK")).receipt


def test_a_plain_text_bounce_from_the_mail_system_names_the_message_it_returns():
    found = mailin.parse(failure_notice(CODE, "<booking-1@nettselskap.no>"))
    assert found.sender == "MAILER-DAEMON@mx.example.no"
    assert found.bounce == mailin.Bounce(
        message_id="<booking-1@nettselskap.no>", action="failed", status="5.1.1",
        diagnostic="failure notice",
    )  # fmt: skip
    assert "@" not in found.bounce.reason
    # Without the returned message's Message-ID it says nothing a bounce needs.
    assert mailin.parse(failure_notice(CODE, None)).bounce is None
    # Exim's delay warning returns the headers too: delayed, not failed.
    delayed = mailin.parse(exim_warning(CODE, "<booking-1@nettselskap.no>")).bounce
    assert delayed is not None and delayed.action == "delayed"
    assert delayed.message_id == "<booking-1@nettselskap.no>"


def test_a_message_id_line_in_a_persons_mail_is_no_bounce():
    forwarded = "Se under.\n\nFrom: a@b.no\nMessage-ID: <booking-1@nettselskap.no>\n\nHei"
    assert mailin.parse(reply("kari@example.no", forwarded)).bounce is None


# --- files ---------------------------------------------------------------------------------


def test_the_files_mail_comes_in(tmp_path):
    mails = [reply(f"k{i}@example.no", f"svar {i}") for i in range(3)]
    eml = tmp_path / "svar.eml"
    eml.write_bytes(mails[0])
    unnamed = tmp_path / "svar.txt"  # no .eml, but it starts like a mail
    unnamed.write_bytes(mails[0])
    folder = maildir(tmp_path / "Maildir", mails[:2])
    maildir(folder, mails[2:], new=False)  # cur/ too
    box = mbox(tmp_path / "arkiv", mails)
    assert [mailin.kind(p) for p in (eml, unnamed, folder, box)] == [
        "eml", "eml", "maildir", "mbox",
    ]  # fmt: skip
    assert list(mailin.read(eml)) == [("svar.eml", mails[0])]
    assert sorted(mailin.parse(raw).sender for _, raw in mailin.read(folder)) == [
        "k0@example.no", "k1@example.no", "k2@example.no",
    ]  # fmt: skip
    from_box = list(mailin.read(box))
    assert [n for n, _ in from_box] == ["arkiv#1", "arkiv#2", "arkiv#3"]
    assert [mailin.parse(raw).text.strip() for _, raw in from_box] == ["svar 0", "svar 1", "svar 2"]


@pytest.mark.parametrize("only", ["new", "cur"])
def test_a_maildir_copied_without_its_empty_cur_or_new_folder(tmp_path, only):
    mails = [reply(f"k{i}@example.no", f"svar {i}") for i in range(2)]
    folder = maildir(tmp_path / "Svar", mails, new=only == "new")
    shutil.rmtree(folder / ("cur" if only == "new" else "new"))
    shutil.rmtree(folder / "tmp")
    (folder / only / ".hidden").write_bytes(b"not a message")  # dot files are skipped
    assert mailin.kind(folder) == "maildir"
    read = list(mailin.read(folder))
    assert sorted(raw for _, raw in read) == sorted(mails)
    assert all(":" not in name and not name.startswith(".") for name, _ in read)


def test_any_other_path_is_named(tmp_path):
    csv = tmp_path / "svar.csv"
    csv.write_text("Mottatt;Avsender;Melding\n", encoding="utf-8")
    (tmp_path / "tom").mkdir()
    for path in (csv, tmp_path / "tom", tmp_path / "finnes-ikke"):
        assert mailin.kind(path) is None
        with pytest.raises(InputError, match=str(path.name)):
            mailin.read(path)

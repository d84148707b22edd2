"""Mails as the tests need them: replies (plain text, HTML), automatic answers, bounces
(RFC 3464 delivery status notifications), and the files they come in (.eml, Maildir,
mbox), built with the standard library's email package like a mail client would; and
orders booked by e-mail to answer."""

from __future__ import annotations

import hashlib
import mailbox
from datetime import UTC, datetime
from email.message import EmailMessage as Message
from email.utils import format_datetime
from pathlib import Path

from sqlmodel import select

from amsplan.domain import codes
from amsplan.services import workflow
from amsplan.store.models import EmailMessage, Order
from tests.helpers import locked

BOOKING_FROM = "Netteier AS <booking@nettselskap.no>"
SENT = datetime(2026, 4, 15, 8, 0, tzinfo=UTC)  # when booked_by_email's e-mails went out


def reply(
    sender: str,
    text: str | None,
    subject: str = "SV: Bytte av strømmåler",
    *,
    html: str | None = None,
    date: datetime | None = None,
    message_id: str | None = "auto",
    in_reply_to: str | None = None,
    received: datetime | None = None,
    headers: dict[str, str] | None = None,
    charset: str = "utf-8",
) -> bytes:
    """A customer's mail: text and/or HTML; Date (and a Received line) as given."""
    msg = Message()
    if received is not None:
        stamp = format_datetime(received)
        msg["Received"] = f"from mx.example.no by imap.nettselskap.no; {stamp}"
    msg["From"] = sender
    msg["To"] = BOOKING_FROM
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date or datetime(2026, 4, 15, 8, 0, tzinfo=UTC))
    if message_id == "auto":
        key = repr((sender, text, subject, html, date, received)).encode()
        message_id = f"<{hashlib.sha1(key).hexdigest()[:16]}@mail.example.no>"
    if message_id:
        msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    for name, value in (headers or {}).items():
        msg[name] = value
    if text is not None:
        msg.set_content(text, charset=charset)
    if html is not None:
        if text is None:
            msg.set_content(html, subtype="html")
        else:
            msg.add_alternative(html, subtype="html")
    return msg.as_bytes()


def bounce(
    original_id: str,
    status: str = "5.1.1",
    diagnostic: str = "smtp; 550 5.1.1 <kari@example.no>: Recipient address rejected: "
    "User unknown in virtual mailbox table",
    action: str = "failed",
    message_id: str = "<bounce-1@mx.nettselskap.no>",
    date: datetime | None = None,
) -> bytes:
    """A Postfix-style delivery status notification returning a booking e-mail."""
    stamp = format_datetime(date or datetime(2026, 4, 15, 8, 0, tzinfo=UTC))
    return f"""\
Return-Path: <>
Date: {stamp}
From: MAILER-DAEMON@mx.nettselskap.no (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: booking@nettselskap.no
Auto-Submitted: auto-replied
Message-ID: {message_id}
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="B1"

--B1
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.nettselskap.no.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<kari@example.no>: host mx.example.no said: 550 5.1.1 <kari@example.no>:
    Recipient address rejected: User unknown

--B1
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.nettselskap.no
Arrival-Date: {stamp}

Final-Recipient: rfc822; kari@example.no
Original-Recipient: rfc822;kari@example.no
Action: {action}
Status: {status}
Remote-MTA: dns; mx.example.no
Diagnostic-Code: {diagnostic}

--B1
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

From: {BOOKING_FROM}
To: kari@example.no
Subject: Bytte av strømmåler
Message-ID: {original_id}
Date: {stamp}

--B1--
""".replace("\n", "\r\n").encode()


def maildir(path: Path, mails: list[bytes], new: bool = True) -> Path:
    """A Maildir folder holding the mails (in new/, else cur/)."""
    box = mailbox.Maildir(path, create=True)
    for raw in mails:
        key = box.add(raw)  # the bytes as they are, into new/
        if not new:
            (path / "new" / key).rename(path / "cur" / f"{key}:2,S")
    return path


def mbox(path: Path, mails: list[bytes]) -> Path:
    box = mailbox.mbox(path, create=True)
    for raw in mails:
        box.add(raw)
    box.flush()
    box.close()
    return path


def booked_by_email(ws, count: int) -> list[tuple[str, str, str]]:
    """`count` orders booked by e-mail (as `letters email` leaves them: awaiting the
    answer, channel email, the booking e-mail recorded as sent): [(order_no, code,
    address)], the addresses Kari1@example.no, ..."""
    booked = locked(ws, count)
    ctx = ws.context()
    out = []
    with ctx.session() as s:
        orders = {o.order_no: o for o in s.exec(select(Order))}
        for n, (order_no, code) in enumerate(booked, start=1):
            order = orders[order_no]
            order.email = f"Kari{n}@example.no"
            workflow.apply(s, ctx, order, "email_sent", comment="E-post sendt", channel="email")
            s.add(
                EmailMessage(
                    kind="booking", order_id=order.id, booking_code=code, to=order.email,
                    subject=f"Bytte av strømmåler – kode {codes.format_code(code)}",
                    message_id=f"<booking-{n}@nettselskap.no>", state="sent", sent_at=SENT,
                )
            )  # fmt: skip
            out.append((order_no, code, order.email))
    return out

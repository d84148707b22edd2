"""Mails as the tests need them: replies (plain text, HTML), automatic answers, bounces
(RFC 3464 delivery status notifications), and the files they come in (.eml, Maildir,
mbox). Built with the standard library's email package, like a mail client would."""

from __future__ import annotations

import hashlib
import mailbox
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

BOOKING_FROM = "Netteier AS <booking@nettselskap.no>"


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
    msg = EmailMessage()
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
        message = mailbox.MaildirMessage(raw)
        message.set_subdir("new" if new else "cur")
        box.add(message)
    return path


def mbox(path: Path, mails: list[bytes]) -> Path:
    box = mailbox.mbox(path, create=True)
    for raw in mails:
        box.add(raw)
    box.flush()
    box.close()
    return path

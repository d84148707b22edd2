"""Mail systems' answers that are no delivery status notification (RFC 3464): a read
receipt (RFC 8098 message disposition notification, as Outlook and Thunderbird send it),
and the plain-text bounces qmail ("failure notice") and Exim ("Mail delivery failed",
and its delay warning) send, with the returned message inline."""

from __future__ import annotations

from tests.data.mail.build import BOOKING_FROM

RETURNED = """\
Return-Path: <booking@nettselskap.no>
Received: (qmail 1234 invoked from network); 15 Apr 2026 08:00:00 -0000
From: {booking_from}
To: kari@example.no
Subject: =?utf-8?q?Bytte_av_str=C3=B8mm=C3=A5ler?=
Date: Wed, 15 Apr 2026 10:00:00 +0200
{id_line}MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Hei!

Vi kommer for å bytte strømmåleren din onsdag 22. april kl. 08:00-09:00.
Svar på denne e-posten med OK for å bekrefte.
Bookingkode: {code}
"""


def read_receipt(original_id: str, sender: str, subject: str, in_reply_to: bool = True) -> bytes:
    """A read receipt ("Lest: <subject>") for the message `original_id`, from `sender`."""
    thread = f"In-Reply-To: {original_id}\nReferences: {original_id}\n" if in_reply_to else ""
    return f"""\
From: Kari Nordmann <{sender}>
To: {BOOKING_FROM}
Subject: Lest: {subject}
Date: Wed, 15 Apr 2026 10:30:00 +0200
Message-ID: <mdn-1@mail.example.no>
{thread}MIME-Version: 1.0
Content-Type: multipart/report; report-type=disposition-notification;
	boundary="R1"

--R1
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Meldingen ble lest onsdag 15. april 2026 10:30:00 (UTC+01:00).

--R1
Content-Type: message/disposition-notification

Reporting-UA: mail.example.no; Microsoft Outlook 16.0
Final-Recipient: rfc822;{sender}
Original-Message-ID: {original_id}
Disposition: manual-action/MDN-sent-manually; displayed

--R1--
""".replace("\n", "\r\n").encode()


def failure_notice(code: str, original_id: str | None) -> bytes:
    """qmail's bounce: plain text, the returned message inline (its Message-ID line only
    when `original_id`)."""
    id_line = f"Message-ID: {original_id}\n" if original_id else ""
    returned = RETURNED.format(booking_from=BOOKING_FROM, id_line=id_line, code=code)
    return f"""\
Return-Path: <>
From: MAILER-DAEMON@mx.example.no
To: booking@nettselskap.no
Subject: failure notice
Date: Wed, 15 Apr 2026 10:00:05 +0200
Message-ID: <qmail-1@mx.example.no>

Hi. This is the qmail-send program at mx.example.no.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<kari@example.no>:
Sorry, no mailbox here by that name. (#5.1.1)

--- Below this line is a copy of the message.

{returned}""".encode()


def exim_warning(code: str, original_id: str) -> bytes:
    """Exim's delay warning: plain text from Mailer-Daemon, the headers returned."""
    returned = RETURNED.format(
        booking_from=BOOKING_FROM, id_line=f"Message-Id: {original_id}\n", code=code
    )
    return f"""\
From: Mail Delivery System <Mailer-Daemon@mx.example.no>
To: booking@nettselskap.no
Subject: Warning: message 1wXyZ-000123-AB delayed 24 hours
Auto-Submitted: auto-replied
Date: Thu, 16 Apr 2026 10:00:05 +0200
Message-ID: <exim-1@mx.example.no>

This message was created automatically by mail delivery software.
A message that you sent has not yet been delivered to one or more of its
recipients after more than 24 hours on the queue on mx.example.no.

------ This is a copy of the message's headers. ------

{returned.split(chr(10) + chr(10))[0]}
""".encode()

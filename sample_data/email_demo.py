"""The e-mail part of the demo: settings that book by e-mail into a local mailbox folder
(no mail server needed), and the customers' answers written as real e-mails into another
folder, as a mail program would leave them: replies quoting the booking (Gmail and Outlook
style), an out-of-office answer, and a bounce from a mail server."""

from __future__ import annotations

import mailbox
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from zoneinfo import ZoneInfo

OUTBOX = "e-post-ut"  # where amsplan "sends" (a Maildir: open it in any mail program)
INBOX = "e-post-inn"  # the customers' answers, as the mail server would deliver them
COMPANY = "kundeservice@hedmark-nett.example"
TEAM = "planlegging@hedmark-nett.example"

SETTINGS = f"""
[email]
booking = true            # customers with an address get the booking letter by e-mail
transport = "folder"      # the demo: into the folder {OUTBOX}/ (real use: "smtp", host, port)
folder = "{OUTBOX}"
from = "Hedmark Nett AS <{COMPANY}>"

[notify]
team = "{TEAM}"

[[notify.rule]]           # the team hears of every answer that needs a person
when = ["reply_other", "email_undelivered", "followup:email_failed"]
to = ["team"]
"""


def configure(folder: Path) -> None:
    with open(folder / "amsplan.toml", "a", encoding="utf-8") as f:
        f.write(SETTINGS)


def bookings(folder: Path) -> list[EmailMessage]:
    """The booking e-mails amsplan put in the outbox, oldest first."""
    box = mailbox.Maildir(folder / OUTBOX, create=False)
    found = [
        message_from_bytes(box.get_bytes(key), policy=policy.default) for key in box.iterkeys()
    ]
    mails = [m for m in found if isinstance(m, EmailMessage) and "bookingkode" in m["Subject"]]
    return sorted(mails, key=lambda m: m["Date"].datetime)


def answers(folder: Path) -> tuple[Path, list[str]]:
    """Customers' answers to the first five booking e-mails, into the folder INBOX:
    what each one is, for the demo to say."""
    sent = bookings(folder)
    if len(sent) < 5:
        raise SystemExit(f"demo: only {len(sent)} booking e-mails; the sample data has more")
    now = datetime.now(ZoneInfo("Europe/Oslo")).replace(microsecond=0)
    box = mailbox.Maildir(folder / INBOX, create=True)
    said = []
    ok, contact, away, bounced, other = sent[:5]
    box.add(_reply(ok, "OK\n\nMvh\n" + _name(ok), now, style="gmail"))
    said.append(f"{ok['To']} answers OK (Gmail, the booking quoted below)")
    box.add(
        _reply(
            contact,
            "Det passer dårlig, jeg er på jobb da. Kan dere komme etter kl. 15?"
            "\n\nHilsen " + _name(contact),
            now + timedelta(minutes=3),
            style="outlook",
        )
    )
    said.append(f"{contact['To']} asks for another time (Outlook)")
    box.add(_away(away, now + timedelta(minutes=5)))
    said.append(f"{away['To']} is away: an automatic answer, which changes nothing")
    box.add(_bounce(bounced, now + timedelta(minutes=1)))
    said.append(f"the mail server of {bounced['To']} returns the booking: no such address")
    stranger = _reply(other, "OK", now + timedelta(minutes=8), style="gmail")
    stranger.replace_header("From", "Naboen <nabo@eksempel.no>")
    box.add(stranger)
    said.append(f"a neighbour answers OK to {other['To']}'s booking, forwarded to her: "
                "the code is only quoted, so a person checks it")  # fmt: skip
    return folder / INBOX, said


def _name(booking: EmailMessage) -> str:
    body = booking.get_body(("plain",))
    first = body.get_content().splitlines()[0] if body else ""
    return first.removeprefix("Hei ").rstrip("!,") or "Kunden"


def _reply(booking: EmailMessage, text: str, at: datetime, style: str) -> EmailMessage:
    """The customer's reply, top-posted above the quoted booking."""
    quoted_body = booking.get_body(("plain",))
    quoted = quoted_body.get_content() if quoted_body else ""
    sent = booking["Date"].datetime.astimezone(at.tzinfo)
    if style == "gmail":
        header = f"Den {sent:%d.%m.%Y} kl. {sent:%H:%M} skrev {booking['From']}:"
        body = f"{text}\n\n{header}\n\n" + "".join(f"> {line}\n" for line in quoted.splitlines())
    else:  # Outlook: the earlier message below a separator and its header block, unquoted
        body = (f"{text}\n\n-----Opprinnelig melding-----\nFra: {booking['From']}\n"
                f"Sendt: {sent:%d.%m.%Y %H:%M}\nTil: {booking['To']}\n"
                f"Emne: {booking['Subject']}\n\n{quoted}")  # fmt: skip
    msg = EmailMessage()
    msg["From"] = f"{_name(booking)} <{booking['To']}>"
    msg["To"] = booking["From"]
    msg["Subject"] = (
        f"SV: {booking['Subject']}" if style == "outlook" else f"Re: {booking['Subject']}"
    )
    msg["Date"] = format_datetime(at)
    msg["Message-ID"] = make_msgid(domain="eksempel.no")
    msg["In-Reply-To"] = booking["Message-ID"]
    msg["References"] = booking["Message-ID"]
    msg.set_content(body)
    return msg


def _away(booking: EmailMessage, at: datetime) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = booking["To"]
    msg["To"] = booking["From"]
    msg["Subject"] = f"Fraværsmelding: {booking['Subject']}"
    msg["Date"] = format_datetime(at)
    msg["Message-ID"] = make_msgid(domain="eksempel.no")
    msg["Auto-Submitted"] = "auto-replied"
    msg["In-Reply-To"] = booking["Message-ID"]
    msg.set_content("Jeg er på ferie og leser ikke e-post før 20. april.")
    return msg


def _bounce(booking: EmailMessage, at: datetime) -> bytes:
    """A delivery status notification (RFC 3464) returning the booking, as Postfix writes it."""
    stamp = format_datetime(at)
    return f"""\
Return-Path: <>
Date: {stamp}
From: MAILER-DAEMON@mx.eksempel.no (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: {COMPANY}
Auto-Submitted: auto-replied
Message-ID: {make_msgid(domain="mx.eksempel.no")}
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B1"

--B1
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.eksempel.no.
Your message could not be delivered to one or more recipients.

--B1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.eksempel.no
Arrival-Date: {stamp}

Final-Recipient: rfc822; {booking["To"]}
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <{booking["To"]}>: Recipient address rejected: User unknown

--B1
Content-Type: text/rfc822-headers

From: {booking["From"]}
To: {booking["To"]}
Subject: {booking["Subject"]}
Message-ID: {booking["Message-ID"]}

--B1--
""".encode()

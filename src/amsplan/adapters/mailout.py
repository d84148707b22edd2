"""Sending e-mail: compose a message and hand it to an SMTP server or a Maildir folder.

What the caller must know of each message is whether it went: `send` returns when the
server took it (the final "250" after the data), raises `NotSent` when it certainly did
not go (the server refused the sender, a recipient or the data with a 4xx/5xx reply), and
`Unsure` when the conversation broke after the message was handed over (a time-out or a
lost connection while the server was taking it): it may have gone, and it must never be
sent again blindly. A server that cannot be reached, or refuses the login, is
`errors.Unavailable` for the whole run.

The "folder" transport writes each message into a Maildir folder (new/), as a local
mail server would deliver it: for the demo and for a site whose own mail system picks
messages up from a folder.
"""

from __future__ import annotations

import mailbox
import re
import smtplib
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from types import TracebackType

from amsplan.errors import Unavailable

_ADDRESS = re.compile(r"<?[^\s<>@]+@[^\s<>@]+>?")


@dataclass(frozen=True)
class Server:
    """Where messages go ([email] settings; the password from the environment)."""

    transport: str  # smtp | folder
    host: str = ""
    port: int = 587
    security: str = "starttls"  # starttls | tls | none
    user: str = ""
    password: str = ""
    timeout: float = 30.0
    folder: Path | None = None  # transport "folder": the Maildir

    @property
    def where(self) -> str:
        return str(self.folder) if self.transport == "folder" else f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes
    mime: str = "application/pdf"


class NotSent(Exception):
    """The server refused the message: it did not go. `reason`: the reply code and words
    (addresses removed); `permanent`: a 5xx reply (sending it again will not help)."""

    def __init__(self, reason: str, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Unsure(Exception):
    """The connection broke while the server was taking the message: it may have gone."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def redact(text: str) -> str:
    """A server's words without any e-mail address in them (they echo the recipient)."""
    return _ADDRESS.sub("<address>", " ".join(text.split()))[:300]


def new_message_id(sender: str) -> str:
    """A unique Message-ID in the sender's domain ("<…@nett.no>")."""
    domain = sender.rpartition("@")[2].strip(" >") or "amsplan.invalid"
    return make_msgid(domain=domain)


def compose(
    *,
    sender: str,
    to: Iterable[str],
    subject: str,
    text: str,
    html: str | None,
    message_id: str,
    date: datetime,
    reply_to: str = "",
    attachments: Iterable[Attachment] = (),
    auto_submitted: bool = True,
) -> EmailMessage:
    """A message with a text body (and an HTML alternative), attachments, and the given
    Message-ID. Header values never hold a line break (a name with one is refused by
    the e-mail library: ValueError). `auto_submitted`: marked as sent by a program
    (RFC 3834), so that customers' out-of-office responders stay quiet."""
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    if auto_submitted:
        msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for item in attachments:
        main, _, sub = item.mime.partition("/")
        msg.add_attachment(item.data, maintype=main, subtype=sub, filename=item.name)
    return msg


def address_of(header: str) -> str:
    """The bare address of a From-style value ("Nett AS <post@nett.no>" -> post@nett.no)."""
    parsed = policy.default.header_factory("From", header)
    found: tuple[Address, ...] = getattr(parsed, "addresses", ())
    return found[0].addr_spec if found else header.strip()


class Connection:
    """One session with the server for many messages (a context manager)."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self._smtp: smtplib.SMTP | None = None
        self._maildir: mailbox.Maildir | None = None

    def __enter__(self) -> Connection:
        server = self.server
        if server.transport == "folder":
            assert server.folder is not None
            try:
                for sub in ("", "tmp", "new", "cur"):  # private: it holds customers' mail
                    (server.folder / sub).mkdir(mode=0o700, parents=True, exist_ok=True)
                self._maildir = mailbox.Maildir(server.folder, create=True)
            except OSError as err:
                raise Unavailable(
                    f"cannot write e-mail into {server.folder}: {err.strerror}"
                ) from None
            return self
        self._smtp = self._connect()
        return self

    def _connect(self) -> smtplib.SMTP:
        server = self.server
        try:
            return self._session()
        except smtplib.SMTPAuthenticationError as err:
            raise Unavailable(
                f"the mail server {server.where} refused the login of {server.user!r}"
                f" ({err.smtp_code}): check [email] user and AMSPLAN_EMAIL_PASSWORD"
            ) from None
        except (smtplib.SMTPException, OSError, ssl.SSLError) as err:
            raise Unavailable(
                f"cannot reach the mail server {server.where}: {_why(err)}"
                " (check [email] host, port and security, or try again later)"
            ) from None

    def _session(self) -> smtplib.SMTP:
        server = self.server
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if server.security == "tls":
            smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=server.timeout,
                                    context=context)  # fmt: skip
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
        try:
            smtp.ehlo()
            if server.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if server.user:
                smtp.login(server.user, server.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, msg: EmailMessage) -> None:
        """Hand one message over (its From and To are the envelope); see the module
        docstring for what each outcome means."""
        if self._maildir is not None:
            self._maildir.add(msg.as_bytes(policy=policy.default))
            return
        if self._smtp is None:  # the last conversation broke: a new session
            self._smtp = self._connect()
        smtp = self._smtp
        envelope = address_of(str(msg["From"]))
        recipients = [a.addr_spec for a in getattr(msg["To"], "addresses", ())]
        try:
            code, words = smtp.mail(envelope)
            if code != 250:
                self._refused(code, words)
            for rcpt in recipients:
                code, words = smtp.rcpt(rcpt)
                if code not in (250, 251):
                    self._refused(code, words)
        except (smtplib.SMTPServerDisconnected, OSError) as err:  # before the data: not sent
            raise Unavailable(f"the mail server {self.server.where} closed the connection:"
                              f" {_why(err)}") from None  # fmt: skip
        try:
            code, words = smtp.data(msg.as_bytes(policy=policy.SMTP))
        except smtplib.SMTPDataError as err:  # refused before the message was handed over
            self._refused(err.smtp_code, err.smtp_error)
        except (smtplib.SMTPException, OSError) as err:
            self._smtp = None  # the session is gone
            raise Unsure(f"the connection broke while the server took it: {_why(err)}") from None
        if code != 250:
            self._refused(code, words)

    def _refused(self, code: int, words: bytes | str) -> None:
        text = words.decode("utf-8", "replace") if isinstance(words, bytes) else words
        try:
            assert self._smtp is not None
            self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._smtp = None
        raise NotSent(f"{code} {redact(text)}".strip(), permanent=code >= 500)

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
        self._smtp = None
        if self._maildir is not None:
            self._maildir.close()


def _why(err: BaseException) -> str:
    """A short reason without addresses: the error's words, else its kind."""
    if isinstance(err, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(err, smtplib.SMTPResponseException):
        words = err.smtp_error
        text = words.decode("utf-8", "replace") if isinstance(words, bytes) else str(words)
        return f"{err.smtp_code} {redact(text)}"
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    return redact(str(err)) or type(err).__name__

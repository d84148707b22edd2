"""Sending e-mail: compose a message and hand it to an SMTP server or a Maildir folder.

What the caller must know of each message is whether it went: `send` returns when the
server took it (the final "250" after the data), raises `NotSent` when it certainly did
not go (the server refused the sender, a recipient or the data with a 4xx/5xx reply), and
`Unsure` when the conversation broke after the message was handed over (a time-out or a
lost connection while the server was taking it): it may have gone, and it must never be
sent again blindly. A server that cannot be reached, or refuses the login, is
`errors.Unavailable` for the whole run, raised before the message at hand was handed
over (it did not go).

Addresses outside ASCII (domain.cells.needs_smtputf8): a domain travels in its IDNA form
("ola@xn--blgen-vua.no"), in the headers and the envelope; only a mailbox name (before
the @) outside ASCII needs SMTPUTF8 (RFC 6531), and a server without it refuses such a
message for good ("553 5.6.7"), as any 5xx.

The "folder" transport writes each message into a Maildir folder (new/), as a local
mail server would deliver it: for the demo and for a site whose own mail system picks
messages up from a folder. The folder and its tmp/, new/ and cur/ are private (0700),
each message file too (0600); a folder it cannot write is `errors.Unavailable`.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import smtplib
import socket
import ssl
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from types import TracebackType

import idna

from amsplan.adapters.writers import fsync_dir, write_private
from amsplan.domain.cells import needs_smtputf8
from amsplan.errors import Unavailable
from amsplan.i18n import _

_ADDRESS = re.compile(r"<?[^\s<>@]+@[^\s<>@]+>?")
_ADDRESS_HEADERS = ("From", "To", "Reply-To")
# RFC 6531: the server cannot take a mailbox name outside ASCII (no SMTPUTF8).
NO_SMTPUTF8 = (
    "553 5.6.7 the mail server does not take addresses with letters outside ASCII before"
    " the @ (it has no SMTPUTF8)"
)
# A message file with a mailbox name outside ASCII: its headers in UTF-8 (RFC 6532).
_UTF8_FILE = policy.default.clone(utf8=True)


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
    Message-ID; every address's domain in its IDNA form. Header values never hold a line
    break (a name with one is refused by the e-mail library: ValueError; so is a domain
    that is no valid international name). `auto_submitted`: marked as sent by a program
    (RFC 3834), so that customers' out-of-office responders stay quiet."""
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = ascii_domains(sender)
    msg["To"] = ascii_domains(", ".join(to))
    if reply_to:
        msg["Reply-To"] = ascii_domains(reply_to)
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


def ascii_domains(header: str) -> str:
    """An address header's value with each address's domain in its IDNA form
    ("Ola <ola@bølgen.no>" -> "Ola <ola@xn--blgen-vua.no>"); the names and mailbox names
    as they are."""
    found = _addresses(header)
    if all(a.domain.isascii() for a in found):
        return header
    try:
        wire = [Address(a.display_name, a.username, idna.encode(a.domain, uts46=True).decode())
                for a in found]  # fmt: skip
    except idna.IDNAError:
        raise ValueError("an e-mail address's domain is not a valid domain name") from None
    return ", ".join(str(a) for a in wire)


def _addresses(header: str) -> tuple[Address, ...]:
    parsed = policy.default.header_factory("To", header)
    return tuple(getattr(parsed, "addresses", ()))


def smtputf8(msg: EmailMessage) -> bool:
    """Whether the message needs SMTPUTF8: an address in From, To or Reply-To with letters
    outside ASCII before the @ (domain.cells.needs_smtputf8)."""
    return any(
        needs_smtputf8(a.addr_spec)
        for name in _ADDRESS_HEADERS
        for a in _addresses(str(msg.get(name, "")))
    )


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

    def __enter__(self) -> Connection:
        server = self.server
        if server.folder is not None:
            try:
                for sub in ("", "tmp", "new", "cur"):  # private: it holds customers' mail
                    (server.folder / sub).mkdir(mode=0o700, parents=True, exist_ok=True)
                    (server.folder / sub).chmod(0o700)  # also when it was there before
            except OSError as err:
                raise self._unwritable(err) from None
            return self
        self._smtp = self._connect()
        return self

    def _connect(self) -> smtplib.SMTP:
        server = self.server
        try:
            return self._session()
        except smtplib.SMTPAuthenticationError as err:
            raise Unavailable(
                _(
                    "the mail server {server} refused the login of {user} ({code}): check [email]"
                    " user and AMSPLAN_EMAIL_PASSWORD"
                ).format(server=server.where, user=repr(server.user), code=err.smtp_code)
            ) from None
        except (smtplib.SMTPException, OSError, ssl.SSLError) as err:
            raise Unavailable(
                _(
                    "cannot reach the mail server {server}: {why} (check [email] host, port and"
                    " security, or try again later)"
                ).format(server=server.where, why=_why(err))
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
        if self.server.folder is not None:
            self._deliver(self.server.folder, msg)
            return
        if self._smtp is None:  # the last conversation broke: a new session
            self._smtp = self._connect()
        smtp = self._smtp
        envelope = address_of(str(msg["From"]))
        recipients = [a.addr_spec for a in getattr(msg["To"], "addresses", ())]
        options: list[str] = []
        wire = policy.SMTP
        if smtputf8(msg):
            if not smtp.has_extn("smtputf8"):
                raise NotSent(NO_SMTPUTF8, permanent=True)
            options, wire = ["SMTPUTF8", "BODY=8BITMIME"], policy.SMTPUTF8
        try:
            code, words = smtp.mail(envelope, options)
            if code != 250:
                self._refused(code, words)
            for rcpt in recipients:
                code, words = smtp.rcpt(rcpt)
                if code not in (250, 251):
                    self._refused(code, words)
        except (smtplib.SMTPServerDisconnected, OSError) as err:  # before the data: not sent
            raise Unavailable(
                _("the mail server {server} closed the connection: {why}").format(
                    server=self.server.where, why=_why(err)
                )
            ) from None
        try:
            code, words = smtp.data(msg.as_bytes(policy=wire))
        except smtplib.SMTPDataError as err:  # refused before the message was handed over
            self._refused(err.smtp_code, err.smtp_error)
        except (smtplib.SMTPException, OSError) as err:
            self._smtp = None  # the session is gone
            raise Unsure(
                _("the connection broke while the server took it: {why}").format(why=_why(err))
            ) from None
        if code != 250:
            self._refused(code, words)

    def _deliver(self, folder: Path, msg: EmailMessage) -> None:
        """Write the message into the Maildir as a delivery does: a private file in tmp/,
        then renamed into new/ (the one step that delivers it: a reader never sees half a
        message, and a failure before it leaves nothing delivered)."""
        data = msg.as_bytes(policy=_UTF8_FILE if smtputf8(msg) else policy.default)
        host = socket.gethostname().replace("/", r"\057").replace(":", r"\072")
        name = f"{time.time_ns()}.P{os.getpid()}R{secrets.token_hex(8)}.{host}"
        draft = folder / "tmp" / name
        try:
            write_private(draft, data, exclusive=True)
            os.rename(draft, folder / "new" / name)
        except OSError as err:
            with contextlib.suppress(OSError):  # a draft in tmp/ is no delivery
                draft.unlink(missing_ok=True)
            raise self._unwritable(err) from None
        fsync_dir(folder / "new")

    def _unwritable(self, err: OSError) -> Unavailable:
        return Unavailable(
            _("cannot write e-mail into {folder}: {why}").format(
                folder=self.server.folder, why=err.strerror
            )
        )

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


def _why(err: BaseException) -> str:
    """A short reason without addresses: the error's words, else its kind."""
    if isinstance(err, socket.timeout | TimeoutError):
        return _("timed out")
    if isinstance(err, smtplib.SMTPResponseException):
        words = err.smtp_error
        text = words.decode("utf-8", "replace") if isinstance(words, bytes) else str(words)
        return f"{err.smtp_code} {redact(text)}"
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    return redact(str(err)) or type(err).__name__

"""Reading the replies mailbox over IMAP (`replies fetch`), through imap-tools.

`connect(settings)` logs in as [imap] user with the password from the environment
(AMSPLAN_IMAP_PASSWORD, never from the file) over TLS, STARTTLS or plain IMAP
([imap] security) and opens [imap] folder. The `Mailbox` it yields lists the messages
by UID, hands them out in UID order as (uid, raw RFC 822 bytes, the server's receipt
time: INTERNALDATE) without marking them seen, and moves them to another folder (MOVE
when the server offers it, else copy and delete).

Folder names are written with "/" between levels ("amsplan/behandlet"); they are sent
with the server's own hierarchy separator (Dovecot's Maildir++ uses ".").

Every failure is one line naming the server and what to check, never the password nor
a message's content: a server that cannot be reached (refused, unknown, TLS, timeout, a
broken connection), refuses the login or a command is `errors.Unavailable` (nothing was
lost: run again later); missing settings or a folder that does not exist are
ConfigError.
"""

from __future__ import annotations

import imaplib
import os
import re
import socket
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta, timezone

from imap_tools import BaseMailBox, MailBox, MailBoxUnencrypted
from imap_tools.errors import (
    ImapToolsError,
    MailboxFolderSelectError,
    MailboxLoginError,
    UnexpectedCommandStatusError,
)

from amsplan.config import Settings
from amsplan.errors import ConfigError, Unavailable
from amsplan.i18n import N_, _

PASSWORD_ENV = "AMSPLAN_IMAP_PASSWORD"
BATCH = 50  # messages per FETCH at most
BATCH_BYTES = 16 * 1024 * 1024  # and at most this much mail (one bigger message: alone)

Message = tuple[str, bytes, datetime]  # (uid, raw RFC 822 bytes, INTERNALDATE)

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_INTERNALDATE = re.compile(
    rb'INTERNALDATE " ?(\d{1,2})-('
    + "|".join(_MONTHS).encode()
    + rb')-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)"'
)
_UID = re.compile(rb"\bUID (\d+)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")


class Mailbox:
    """The open folder of a logged-in connection (made by `connect`)."""

    def __init__(self, box: BaseMailBox, where: str, password: str) -> None:
        self._box = box
        self._where = where
        self._password = password
        self._created: set[str] = set()
        self.delimiter = _delimiter(box)

    def uids(self) -> list[str]:
        """Every message in the folder by UID, oldest (lowest UID) first."""
        with self._talking(N_("searching the folder")):
            return sorted(self._box.uids("ALL", charset=None), key=int)

    def messages(self, uids: Sequence[str]) -> Iterator[Message]:
        """The messages with these UIDs, in this order, fetched in batches (of BATCH
        messages or BATCH_BYTES at most) and left unseen; a message deleted meanwhile by
        someone else is left out."""
        sizes = self._sizes(uids)
        for batch in _batches([u for u in uids if u in sizes], sizes):
            with self._talking(N_("fetching messages")):
                typ, data = self._box.client.uid(
                    "FETCH", _uid_set(batch), "(UID INTERNALDATE BODY.PEEK[])"
                )
            self._check(typ, data, "FETCH")
            found = dict(_parse_fetch(data))
            yield from ((uid, *found[uid]) for uid in batch if uid in found)

    def move(self, uids: Sequence[str], folder: str) -> int:
        """Move these messages to `folder` (created when missing); how many."""
        if not uids:
            return 0
        name = self.name(folder)
        with self._talking(f"moving messages to {folder}"):
            if name not in self._created:
                if not self._box.folder.exists(name):
                    self._box.folder.create(name)
                self._created.add(name)
            self._box.move(list(uids), name)
        return len(uids)

    def name(self, folder: str) -> str:
        """A folder's name as the server writes it ("/" between levels in amsplan.toml)."""
        return folder.replace("/", self.delimiter) if self.delimiter else folder

    def _sizes(self, uids: Sequence[str]) -> dict[str, int]:
        """uid -> size in bytes, in one FETCH."""
        if not uids:
            return {}
        with self._talking(N_("reading message sizes")):
            typ, data = self._box.client.uid("FETCH", _uid_set(uids), "(UID RFC822.SIZE)")
        self._check(typ, data, "FETCH")
        sizes = {}
        for item in data:
            line = item[0] if isinstance(item, tuple) else item
            if isinstance(line, bytes) and (uid := _UID.search(line)):
                size = _SIZE.search(line)
                sizes[uid.group(1).decode()] = int(size.group(1)) if size else 0
        return sizes

    def _check(self, typ: str, data: list, command: str) -> None:
        if typ != "OK":
            raise Unavailable(
                _("the IMAP server {server} refused {command}: {answer}").format(
                    server=self._where, command=command, answer=_words(data, self._password)
                )
            )

    @contextmanager
    def _talking(self, doing: str) -> Iterator[None]:
        with _errors(self._where, self._password, doing):
            yield


@contextmanager
def connect(settings: Settings) -> Iterator[Mailbox]:
    """Log in and open [imap] folder; the connection is closed after the block."""
    where = f"{settings.imap_host}:{settings.imap_port}"
    if not settings.imap_host or not settings.imap_user:
        raise ConfigError(
            _("[imap] host and user must be set in {file} to fetch replies by e-mail").format(
                file=settings.config_file or "amsplan.toml"
            )
        )
    password = os.environ.get(PASSWORD_ENV, "")
    if not password:
        raise ConfigError(
            _("the IMAP password is not set: set {variable} in the environment").format(
                variable=PASSWORD_ENV
            )
        )
    with _errors(where, password, N_("connecting")):
        box = _client(settings)
    try:
        with _errors(where, password, N_("logging in")):
            # LOGIN takes ASCII only; a user or password with æøå goes as AUTHENTICATE PLAIN
            ascii_only = (settings.imap_user + password).isascii()
            login = box.login if ascii_only else box.login_utf8
            try:
                login(settings.imap_user, password, initial_folder=None)
            except imaplib.IMAP4.abort:
                raise  # the connection broke: not a refusal
            except (MailboxLoginError, imaplib.IMAP4.error) as err:
                said = err.command_result[1] if isinstance(err, MailboxLoginError) else str(err)
                raise Unavailable(
                    _(
                        "the IMAP server {server} refused the login of {user} ({answer}); check"
                        " [imap] user and {variable}"
                    ).format(
                        server=where,
                        user=repr(settings.imap_user),
                        answer=_words(said, password),
                        variable=PASSWORD_ENV,
                    )
                ) from None
            _refresh_capabilities(box)
            mailbox = Mailbox(box, where, password)
            try:
                box.folder.set(mailbox.name(settings.imap_folder))
            except MailboxFolderSelectError as err:
                raise ConfigError(
                    _(
                        "the IMAP server {server} cannot open the folder {folder} ({answer});"
                        " check [imap] folder"
                    ).format(
                        server=where,
                        folder=repr(settings.imap_folder),
                        answer=_words(err.command_result[1], password),
                    )
                ) from None
        yield mailbox
    finally:
        try:
            box.client.logout()
        except (OSError, imaplib.IMAP4.error):
            pass  # the connection is gone already; the error that matters is raised


def _client(settings: Settings) -> BaseMailBox:
    host, port, timeout = settings.imap_host, settings.imap_port, settings.imap_timeout
    if settings.imap_security == "tls":
        return MailBox(host, port, timeout=timeout, ssl_context=ssl.create_default_context())
    box = MailBoxUnencrypted(host, port, timeout=timeout)
    if settings.imap_security == "starttls":  # (imap-tools' own class changed its name)
        try:
            box.client.starttls(ssl.create_default_context())
        except BaseException:
            with suppress(OSError):  # close the socket; the TLS error is what matters
                box.client.shutdown()
            raise
    return box


def _refresh_capabilities(box: BaseMailBox) -> None:
    """imaplib keeps the capabilities from before the login; servers announce more once
    logged in (Dovecot: MOVE, which imap-tools then uses instead of copy and delete)."""
    typ, data = box.client.capability()
    if typ == "OK" and data and isinstance(data[-1], bytes):
        box.client.capabilities = tuple(data[-1].decode("ascii", "replace").upper().split())


def _delimiter(box: BaseMailBox) -> str:
    """The server's hierarchy separator ("" when it has none)."""
    typ, data = box.client.list('""', '""')
    line = data[0] if typ == "OK" and data and isinstance(data[0], bytes) else b""
    found = re.search(rb'\) "(.)"', line)
    return found.group(1).decode() if found else ""


@contextmanager
def _errors(where: str, password: str, doing: str) -> Iterator[None]:
    """Network, TLS and protocol failures as one Unavailable line."""
    try:
        yield
    except (ConfigError, Unavailable):
        raise
    except ssl.SSLCertVerificationError as err:
        raise Unavailable(
            _(
                "the IMAP server {server}'s certificate is not trusted ({why}); check [imap]"
                " host (the name in its certificate), or trust the company CA with"
                " SSL_CERT_FILE=/path/to/ca.pem"
            ).format(server=where, why=err.verify_message)
        ) from None
    except ssl.SSLError as err:
        raise Unavailable(
            _(
                "TLS with the IMAP server {server} failed ({why}); check [imap] security and"
                " port (tls: 993, starttls or none: 143)"
            ).format(server=where, why=err.reason or type(err).__name__)
        ) from None
    except TimeoutError:
        raise Unavailable(
            _(
                "the IMAP server {server} did not answer within the timeout while {doing}"
                " ([imap] timeout)"
            ).format(server=where, doing=_(doing))
        ) from None
    except socket.gaierror:
        raise Unavailable(
            _("the IMAP server {server} is unknown (check [imap] host)").format(server=where)
        ) from None
    except ConnectionRefusedError:
        raise Unavailable(
            _(
                "cannot connect to the IMAP server {server}: connection refused (is it running?"
                " check [imap] host and port)"
            ).format(server=where)
        ) from None
    except OSError as err:
        raise Unavailable(
            _("the connection to the IMAP server {server} failed while {doing} ({why})").format(
                server=where, doing=_(doing), why=type(err).__name__
            )
        ) from None
    except UnexpectedCommandStatusError as err:
        raise Unavailable(
            _("the IMAP server {server} refused {doing}: {answer}").format(
                server=where, doing=_(doing), answer=_words(err.command_result[1], password)
            )
        ) from None
    except (ImapToolsError, imaplib.IMAP4.error) as err:
        raise Unavailable(
            _("the IMAP server {server} failed while {doing}: {answer}").format(
                server=where, doing=_(doing), answer=_words([str(err)], password)
            )
        ) from None


def _words(data: object, password: str) -> str:
    """The server's answer as one short line, without the password."""
    items = data if isinstance(data, list | tuple) else [data]
    text = " ".join(
        (i.decode("utf-8", "replace") if isinstance(i, bytes) else str(i))
        for i in items if isinstance(i, bytes | str)
    )  # fmt: skip
    text = " ".join(text.split())
    if password:
        text = text.replace(password, "***")
    return text[:200] or _("no reason given")


def _uid_set(uids: Sequence[str]) -> str:
    """UIDs as an IMAP sequence set of ranges ("1:50,52,60:70"): short for a whole folder."""
    numbers = sorted({int(u) for u in uids})
    ranges: list[list[int]] = []
    for n in numbers:
        if ranges and n == ranges[-1][1] + 1:
            ranges[-1][1] = n
        else:
            ranges.append([n, n])
    return ",".join(str(a) if a == b else f"{a}:{b}" for a, b in ranges)


def _batches(uids: Sequence[str], sizes: dict[str, int]) -> Iterator[list[str]]:
    batch: list[str] = []
    total = 0
    for uid in uids:
        if batch and (len(batch) >= BATCH or total + sizes[uid] > BATCH_BYTES):
            yield batch
            batch, total = [], 0
        batch.append(uid)
        total += sizes[uid]
    if batch:
        yield batch


def _parse_fetch(data: list) -> Iterator[tuple[str, tuple[bytes, datetime]]]:
    """(uid, (raw, INTERNALDATE)) from a FETCH answer: each message is a (header, literal)
    pair, its UID and INTERNALDATE in the header or in the bytes that follow it."""
    for i, item in enumerate(data):
        if not isinstance(item, tuple):
            continue
        after = data[i + 1] if i + 1 < len(data) and isinstance(data[i + 1], bytes) else b""
        meta = item[0] + b" " + after
        uid, when = _UID.search(meta), _INTERNALDATE.search(meta)
        if uid and when:
            yield uid.group(1).decode(), (item[1], _internaldate(when))


def _internaldate(m: re.Match[bytes]) -> datetime:
    day, month, year, hh, mm, ss, sign, oh, om = (g.decode() for g in m.groups())
    offset = timedelta(hours=int(oh), minutes=int(om)) * (-1 if sign == "-" else 1)
    return datetime(int(year), _MONTHS.index(month) + 1, int(day), int(hh), int(mm),
                    int(ss), tzinfo=timezone(offset))  # fmt: skip

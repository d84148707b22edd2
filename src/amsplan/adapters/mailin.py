"""E-mail coming in: one message's bytes -> a :class:`Mail` (`parse`, which never raises),
and the messages of an .eml file, a Maildir folder or an mbox file (`read`).

Only what the replies need is kept: the sender's address, the subject, the times, the
message ids of the thread, the few headers that mark an automatic answer
(domain.mail.AUTO_HEADERS), the text (text/plain preferred; an HTML-only mail turned
into text with its quoted parts marked "> "), whether it is a read receipt, and for a
bounce (a delivery status notification, or the mail system's plain-text one naming the
message it returns) the original message's id and why it failed. Attachments are never
decoded. Every string is one clean line (or, the text, clean lines): decoded with the
declared charset, else UTF-8, else cp1252, never failing, without control characters,
and capped.
"""

from __future__ import annotations

import email
import mailbox
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.header import decode_header
from email.message import Message
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import TypeVar

from amsplan.domain.mail import AUTO_HEADERS, from_mail_system
from amsplan.errors import InputError
from amsplan.i18n import _

T = TypeVar("T")
TEXT_MAX = 100_000  # characters of a mail's text kept
_PART_MAX = 1_000_000  # bytes of one text part decoded (a text part can be huge too)
_LINE_MAX = 1_000  # characters of one header value kept
_HEADER_MAX = 16_000  # characters of one header value read
_IDS_MAX = 50  # message ids kept from References
_REASON_MAX = 300  # characters of a bounce's reason

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]")
_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff]")
_SPACES = re.compile(r"\s+")
_MESSAGE_ID = re.compile(r"<([^<>\s]{1,248})>")
_ADDRESS = re.compile(r"<?[^\s<>()\[\]:;,\"']+@[^\s<>()\[\]:;,\"']+>?")
_STATUS = re.compile(r"\b[245]\.\d{1,3}\.\d{1,3}\b")


@dataclass(frozen=True)
class Bounce:
    """What a delivery status notification (RFC 3464) says about the message it returns."""

    message_id: str | None  # the Message-ID of the message that did not arrive
    action: str  # failed | delayed | delivered | relayed | expanded ("" when not given)
    status: str  # the enhanced status code, e.g. "5.1.1" ("" when not given)
    diagnostic: str  # the remote server's words, with every address removed

    @property
    def reason(self) -> str:
        """The status code and the words, e.g. "5.1.1 550 User unknown"."""
        if self.status and self.status in self.diagnostic:
            return self.diagnostic
        return " ".join(p for p in (self.status, self.diagnostic) if p) or "no reason given"


@dataclass(frozen=True)
class Mail:
    message_id: str | None  # "<id@host>", None when the mail has none
    sender: str  # the From address, domain in lower case; "" when none
    subject: str  # decoded, one line
    date: datetime | None  # the Date header, aware
    received: datetime | None  # the newest Received header's date, aware
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)  # AUTO_HEADERS present, lower case
    text: str = ""
    bounce: Bounce | None = None
    receipt: bool = False  # a read receipt (a message disposition notification, RFC 8098)


EMPTY = Mail(None, "", "", None, None)


# --- decoding --------------------------------------------------------------------------------


def _decode(raw: bytes, charset: str | None) -> str:
    """The bytes as text: the declared charset, else UTF-8, else cp1252; never fails."""
    for name in (charset, "utf-8", "cp1252"):
        if not name:
            continue
        try:
            return raw.decode(name)
        except (LookupError, UnicodeError, ValueError):
            continue
    return raw.decode("utf-8", errors="replace")


def _line(text: str, limit: int = _LINE_MAX) -> str:
    """One line: control characters (CR, LF, NUL, ...) become spaces, runs of space one."""
    return _SPACES.sub(" ", _CONTROL.sub(" ", text[: limit * 4])).strip()[:limit]


def _header(msg: Message, name: str) -> str:
    """A header's value decoded (RFC 2047, raw 8-bit bytes too), as one line; "" none."""
    try:
        value = msg.get(name)
        if value is None:
            return ""
        if isinstance(value, str) and len(value) > _HEADER_MAX:
            value = value[:_HEADER_MAX]  # decoding is slow on very long values
        text = []
        for chunk, charset in decode_header(value):
            if isinstance(chunk, str):  # raw bytes came through as surrogates
                chunk = chunk.encode("utf-8", "surrogateescape")
            text.append(_decode(chunk, charset))
        return _line("".join(text))
    except Exception:  # a header broken in a way the library does not expect
        return ""


def _raw(value: object) -> str:
    """A header value as the library gives it (raw 8-bit bytes as surrogates), as text."""
    return _line(str(value).encode("utf-8", "surrogateescape").decode("utf-8", "replace"))


def _headers(msg: Message, name: str) -> list[str]:
    """Every value of a header, undecoded (Received, References: ASCII by nature)."""
    try:
        return [_raw(v) for v in msg.get_all(name) or []]
    except Exception:
        return []


def _sender(msg: Message) -> str:
    """The From header's one address (its addr-spec, the domain in lower case), parsed
    from the raw header: an address spelled out in the (RFC 2047 encoded) display name is
    never taken for it. "" when there is none, or more than one (or more From headers)."""
    values = msg.get_all("From") or []
    if len(values) != 1:
        return ""
    addresses = policy.default.header_factory("From", _raw(values[0])).addresses
    if len(addresses) != 1:
        return ""
    local, domain = addresses[0].username, addresses[0].domain
    if not local or not domain or "@" in local + domain or _SPACES.search(local + domain):
        return ""
    return f"{local}@{domain.lower()}"[:320]


def _moment(text: str) -> datetime | None:
    try:
        moment = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _received(msg: Message) -> datetime | None:
    """The date of the newest Received header (the first; its date follows the last ";")."""
    for value in _headers(msg, "Received"):
        if ";" in value:
            moment = _moment(value.rpartition(";")[2])
            if moment is not None:
                return moment
    return None


def _ids(text: str, limit: int = _IDS_MAX) -> tuple[str, ...]:
    return tuple(f"<{m}>" for m in _MESSAGE_ID.findall(text))[-limit:]


def message_id(text: str) -> str | None:
    """A Message-ID header's value as "<id@host>" (angle brackets added when missing)."""
    found = _ids(text, 1)
    if found:
        return found[0]
    bare = text.strip().strip("<>")
    return f"<{bare[:248]}>" if bare and not _SPACES.search(bare) else None


# --- the text ---------------------------------------------------------------------------------


class _HtmlText(HTMLParser):
    """HTML -> text lines, the quoted parts prefixed "> ": <blockquote>, Gmail's
    gmail_quote, and everything from Outlook's divRplyFwdMsg or appendonsend on."""

    _BLOCKS = frozenset(("p", "div", "br", "tr", "li", "ul", "ol", "table", "blockquote",
                         "h1", "h2", "h3", "h4", "h5", "h6", "hr", "pre", "section"))  # fmt: skip
    _VOID = frozenset(("br", "hr", "img", "meta", "link", "input", "wbr", "col", "area", "base"))
    _SKIP = frozenset(("script", "style", "head", "title"))

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # open elements: (tag, quotes its content)
        self.rest_quoted = False  # Outlook: everything after its reply header is quoted
        self.lines: list[tuple[int, list[str]]] = [(0, [])]
        self.skipping = 0

    def _depth(self) -> int:
        return sum(q for _, q in self.stack) + self.rest_quoted

    def _break(self) -> None:
        self.lines.append((self._depth(), []))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        if values.get("id") in ("divRplyFwdMsg", "appendonsend"):
            self.rest_quoted = True
        if tag in self._SKIP:
            self.skipping += 1
        if tag in self._BLOCKS:
            self._break()
        if tag not in self._VOID:
            self.stack.append((tag, tag == "blockquote" or "gmail_quote" in classes))
            if self.stack[-1][1]:
                self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self.skipping:
            self.skipping -= 1
        if any(t == tag for t, _ in self.stack):
            while self.stack and self.stack.pop()[0] != tag:
                pass
        if tag in self._BLOCKS:
            self._break()

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        depth = self._depth()
        if self.lines[-1][0] != depth:
            self.lines.append((depth, []))
        self.lines[-1][1].append(data)

    def text(self) -> str:
        """The lines, "> " once per quoting depth; one blank line at most in a row."""
        out: list[str] = []
        blank = True
        for depth, parts in self.lines:
            line = _SPACES.sub(" ", "".join(parts)).strip()
            if line or not blank:
                out.append(("> " * depth + line).rstrip())
            blank = not line
        return "\n".join(out).strip()


def html_text(html: str) -> str:
    """An HTML body as text, its quoted parts prefixed "> "."""
    parser = _HtmlText()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # HTMLParser is lenient; belt and braces for what it is not
        pass
    return parser.text()


def _parts(msg: Message) -> Iterator[Message]:
    """The message's parts, not descending into attached messages (message/*)."""
    yield msg
    if msg.is_multipart() and not msg.get_content_type().startswith("message/"):
        for part in msg.get_payload():
            if isinstance(part, Message):
                yield from _parts(part)


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    text = _decode(payload[:_PART_MAX], part.get_content_charset())
    return _TEXT_CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _text(msg: Message) -> str:
    html = None
    for part in _parts(msg):
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
        if disposition == "attachment":
            continue
        subtype = part.get_content_subtype()
        if subtype == "plain":
            return _part_text(part)[:TEXT_MAX]
        if subtype == "html" and html is None:
            html = part
    return html_text(_part_text(html))[:TEXT_MAX] if html is not None else ""


# --- delivery status notifications ------------------------------------------------------------


def _fields(part: Message) -> list[dict[str, str]]:
    """The field groups of a message/delivery-status part (per message, per recipient)."""
    payload = part.get_payload()
    if isinstance(payload, list):
        groups = [p for p in payload if isinstance(p, Message)]
        return [{k.lower(): _raw(v) for k, v in g.items()} for g in groups]
    text = _part_text(part) if isinstance(payload, str) else ""
    found: list[dict[str, str]] = []
    for block in re.split(r"\n\s*\n", text):
        found.append({})
        for line in block.splitlines():
            name, colon, value = line.partition(":")
            if colon and name.strip():
                found[-1][name.strip().lower()] = _line(value)
    return found


def _original_id(part: Message) -> str | None:
    """The Message-ID of the returned message (message/rfc822, text/rfc822-headers)."""
    if part.get_content_type() == "text/rfc822-headers":
        headers = email.message_from_string(_part_text(part))
        return message_id(_header(headers, "Message-ID"))
    inner = part.get_payload()
    inner = inner[0] if isinstance(inner, list) and inner else inner
    if isinstance(inner, Message):
        return message_id(_header(inner, "Message-ID"))
    return None


def _clean_reason(text: str) -> str:
    """The server's words without any address ("smtp; 550 5.1.1 <x@y>: User unknown")."""
    text = _ADDRESS.sub("", text)
    text = re.sub(r"^\s*(?:smtp|x-[\w-]+)\s*;\s*", "", text, flags=re.IGNORECASE)
    text = re.sub(r"\s+([:;,])", r"\1", text)
    return _line(re.sub(r"^[\s:;,.-]+", "", text), _REASON_MAX)


def _bounce(msg: Message) -> Bounce | None:
    """What a delivery status notification says (None: the mail is none)."""
    report = None
    original = None
    for part in _parts(msg):
        kind = part.get_content_type()
        if kind in ("message/delivery-status", "message/global-delivery-status"):
            report = report or part
        elif kind in _RETURNED and original is None:
            original = _original_id(part)
    if report is None:
        return None
    groups = [g for g in _fields(report) if g]
    recipients = [g for g in groups if "action" in g or "status" in g] or groups[-1:]
    failed = [g for g in recipients if g.get("action", "").lower() == "failed"]
    chosen = (failed or recipients or [{}])[0]
    status = _STATUS.search(chosen.get("status", ""))
    return Bounce(
        message_id=original,
        action=chosen.get("action", "").lower()[:20],
        status=status.group() if status else "",
        diagnostic=_clean_reason(chosen.get("diagnostic-code", "")),
    )


_RETURNED = ("message/rfc822", "text/rfc822-headers", "message/global", "message/global-headers")
# The Message-ID line of a message returned inline, as qmail and Exim return it.
_RETURNED_ID = re.compile(
    r"^[ \t]*Message-ID:[ \t]*(<[^<>\s]{1,248}>)", re.IGNORECASE | re.MULTILINE
)
# A subject saying the message is only late (Exim's "Warning: message ... delayed 24 hours").
_DELAYED = re.compile(r"\b(?:delay(?:ed)?|warning|forsinket|försenad)\b", re.IGNORECASE)


def _plain_bounce(msg: Message, text: str, subject: str) -> Bounce | None:
    """What the mail system's words without a delivery status notification say (qmail's
    "failure notice", Exim's "Mail delivery failed", with the returned message attached
    or inline): the Message-ID of the message it returns (an attached message, else the
    first "Message-ID:" line of the text), failed or (the subject says so) delayed, the
    first status code in the text, the subject as the words. None when no Message-ID is
    found."""
    returned = (_original_id(p) for p in _parts(msg) if p.get_content_type() in _RETURNED)
    original = next((i for i in returned if i), None)
    if original is None:
        found = _RETURNED_ID.search(text)
        original = found[1] if found else None
    if original is None:
        return None
    status = _STATUS.search(text)
    return Bounce(
        message_id=original,
        action="delayed" if _DELAYED.search(subject) else "failed",
        status=status.group() if status else "",
        diagnostic=_clean_reason(subject),
    )


def _receipt(msg: Message) -> bool:
    """Is the mail a read receipt: a disposition-notification report, or holding one?"""
    report = msg.get_param("report-type") if msg.get_content_type() == "multipart/report" else ""
    if isinstance(report, str) and report.lower() == "disposition-notification":
        return True
    return any(p.get_content_type() == "message/disposition-notification" for p in _parts(msg))


# --- parse ----------------------------------------------------------------------------------


def _safe(read: Callable[[], T], default: T) -> T:
    """One part of the mail, or `default` when it is broken in a way nobody foresaw."""
    try:
        return read()
    except Exception:
        return default


def parse(raw: bytes) -> Mail:
    """The mail in `raw` (RFC 5322 bytes); never raises: what cannot be read is empty."""
    try:
        msg = email.message_from_bytes(raw)
    except Exception:
        return EMPTY
    sender = _safe(lambda: _sender(msg), "")
    subject = _header(msg, "Subject")
    text = _safe(lambda: _text(msg), "")
    bounce = _safe(lambda: _bounce(msg), None)
    if bounce is None and from_mail_system(sender):
        bounce = _safe(lambda: _plain_bounce(msg, text, subject), None)
    return Mail(
        message_id=_safe(lambda: message_id(_header(msg, "Message-ID")), None),
        sender=sender,
        subject=subject,
        date=_safe(lambda: _moment(_header(msg, "Date")), None),
        received=_safe(lambda: _received(msg), None),
        in_reply_to=_safe(lambda: _ids(_header(msg, "In-Reply-To")), ()),
        references=_safe(lambda: _ids(" ".join(_headers(msg, "References"))), ()),
        headers={n: v for n in AUTO_HEADERS if (v := _header(msg, n))},
        text=text,
        bounce=bounce,
        receipt=_safe(lambda: _receipt(msg), False),
    )


# --- files --------------------------------------------------------------------------------


def kind(path: Path) -> str | None:
    """ "maildir" (a folder with cur/ or new/), "mbox" (a file whose first line starts
    "From "), "eml" (a file named .eml, or starting like a mail's header); else None."""
    try:
        if path.is_dir():
            return "maildir" if any((path / sub).is_dir() for sub in _MAILDIR) else None
        if not path.is_file():
            return None
        with path.open("rb") as f:
            head = f.read(1024)
    except OSError:
        return None
    if head.startswith(b"From "):
        return "mbox"
    if path.suffix.lower() == ".eml" or re.match(
        rb"(?i)(return-path|received|delivered-to|from|to|date|subject|message-id|"
        rb"mime-version|x-[\w-]+|dkim-signature|arc-[\w-]+|authentication-results):",
        head,
    ):
        return "eml"
    return None


_MAILDIR = ("new", "cur")  # a Maildir's message folders (tmp/ holds mail being delivered)


def read(path: Path) -> Iterator[tuple[str, bytes]]:
    """(name, raw bytes) of each message in an .eml file, a Maildir folder (new/ and
    cur/, either may be missing) or an mbox file; InputError for any other path, or one
    that cannot be read (checked before the first message)."""
    found = kind(path)
    if found is None:
        raise InputError(
            _(
                "{file}: not an e-mail file (.eml), a Maildir folder (cur/ or new/) or an mbox file"
            ).format(file=path)
        )
    try:
        if found == "eml":
            return iter([(path.name, path.read_bytes())])
        if found == "maildir":
            return _files(_maildir(path))
        box = mailbox.mbox(path, create=False)
        named = [(f"{path.name}#{n}", key) for n, key in enumerate(box.keys(), start=1)]
    except OSError as err:
        raise InputError(
            _("{file}: cannot be read ({why})").format(file=path, why=err.strerror or err)
        ) from None
    return _messages(box, named)


def _maildir(path: Path) -> list[tuple[str, Path]]:
    """(key, file) of a Maildir's messages, by key: the file name without its ":2,S" flags
    (a message moves from new/ to cur/ and gains flags, and keeps its key)."""
    found = []
    for sub in _MAILDIR:
        if (path / sub).is_dir():
            for entry in (path / sub).iterdir():
                if not entry.name.startswith(".") and entry.is_file():
                    found.append((entry.name.partition(":")[0], entry))
    return sorted(found)


def _files(named: list[tuple[str, Path]]) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of each file, one at a time (a file taken away meanwhile is skipped)."""
    for name, file in named:
        try:
            yield name, file.read_bytes()
        except OSError:
            continue


def _messages(box: mailbox.Mailbox, named: list[tuple[str, str]]) -> Iterator[tuple[str, bytes]]:
    """(name, raw bytes) of the mbox's messages, one at a time (a message taken away
    meanwhile is skipped)."""
    try:
        for name, key in named:
            try:
                yield name, box.get_bytes(key)
            except (KeyError, OSError):
                continue
    finally:
        box.close()

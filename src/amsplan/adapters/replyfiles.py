"""Files of customer replies, as amsplan and the SMS providers write them: amsplan's own
CSV, Twilio's console export of messages, and Sveve's received messages. `read` finds the
format from the header (or takes the one it is told) and gives every reply as a record
with received_at, sender, text and provider_id; a pure file -> rows reader.

The formats, and what tells them apart (tried in this order; when no format has all its
columns, the one with the most of them is taken, and its missing columns are named):

- twilio: the header has From, Body, SentDate and Direction (Twilio's console export of
  messages: From,To,Body,Status,SentDate,ApiVersion,NumSegments,ErrorCode,AccountSid,Sid,
  Direction,Price,PriceUnit). Only rows whose Direction is "inbound" are replies; the
  others (outbound-api, outbound-call, outbound-reply) are skipped and counted. Sid is the
  message id.
- sveve: the header has number and msg, the parameters Sveve pushes a received message
  with (number, msg, prefix, shortnumber). Sveve documents no file of received messages;
  a CSV with those parameters as columns is read, with an optional received time and id.
- amsplan: received time, sender and text under any of the names in REPLY_COLUMNS.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path

from amsplan.adapters.tables import Table, header_key, map_columns, read_csv
from amsplan.errors import InputError
from amsplan.i18n import N_, _

_RECEIVED = ["Mottatt", "Tidspunkt", "Tid", "Dato", "received", "timestamp", "date"]

# amsplan's own reply file: field -> the column names it may have.
REPLY_COLUMNS = {
    "received_at": _RECEIVED,
    "sender": ["Avsender", "Fra", "Telefon", "Mobil", "from", "phone", "msisdn"],
    "text": ["Melding", "Tekst", "Meldingstekst", "message", "body"],
    "provider_id": ["Meldings-ID", "Meldingsid", "ID", "message_id", "msg_id"],
}


@dataclass(frozen=True)
class Format:
    name: str
    title: str
    columns: dict[str, list[str]]  # field -> column names
    required: tuple[str, ...]


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format(
            "twilio", N_("Twilio console export of messages"),
            {"sender": ["From"], "text": ["Body"], "received_at": ["SentDate", "DateSent"],
             "direction": ["Direction"], "provider_id": ["Sid", "MessageSid"]},
            ("sender", "text", "received_at", "direction"),
        ),
        Format(
            "sveve", N_("Sveve received messages (its push parameters as columns)"),
            {"sender": ["number"], "text": ["msg"], "prefix": ["prefix"],
             "shortnumber": ["shortnumber"], "received_at": _RECEIVED,
             "provider_id": ["id", "message_id"]},
            ("sender", "text"),
        ),
        Format(
            "amsplan", N_("amsplan's reply file"), REPLY_COLUMNS,
            ("received_at", "sender", "text"),
        ),
    )
}  # fmt: skip


@dataclass
class ReplyFile:
    format: str
    # (line, {received_at, sender, text, provider_id}); received_at "" when the file has
    # no received times (a Sveve file without them: the time it is read is the best known)
    rows: list[tuple[int, dict[str, str]]]
    skipped: int = 0  # rows that are not replies (Twilio's outbound messages)
    timed: bool = True  # the file has a received time for every reply


def read(path: Path, format_name: str | None = None) -> ReplyFile:
    """Every reply in the file at `path`, in the format named (else the one its header
    shows; InputError when it shows none)."""
    table = read_csv(path)
    fmt = FORMATS[format_name] if format_name else detect(table)
    closest = not format_name and _found(fmt, table)[1] < len(fmt.required)
    try:
        map_columns(table, fmt.columns, fmt.required)
    except InputError as err:
        if not closest:  # forced, or a problem in the rows
            raise
        raise InputError(
            _(
                "{file}: the header is not usable as {format} ({title}), the format "
                "it is closest to (--format names another)"
            ).format(file=table.path, format=fmt.name, title=_(fmt.title)),
            err.problems,
        ) from None
    if fmt.name == "twilio":
        return _twilio(table)
    if fmt.name == "sveve":
        return _sveve(table)
    rows = [(line, {"provider_id": "", **rec}) for line, rec in table.records()]
    return ReplyFile(fmt.name, rows)


def detect(table: Table) -> Format:
    """The format whose required columns are all in the header, else the one with the
    most of them (its missing ones are then named); the first in FORMATS' order of equals.
    InputError when the header has none of any format's."""
    best = max(FORMATS.values(), key=lambda f: _found(f, table))  # the first of equals
    if _found(best, table)[1]:
        return best
    # The header is not echoed: a file without one starts with a customer's message.
    raise InputError(
        _(
            "{file}: not a reply file amsplan knows; it reads these (or name one with --format):"
        ).format(file=f"{table.path}:{table.header_line}"),
        [f"{f.name}: {_(f.title)}: {describe(f)}" for f in FORMATS.values()],
    )


def describe(fmt: Format) -> str:
    """The columns a format needs, and the ones it reads when present."""
    need = "; ".join(" or ".join(fmt.columns[name][:3]) for name in fmt.required)
    more = [fmt.columns[n][0] for n in fmt.columns if n not in fmt.required]
    if more:
        return _("columns {need} (optional: {more})").format(need=need, more=", ".join(more))
    return _("columns {need}").format(need=need)


def _found(fmt: Format, table: Table) -> tuple[bool, int]:
    """Whether the header has all of the format's required columns, and how many."""
    present = {header_key(h) for h in table.headers}
    hits = sum(
        any(header_key(n) in present for n in (name, *fmt.columns[name])) for name in fmt.required
    )
    return hits == len(fmt.required), hits


def _twilio(table: Table) -> ReplyFile:
    rows, skipped = [], 0
    for line, rec in table.records():
        if rec.pop("direction").lower() != "inbound":
            skipped += 1
            continue
        rec["received_at"] = twilio_time(rec["received_at"])
        rec.setdefault("provider_id", "")
        rows.append((line, rec))
    return ReplyFile("twilio", rows, skipped)


def twilio_time(text: str) -> str:
    """Twilio's time ("2026-04-15 10:04:00 UTC" in the console export, RFC 2822 in the
    API: "Wed, 15 Apr 2026 10:04:00 +0000", or ISO) as ISO with its offset; other text
    unchanged (for the caller to refuse)."""
    text = text.strip()
    if text.upper().endswith(" UTC"):
        return text[:-4].strip() + "+00:00"
    if "," in text:
        try:
            return parsedate_to_datetime(text).isoformat()
        except (TypeError, ValueError):
            return text
    return text


def _sveve(table: Table) -> ReplyFile:
    """Sveve gives no message id: a row is known by its received time when the file has
    one (the fingerprint of received time, sender and text), else by the file and its
    line. So a Sveve push and the same message in a file are two messages."""
    timed = "received_at" in table.columns
    digest = "" if timed else hashlib.sha256(Path(table.path).read_bytes()).hexdigest()[:32]
    rows = []
    for line, rec in table.records():
        rec.pop("prefix", None)
        rec.pop("shortnumber", None)
        if not rec.get("provider_id"):
            rec["provider_id"] = "" if timed else f"sveve-file-{digest}-{line}"
        rec.setdefault("received_at", "")
        rows.append((line, rec))
    return ReplyFile("sveve", rows, timed=timed)

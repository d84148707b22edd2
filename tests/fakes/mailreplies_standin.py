"""TEMPORARY stand-in for services.mailreplies (built on branch wt-mailin): the fixed
interface `ingest_mails`, minimal, through the SMS ingest of services.replies. Removed
once the real module is merged; never in src."""

from __future__ import annotations

import email
import hashlib
import sys
import types
from collections import Counter
from dataclasses import dataclass, field
from email import policy
from email.utils import parseaddr
from itertools import islice

from amsplan.services import replies


@dataclass
class MailIngestResult:
    source: str
    new: int = 0
    already_ingested: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    committed: list[str] = field(default_factory=list)


def _record(raw: bytes) -> tuple[str, dict[str, str]]:
    msg = email.message_from_bytes(raw, policy=policy.compat32)
    mid = str(msg.get("Message-ID") or "").strip() or hashlib.sha256(raw).hexdigest()
    try:
        part = next((p for p in msg.walk() if p.get_content_type() == "text/plain"), None)
        payload = part.get_payload(decode=True) if part is not None else b""
        text = (payload or b"").decode("utf-8", "replace")
    except Exception:
        text = ""
    own = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if msg.get("Auto-Submitted", "no").lower() != "no":
        own = ""
    sender = parseaddr(str(msg.get("From") or ""))[1]
    return mid, {"received_at": "", "sender": sender or "?", "text": own or "-",
                 "provider_id": mid}  # fmt: skip


def ingest_mails(ctx, source, mails, on_committed=None, chunk=50):
    result = MailIngestResult(source)
    it = iter(mails)
    while batch := list(islice(it, chunk)):
        names = []
        with ctx.session() as s:
            for name, raw, received in batch:
                mid, rec = _record(raw)
                digest = hashlib.sha256(mid.encode()).hexdigest()
                one = replies.IngestResult(source)
                replies.ingest_rows(s, ctx, one, source, digest, [(1, received, rec)])
                result.new += one.new
                result.already_ingested += one.already_ingested
                result.outcomes.update(one.outcomes)
                names.append(name)
        result.committed += names
        if on_committed is not None:
            on_committed(names)
    return result


def install_if_missing() -> None:
    try:
        import amsplan.services.mailreplies  # noqa: F401
    except ImportError:
        install()


def install() -> None:
    module = types.ModuleType("amsplan.services.mailreplies")
    module.ingest_mails = ingest_mails
    module.MailIngestResult = MailIngestResult
    sys.modules["amsplan.services.mailreplies"] = module

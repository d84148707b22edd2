"""Rules for what providers tell amsplan afterwards: which callbacks are the same, which
delivery report wins, what a failed report says, and how many tries a stored callback
gets."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, tzinfo

from amsplan.domain.rules import utc
from amsplan.domain.states import Delivery

FINAL = (Delivery.DELIVERED, Delivery.FAILED)

# Outcomes of a delivery report (an inbound message's outcome is its reply's outcome).
APPLIED = "applied"
STALE = "stale"  # a late "sent" after the message was delivered or failed: kept, not applied
UNKNOWN_MESSAGE = "unknown_message"  # no message with this provider id or reference
# A stored callback whose applying raised: "error: <exception class> (try n)"; it is tried
# again (by the running server, its next start, `sms receipts`) until MAX_TRIES.
ERROR = "error"
MAX_TRIES = 3

# A provider that sends no message id (Sveve) retries a push it got no 200 for after
# 5 s, 15 s, 1, 2, 5, 30 min, 1, 2 and 4 h: a repeat within this window is its retry.
RETRY_WINDOW = timedelta(hours=12)


def dedup_key(provider: str, kind: str, provider_message_id: str, raw_state: str = "") -> str:
    """The same callback seen twice (a provider's retry, a receipts file after the
    callbacks) has this key: a status report per message and state, an inbound message
    per message."""
    parts = [provider, kind, provider_message_id, *([raw_state] if raw_state else [])]
    return ":".join(parts)


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def sender_prefix(provider: str, sender: str) -> str:
    """How every made id (pushed_id) of a message from `sender` starts (the number
    hashed: an id is no place for a customer's number)."""
    return f"{provider}-{_digest(sender, 12)}-"


def pushed_id(
    provider: str, sender: str, content: str, arrived: datetime,
    latest: tuple[str, datetime] | None,
) -> str:  # fmt: skip
    """The id of a pushed message whose provider sends none: sender, content (the pushed
    fields) and when it reached amsplan, so a customer who sends STOP, START, STOP has
    three messages. It is the provider's retry of an earlier push, and so gets that
    push's id, only when that push (`latest`: the id and arrival of the newest inbound
    callback from this sender) has the same content and came within RETRY_WINDOW."""
    same = sender_prefix(provider, sender) + _digest(content, 20) + "-"
    if latest is not None:
        earlier_id, earlier_at = latest
        if earlier_id.startswith(same) and utc(arrived) - utc(earlier_at) <= RETRY_WINDOW:
            return earlier_id
    return same + utc(arrived).strftime("%Y%m%dT%H%M%SZ")


def takes_report(current: Delivery | None, reported: Delivery) -> bool:
    """Whether a report changes the message's delivery: the newest wins, except that a
    final state (delivered, failed) is never undone by a late "sent"."""
    return not (reported is Delivery.SENT and current in FINAL)


def newly_failed(before: Delivery | str | None, reported: Delivery) -> bool:
    """Whether a report is the news that a message failed (once per message: a second
    failed report, or one after the first, changes nothing for the order)."""
    return reported is Delivery.FAILED and before != Delivery.FAILED


def failure_reason(raw_state: str, error: str, at: datetime | None, tz: tzinfo) -> str:
    """Why a message failed, as the order's comment and follow-up say it: the provider's
    state, its error, and when it reported it when the report says (a file read later)."""
    details = [d for d in (error, at and f"rapportert {at.astimezone(tz):%d.%m.%Y %H:%M}") if d]
    return f"{raw_state} ({', '.join(details)})" if details else raw_state


def error_outcome(error: BaseException, previous: str | None) -> str:
    """The outcome of a try that raised: the exception's class (never its text, which may
    hold a customer's message) and the how-many-th try it was."""
    return f"{ERROR}: {type(error).__name__} (try {tries(previous) + 1})"


def tries(outcome: str | None) -> int:
    """How many tries of a stored callback have failed, by its outcome."""
    if not outcome or not outcome.startswith(f"{ERROR}:"):
        return 0
    return int(outcome.rsplit("try ", 1)[-1].rstrip(")"))


def retry_due(outcome: str | None) -> bool:
    """Whether a stored callback not applied yet gets another try."""
    return tries(outcome) < MAX_TRIES

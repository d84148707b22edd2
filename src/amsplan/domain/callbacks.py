"""Rules for what providers tell amsplan afterwards: which callbacks are the same, and
which delivery report wins."""

from __future__ import annotations

from amsplan.domain.states import Delivery

FINAL = (Delivery.DELIVERED, Delivery.FAILED)

# Outcomes of a delivery report (an inbound message's outcome is its reply's outcome).
APPLIED = "applied"
STALE = "stale"  # a late "sent" after the message was delivered or failed: kept, not applied
UNKNOWN_MESSAGE = "unknown_message"  # no message with this provider id or reference


def dedup_key(provider: str, kind: str, provider_message_id: str, raw_state: str = "") -> str:
    """The same callback seen twice (a provider's retry, a receipts file after the
    callbacks) has this key: a status report per message and state, an inbound message
    per message."""
    parts = [provider, kind, provider_message_id, *([raw_state] if raw_state else [])]
    return ":".join(parts)


def takes_report(current: Delivery | None, reported: Delivery) -> bool:
    """Whether a report changes the message's delivery: the newest wins, except that a
    final state (delivered, failed) is never undone by a late "sent"."""
    return not (reported is Delivery.SENT and current in FINAL)

"""Queries for what comes in: customer replies, technician returns and upstream messages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from amsplan.domain import rules
from amsplan.domain.states import SmsState
from amsplan.store.bulk import add_rows
from amsplan.store.chunks import chunks, locked
from amsplan.store.models import InboundMessage, Order, Reply, Sms

# --- replies ------------------------------------------------------------------------------


def reply_lines(session: Session, digests: Iterable[str]) -> set[tuple[str, int]]:
    """(SHA-256, line) of the lines already ingested from the sources with these SHA-256s
    (a file, a callback, an e-mail)."""
    found: set[tuple[str, int]] = set()
    for chunk in chunks(set(digests)):
        query = select(Reply.source_sha256, Reply.line_no).where(
            col(Reply.source_sha256).in_(chunk)
        )
        found.update((digest, line) for digest, line in session.exec(query))
    return found


def known_fingerprints(session: Session, fingerprints: Iterable[str]) -> set[str]:
    """Those of `fingerprints` ingested before."""
    found: set[str] = set()
    for chunk in chunks(set(fingerprints)):
        found.update(
            session.exec(select(Reply.fingerprint).where(col(Reply.fingerprint).in_(chunk)))
        )
    return found


def newest_answers(
    session: Session, order_ids: Iterable[int], outcomes: Iterable[str]
) -> dict[int, datetime]:
    """Per order, the received time (aware UTC) of its newest reply with one of `outcomes`."""
    wanted = list(outcomes)
    newest: dict[int, datetime] = {}
    for chunk in chunks(set(order_ids)):
        query = (
            select(Reply.order_id, func.max(Reply.received_at))
            .where(col(Reply.order_id).in_(chunk), col(Reply.outcome).in_(wanted))
            .group_by(col(Reply.order_id))
        )
        newest.update((i, rules.utc(at)) for i, at in session.exec(query) if i and at)
    return newest


def add_replies(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert reply rows (dicts of the same columns) in bulk (no ORM objects)."""
    add_rows(session, Reply, [dict(row) for row in rows])


def queued_sms(session: Session, numbers: Iterable[str]) -> list[Sms]:
    """The queued messages to any of these mobile numbers (E.164), of any order."""
    found: list[Sms] = []
    for chunk in chunks(set(numbers)):
        query = select(Sms).where(col(Sms.to).in_(chunk), col(Sms.status) == SmsState.QUEUED)
        found.extend(session.exec(query.order_by(col(Sms.id))))
    return found


def unhandled_replies(session: Session) -> list[tuple[Reply, str | None]]:
    """Replies nobody has acted on, oldest first: (reply, order number if linked)."""
    query = (
        select(Reply, Order.order_no)
        .join(Order, col(Order.id) == col(Reply.order_id), isouter=True)
        .where(col(Reply.handled) == False)  # noqa: E712
        .order_by(col(Reply.received_at), col(Reply.id))
    )
    return [(reply, number) for reply, number in session.exec(query)]


# --- technician returns and upstream messages ---------------------------------------------


def message_lines(session: Session, digest: str) -> set[int]:
    """The lines of the file with this SHA-256 already ingested."""
    query = select(InboundMessage.line_no).where(col(InboundMessage.source_sha256) == digest)
    return set(session.exec(query))


def unapplied(session: Session, source: str, lock: bool = False) -> list[InboundMessage]:
    """The source's messages nobody could apply, oldest first (locked: for a retry)."""
    query = select(InboundMessage).where(
        col(InboundMessage.handled) == False,  # noqa: E712
        col(InboundMessage.source) == source,
    )
    query = query.order_by(col(InboundMessage.ingested_at), col(InboundMessage.id))
    return list(session.exec(locked(query, lock)))

"""Queries for providers' callbacks (sms_callback) and the messages they report on."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, and_, col, or_, select

from amsplan.store.chunks import CHUNK
from amsplan.store.models import Callback, Sms


def insert_once(session: Session, rows: list[dict[str, Any]]) -> None:
    """Store the callbacks whose `dedup` key is new; the others are left as they are
    (INSERT ... ON CONFLICT DO NOTHING, on both databases)."""
    if not rows:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = Callback.__table__  # type: ignore[attr-defined]
    statement = dialect.insert(table).on_conflict_do_nothing(index_elements=["dedup"])
    session.execute(statement, rows)


def unprocessed(
    session: Session, dedups: Iterable[str] | None = None, limit: int = 500
) -> list[Callback]:
    """Stored callbacks not applied yet, oldest first (of these `dedups`, when given), at
    most `limit`. On PostgreSQL they are locked and ones another transaction is applying
    are skipped, so two workers never apply the same callback."""
    query = select(Callback).where(col(Callback.processed_at).is_(None))
    if dedups is not None:
        query = query.where(col(Callback.dedup).in_(list(dedups)))
    query = query.order_by(col(Callback.id)).limit(limit).with_for_update(skip_locked=True)
    return list(session.exec(query))


def messages_reported(
    session: Session, provider: str, provider_ids: Iterable[str], references: Iterable[str]
) -> tuple[dict[str, Sms], dict[str, Sms]]:
    """The provider's messages with these provider ids, and the messages with these
    references (amsplan's own, unique), each keyed by it; locked for update."""
    ids, refs = sorted(set(provider_ids)), sorted(set(references))
    by_id: dict[str, Sms] = {}
    by_ref: dict[str, Sms] = {}
    for start in range(0, max(len(ids), len(refs)), CHUNK):
        id_chunk, ref_chunk = ids[start : start + CHUNK], refs[start : start + CHUNK]
        query = select(Sms).where(
            or_(
                and_(col(Sms.provider) == provider, col(Sms.provider_id).in_(id_chunk)),
                col(Sms.reference).in_(ref_chunk),
            )
        )
        wanted_ids, wanted_refs = set(id_chunk), set(ref_chunk)
        for m in session.exec(query.with_for_update()):
            if m.provider == provider and m.provider_id in wanted_ids:
                by_id[m.provider_id or ""] = m
            if m.reference in wanted_refs:
                by_ref[m.reference or ""] = m
    return by_id, by_ref


def unmatched(session: Session) -> list[Callback]:
    """Delivery reports about messages amsplan does not know, oldest first."""
    query = select(Callback).where(col(Callback.outcome) == "unknown_message")
    return list(session.exec(query.order_by(col(Callback.id))))


def alive(session: Session) -> None:
    """A query that needs the database to answer."""
    session.exec(select(Callback.id).limit(1)).first()

"""Queries for providers' callbacks (sms_callback) and the messages they report on."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Row, update
from sqlalchemy import select as select_columns
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, and_, col, or_, select

from amsplan.store.chunks import CHUNK, chunks
from amsplan.store.models import Callback, Sms

# What applying a stored callback reads of it (rows with these attributes).
COLUMNS = tuple(col(c) for c in (
    Callback.id, Callback.provider, Callback.kind, Callback.dedup,
    Callback.provider_message_id, Callback.received_at, Callback.payload,
))  # fmt: skip


def insert_once(session: Session, rows: list[dict[str, Any]]) -> list[Row[Any]]:
    """Store the callbacks whose `dedup` key is new (INSERT ... ON CONFLICT DO NOTHING,
    on both databases); the stored ones (COLUMNS), the others being there already."""
    if not rows:
        return []
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = Callback.__table__  # type: ignore[attr-defined]
    statement = dialect.insert(table).on_conflict_do_nothing(index_elements=["dedup"])
    # One callback (the common case) as one execute: cheaper than an executemany.
    return list(session.execute(statement.returning(*COLUMNS), rows[0] if len(rows) == 1 else rows))


def unprocessed(
    session: Session, dedups: Iterable[str] | None = None, limit: int = 500
) -> list[Row[Any]]:
    """Stored callbacks (COLUMNS) not applied yet, oldest first (of these `dedups`, when
    given), at most `limit`. On PostgreSQL they are locked and ones another transaction
    is applying are skipped, so two workers never apply the same callback."""
    query = select_columns(*COLUMNS).where(col(Callback.processed_at).is_(None))
    if dedups is not None:
        query = query.where(col(Callback.dedup).in_(list(dedups)))
    query = query.order_by(col(Callback.id)).limit(limit).with_for_update(skip_locked=True)
    return list(session.execute(query))


def mark_processed(session: Session, outcomes: dict[int, str], at: datetime) -> None:
    """These callbacks (id -> outcome) are applied."""
    by_outcome: dict[str, list[int]] = {}
    for callback_id, outcome in outcomes.items():
        by_outcome.setdefault(outcome, []).append(callback_id)
    table = Callback.__table__  # type: ignore[attr-defined]
    for outcome, ids in by_outcome.items():
        for chunk in chunks(ids):  # a Core update: the rows are not loaded in the session
            statement = (
                update(table).where(_any_of(table.c.id, chunk))
                .values(processed_at=at, outcome=outcome)
            )  # fmt: skip
            session.execute(statement)


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
                and_(col(Sms.provider) == provider, _any_of(col(Sms.provider_id), id_chunk)),
                _any_of(col(Sms.reference), ref_chunk),
            )
        )
        wanted_ids, wanted_refs = set(id_chunk), set(ref_chunk)
        for m in session.exec(query.with_for_update()):
            if m.provider == provider and m.provider_id in wanted_ids:
                by_id[m.provider_id or ""] = m
            if m.reference in wanted_refs:
                by_ref[m.reference or ""] = m
    return by_id, by_ref


def _any_of(column: Any, values: list[Any]) -> Any:
    """column IN values; `=` for one value (a callback names one message: the common
    case, and a cheaper statement to build than an expanding IN)."""
    return column == values[0] if len(values) == 1 else column.in_(values)


def unmatched(session: Session) -> list[Callback]:
    """Delivery reports about messages amsplan does not know, oldest first."""
    query = select(Callback).where(col(Callback.outcome) == "unknown_message")
    return list(session.exec(query.order_by(col(Callback.id))))


def alive(session: Session) -> None:
    """A query that needs the database to answer."""
    session.exec(select(Callback.id).limit(1)).first()

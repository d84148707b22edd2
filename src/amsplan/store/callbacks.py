"""Queries for providers' callbacks (sms_callback) and the messages they report on.

`amsplan serve` runs these for every callback, so the statements of the common case (one
callback naming one message) are built once, here, with bound parameters: building a
statement costs more than running it on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, update
from sqlalchemy import select as select_columns
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, and_, col, or_, select

from amsplan.store.chunks import CHUNK, chunks
from amsplan.store.models import Callback, Sms

_CALLBACK = Callback.__table__  # type: ignore[attr-defined]
_SMS = Sms.__table__  # type: ignore[attr-defined]

# What applying a stored callback reads of it (rows with these attributes).
COLUMNS = tuple(col(c) for c in (
    Callback.id, Callback.provider, Callback.kind, Callback.dedup,
    Callback.provider_message_id, Callback.received_at, Callback.payload, Callback.outcome,
))  # fmt: skip

# What applying a delivery report reads of a message (rows with these attributes).
MESSAGE_COLUMNS = tuple(col(c) for c in (
    Sms.id, Sms.provider, Sms.provider_id, Sms.reference, Sms.order_id, Sms.delivery,
))  # fmt: skip

_INSERT = {
    dialect.__name__.rsplit(".", 1)[-1]: dialect.insert(_CALLBACK)
    .on_conflict_do_nothing(index_elements=["dedup"]).returning(*COLUMNS)
    for dialect in (sqlite, postgresql)
}  # fmt: skip
_MARK = (
    update(_CALLBACK).where(_CALLBACK.c.id == bindparam("callback_id"))
    .values(processed_at=bindparam("at"), outcome=bindparam("result"))
)  # fmt: skip
_SET_DELIVERY = (
    update(_SMS).where(_SMS.c.id == bindparam("sms_id"))
    .values(delivery=bindparam("new_delivery"), delivery_at=bindparam("new_at"),
            delivery_error=bindparam("new_error"))
)  # fmt: skip
_ONE_MESSAGE = (
    select_columns(*MESSAGE_COLUMNS).where(or_(
        and_(col(Sms.provider) == bindparam("provider"),
             col(Sms.provider_id) == bindparam("provider_id")),
        col(Sms.reference) == bindparam("reference"),
    )).with_for_update()
)  # fmt: skip


def _one_or_many(session: Session, statement: Any, params: list[dict[str, Any]]) -> Any:
    """One execute for one set of parameters (cheaper), an executemany for more."""
    return session.execute(statement, params[0] if len(params) == 1 else params)


def insert_once(session: Session, rows: list[dict[str, Any]]) -> list[Row[Any]]:
    """Store the callbacks whose `dedup` key is new (INSERT ... ON CONFLICT DO NOTHING,
    on both databases); the stored ones (COLUMNS), the others being there already."""
    if not rows:
        return []
    return list(_one_or_many(session, _INSERT[session.get_bind().dialect.name], rows))


def unprocessed(
    session: Session, dedups: Iterable[str] | None = None, ids: Iterable[int] | None = None,
    limit: int = 500,
) -> list[Row[Any]]:  # fmt: skip
    """Stored callbacks (COLUMNS) not applied yet, oldest first (of these `dedups` or
    `ids`, when given), at most `limit`. On PostgreSQL they are locked and ones another
    transaction is applying are skipped, so two workers never apply the same callback."""
    query = select_columns(*COLUMNS).where(col(Callback.processed_at).is_(None))
    if dedups is not None:
        query = query.where(col(Callback.dedup).in_(list(dedups)))
    if ids is not None:
        query = query.where(col(Callback.id).in_(list(ids)))
    query = query.order_by(col(Callback.id)).limit(limit).with_for_update(skip_locked=True)
    return list(session.execute(query))


def pending(session: Session) -> list[int]:
    """The ids of the stored callbacks not applied yet, oldest first."""
    query = select(Callback.id).where(col(Callback.processed_at).is_(None))
    return [i for i in session.exec(query.order_by(col(Callback.id))) if i is not None]


def latest_inbound(session: Session, provider: str, id_prefix: str) -> tuple[str, datetime] | None:
    """The provider message id and arrival of the newest inbound callback of `provider`
    whose id starts with `id_prefix` (a sender's made ids: domain.callbacks)."""
    query = (
        select(Callback.provider_message_id, Callback.received_at)
        .where(col(Callback.provider) == provider, col(Callback.kind) == "inbound",
               col(Callback.provider_message_id).startswith(id_prefix, autoescape=True))
        .order_by(col(Callback.id).desc()).limit(1)
    )  # fmt: skip
    row = session.exec(query).first()
    return (row[0], row[1]) if row else None


def mark_processed(session: Session, outcomes: dict[int, str], at: datetime | None) -> None:
    """These callbacks (id -> outcome) are applied (at None: not yet, to try again)."""
    if outcomes:
        params = [{"callback_id": i, "at": at, "result": o} for i, o in outcomes.items()]
        _one_or_many(session, _MARK, params)


def messages_reported(
    session: Session, provider: str, provider_ids: list[str], references: list[str]
) -> tuple[dict[str, Row[Any]], dict[str, Row[Any]]]:
    """The provider's messages (MESSAGE_COLUMNS) with these provider ids, and the
    messages with these references (amsplan's own, unique), each keyed by it; locked for
    update."""
    ids, refs = sorted(set(provider_ids)), sorted(set(references))
    if len(ids) <= 1 and len(refs) <= 1:
        params = {"provider": provider, "provider_id": ids[0] if ids else None,
                  "reference": refs[0] if refs else None}  # fmt: skip
        found = list(session.execute(_ONE_MESSAGE, params))
    else:
        found = []
        for start in range(0, max(len(ids), len(refs)), CHUNK):
            query = select_columns(*MESSAGE_COLUMNS).where(or_(
                and_(col(Sms.provider) == provider,
                     col(Sms.provider_id).in_(ids[start : start + CHUNK])),
                col(Sms.reference).in_(refs[start : start + CHUNK]),
            ))  # fmt: skip
            found += session.execute(query.with_for_update())
    wanted_ids, wanted_refs = set(ids), set(refs)
    by_id = {
        m.provider_id: m for m in found if m.provider == provider and m.provider_id in wanted_ids
    }
    by_ref = {m.reference: m for m in found if m.reference in wanted_refs}
    return by_id, by_ref


def messages_by_id(session: Session, ids: Iterable[int]) -> dict[int, Sms]:
    """The messages with these ids, keyed by id, locked for update."""
    found: dict[int, Sms] = {}
    for chunk in chunks(sorted(set(ids))):
        query = select(Sms).where(col(Sms.id).in_(chunk)).with_for_update()
        found.update((m.id, m) for m in session.exec(query) if m.id is not None)
    return found


def set_delivery(session: Session, changes: list[dict[str, Any]]) -> None:
    """Messages' delivery state: dicts of sms_id, delivery, delivery_at, delivery_error
    (a Core update: the messages are not loaded)."""
    if changes:
        params = [{"sms_id": c["sms_id"], "new_delivery": c["delivery"],
                   "new_at": c["delivery_at"], "new_error": c["delivery_error"]}
                  for c in changes]  # fmt: skip
        _one_or_many(session, _SET_DELIVERY, params)


def unmatched(session: Session) -> list[Callback]:
    """Delivery reports about messages amsplan does not know, oldest first."""
    query = select(Callback).where(col(Callback.outcome) == "unknown_message")
    return list(session.exec(query.order_by(col(Callback.id))))


def failed(session: Session) -> list[Callback]:
    """Callbacks whose applying raised (outcome "error: ..."), oldest first: the ones
    still to be tried again and the ones given up."""
    query = select(Callback).where(col(Callback.outcome).startswith("error:"))
    return list(session.exec(query.order_by(col(Callback.id))))


def alive(session: Session) -> None:
    """A query that needs the database to answer."""
    session.exec(select(Callback.id).limit(1)).first()

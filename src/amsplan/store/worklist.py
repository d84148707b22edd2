"""Queries of the work lists that end (replies, returns, upstream messages): rows by id."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from amsplan.store.chunks import CHUNK, locked


def by_ids(
    session: Session, model: Any, ids: list[int], *where: Any, lock: bool = True
) -> list[Any]:
    """The rows of `model` with these ids (and the conditions), in id order; locked for
    update unless not `lock`."""
    rows: list[Any] = []
    for i in range(0, len(ids), CHUNK):
        query = select(model).where(col(model.id).in_(ids[i : i + CHUNK]), *where)
        query = query.order_by(col(model.id))
        rows += session.exec(locked(query, lock))
    return rows

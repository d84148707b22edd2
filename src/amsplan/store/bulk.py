"""Plain-row inserts, for building a large state at once (bench/fixture.py writes a
booked history of 100,000 orders this way: rows the services write one ORM object at a
time, written in a few statements)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, insert
from sqlmodel import Session, SQLModel

from amsplan.store.chunks import CHUNK


def add_rows(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
    """New rows of `model`'s table (every row gives the same columns)."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    for i in range(0, len(rows), CHUNK):
        session.execute(insert(table), rows[i : i + CHUNK])

"""Plain-row inserts of many rows at once: an import's new orders, and the booked history
bench/fixture.py builds (rows the services write one ORM object at a time).

The rows go to the database driver's executemany as they are, each value converted for
the database by its column's type once per distinct value (an import's orders share
their status, flags and times), not by SQLAlchemy row by row: at hundreds of thousands
of rows that conversion was a fifth of an import.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Table, insert
from sqlmodel import Session, SQLModel

from amsplan.store.chunks import CHUNK


def add_rows(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
    """New rows of `model`'s table (every row gives the same columns)."""
    if rows:
        add_table_rows(session, model.__table__, rows)  # type: ignore[attr-defined]


def add_table_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """New rows of `table` (every row gives the same columns)."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    compiled = insert(table).compile(dialect=dialect, column_keys=names)
    # The order and names of the statement's parameters, as the driver takes them.
    order = list(compiled.positiontup or []) if compiled.positional else names
    plan = [(name, _converter(table, name, dialect)) for name in order]

    def params(row: dict[str, Any]) -> Any:
        values = [row[k] if c is None else c(row[k]) for k, c in plan]
        return tuple(values) if compiled.positional else dict(zip(order, values, strict=True))

    for i in range(0, len(rows), CHUNK):
        batch = [params(row) for row in rows[i : i + CHUNK]]
        connection.exec_driver_sql(compiled.string, batch)


def _converter(table: Table, name: str, dialect: Any) -> Callable[[Any], Any] | None:
    """What turns a value of the column into what the driver takes (None: as it is)."""
    processor = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
    return _memo(processor) if processor else None


def _memo(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The processor, each distinct value converted once."""
    done: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return done[value]
        except KeyError:
            done[value] = result = processor(value)
            return result
        except TypeError:  # unhashable
            return processor(value)

    return convert

"""Plain-row inserts of many rows at once: an import's new orders, and the booked history
bench/fixture.py builds (rows the services write one ORM object at a time).

The rows go to the database driver's executemany as they are, each value converted for
the database by its column's type once per distinct value (an import's orders share
their status, flags and times), not by SQLAlchemy row by row: at hundreds of thousands
of rows that conversion was a fifth of an import.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Dialect
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
    sql, positional, order, processors = _statement(table, tuple(rows[0]), connection.dialect)
    plan = [(name, _memo(processors[name]) if name in processors else None) for name in order]

    def params(row: dict[str, Any]) -> Any:
        values = [row[k] if c is None else c(row[k]) for k, c in plan]
        return tuple(values) if positional else dict(zip(order, values, strict=True))

    for i in range(0, len(rows), CHUNK):
        connection.exec_driver_sql(sql, [params(row) for row in rows[i : i + CHUNK]])


@lru_cache(maxsize=64)
def _statement(
    table: Table, names: tuple[str, ...], dialect: Dialect
) -> tuple[str, bool, list[str], dict[str, Any]]:
    """The INSERT of these columns as the driver takes it: its SQL, whether its
    parameters are positional, their order, and the converters of the columns that have
    one (compiled once per table and columns)."""
    compiled = insert(table).compile(dialect=dialect, column_keys=list(names))
    order = list(compiled.positiontup or []) if compiled.positional else list(names)
    processors = {
        name: processor
        for name in names
        if (processor := table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
    }
    return compiled.string, compiled.positional, order, processors


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

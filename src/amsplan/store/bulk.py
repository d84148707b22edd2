"""Many rows at once: an import's new orders, the rows a unit of work appends by the
thousand (store.pending), the orders it changed (store.orders.write_changed), and the
booked history bench/fixture.py builds.

The rows go to the database driver's executemany as they are, each value converted for
the database by its parameter's type once per distinct value (an import's orders share
their status, flags and times), not by SQLAlchemy row by row: at hundreds of thousands
of rows that conversion was a fifth of an import. A statement is compiled once per
table and columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlmodel import Session, SQLModel

from amsplan.store.chunks import CHUNK


@dataclass(frozen=True)
class Prepared:
    """A statement as the driver takes it: its SQL, whether its parameters are
    positional, their names in order, and the converters of those that have one."""

    sql: str
    positional: bool
    names: tuple[str, ...]
    converters: dict[str, Any]


def prepare(statement: ClauseElement, dialect: Dialect, **compile_kw: Any) -> Prepared:
    """`statement` (with bound parameters) compiled for the dialect."""
    compiled = cast(SQLCompiler, statement.compile(dialect=dialect, **compile_kw))
    names = tuple(compiled.positiontup or ()) if compiled.positional else tuple(compiled.binds)
    converters = {
        name: processor
        for name in names
        if (processor := compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
    }
    return Prepared(compiled.string, compiled.positional, names, converters)


def run_many(session: Session, statement: Prepared, rows: list[dict[str, Any]]) -> int:
    """Run the statement once per row (a row gives every parameter by name) through the
    driver's executemany; how many rows it wrote."""
    plan = [(n, _memo(statement.converters[n]) if n in statement.converters else None)
            for n in statement.names]  # fmt: skip

    def params(row: dict[str, Any]) -> Any:
        values = [row[n] if c is None else c(row[n]) for n, c in plan]
        if statement.positional:
            return tuple(values)
        return dict(zip(statement.names, values, strict=True))

    connection = session.connection()
    written = 0
    for i in range(0, len(rows), CHUNK):
        batch = [params(row) for row in rows[i : i + CHUNK]]
        written += connection.exec_driver_sql(statement.sql, batch).rowcount
    return written


def add_rows(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
    """New rows of `model`'s table (every row gives the same columns)."""
    add_table_rows(session, model.__table__, rows)  # type: ignore[attr-defined]


def add_table_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """New rows of `table` (every row gives the same columns)."""
    if rows:
        connection = session.connection()
        run_many(session, _insert(table, tuple(rows[0]), connection.dialect), rows)


@lru_cache(maxsize=64)
def _insert(table: Table, names: tuple[str, ...], dialect: Dialect) -> Prepared:
    return prepare(insert(table), dialect, column_keys=list(names))


def _memo(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The converter, each distinct value converted once."""
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

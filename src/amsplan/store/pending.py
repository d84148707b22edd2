"""Rows written in batches: what a unit of work appends by the thousand (history rows,
comments, follow-up flags, queued SMS) is kept as plain rows and written with one
executemany per table just before the session runs any statement, flushes or commits,
so every query of the transaction sees them, as it would see ORM objects (autoflush).

Building and flushing one ORM object per row was most of the time of a run that moves
thousands of orders (a reply file, the reminders cron). Rows are only ever added here
for orders that are stored already; a rollback drops them.

History rows are written here and only here: each gets its link of the hash chain as it
is written (store.history.chain; the rows of a table are written in the order added).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, event
from sqlmodel import Session, SQLModel

from amsplan.store import history
from amsplan.store.bulk import add_table_rows
from amsplan.store.models import History

_ROWS = "amsplan.pending.rows"
_HISTORY: Table = History.__table__  # type: ignore[attr-defined]
_COMMITTING = "amsplan.pending.committing"


def add(session: Session, model: type[SQLModel], row: dict[str, Any]) -> None:
    """Append a row to `model`'s table (the rows of a table all give the same columns)."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    rows: dict[Table, list[dict[str, Any]]] | None = session.info.get(_ROWS)
    if rows is None:
        rows = session.info[_ROWS] = {}
        event.listen(session, "do_orm_execute", _before_statement)
        event.listen(session, "before_flush", _before_flush)
        event.listen(session, "before_commit", _before_commit)
        event.listen(session, "after_commit", _done)
        event.listen(session, "after_rollback", _dropped)
    rows.setdefault(table, []).append(row)
    if session.info.get(_COMMITTING):  # added by a hook after the rows were written
        write(session)


def write(session: Session) -> None:
    """Write the session's pending rows now."""
    rows: dict[Table, list[dict[str, Any]]] | None = session.info.get(_ROWS)
    if rows:
        session.info[_ROWS] = {}
        for table, table_rows in rows.items():
            if table is _HISTORY:
                history.chain(session, table_rows)
            add_table_rows(session, table, table_rows)


def _before_statement(state: Any) -> None:
    write(state.session)


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    write(session)


def _before_commit(session: Session) -> None:
    write(session)
    session.info[_COMMITTING] = True


def _done(session: Session) -> None:
    session.info[_COMMITTING] = False


def _dropped(session: Session) -> None:
    session.info[_ROWS] = {}
    session.info[_COMMITTING] = False

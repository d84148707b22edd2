"""Queries for the history of transitions, and what keeps it append-only (issue 18).

Every history row is written through store.pending, which calls chain() here: each row
gets the hash of the previous row of its order and its own content (domain.chain). The
database refuses UPDATE and DELETE of history and comments: PostgreSQL by a trigger
(migration 0010) unless the table's owner set `amsplan.rewrite` in the transaction;
SQLite by TEMP triggers on every connection amsplan opens (guard_sqlite, from the
connect hook in store.db) unless the transaction put a row in the TEMP table
`amsplan_rewrite`. rewriting() sets either flag: a privacy purge is the one user of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from itertools import groupby
from typing import Any, cast

from sqlalchemy import Connection, Result, bindparam, event, func, literal, text
from sqlalchemy import select as core_select
from sqlalchemy.engine import Dialect
from sqlmodel import Session, col, select

from amsplan.domain import chain as chained
from amsplan.domain import rules
from amsplan.domain.statuses import Status
from amsplan.store.bulk import Prepared, prepare, run_many
from amsplan.store.chunks import chunks
from amsplan.store.models import History, Order

_LAST = "amsplan.history.last"  # session.info: order id -> its last row's hash
_FORGETS = "amsplan.history.forgets"  # session.info: _forget() listens to the session
_HISTORY = History.__table__  # type: ignore[attr-defined]
# What a row's hash covers, with its id and stored hash: the rows check() and rechain() read.
_CHAIN_COLUMNS = (
    _HISTORY.c.id,
    *(_HISTORY.c[n] for n in (*chained.CONTENT, *chained.OPTIONAL)),
    _HISTORY.c.hash,
)
_TIMES = ("at", *chained.OPTIONAL)  # the chained times SQLite gives as text
APPEND_ONLY = ("history", "comment")  # the tables nobody rewrites (but a privacy purge)
REWRITE_FLAG = "amsplan_rewrite"  # SQLite: a TEMP table; a row in it allows a rewrite


def last_transitions(session: Session, order_ids: Iterable[int]) -> dict[int, tuple[str, datetime]]:
    """Each order's newest transition and when (aware UTC).

    The hashes of those rows are kept for the transaction (chain() then needs no query
    for these orders): read the orders before, as every caller does, so that a row
    another process added after this read fails the order's version check."""
    last: dict[int, tuple[str, datetime]] = {}
    hashes = _last_hashes(session)
    for chunk in chunks(set(order_ids)):
        latest = select(func.max(History.id)).where(col(History.order_id).in_(chunk))
        query = select(History.order_id, History.transition, History.at, History.hash).where(
            col(History.id).in_(latest.group_by(col(History.order_id)))
        )
        for i, transition, at, stored in session.exec(query):
            last[i] = (transition, rules.utc(at))
            hashes.setdefault(i, stored or chained.GENESIS)
        for i in chunk:  # no history yet
            hashes.setdefault(i, chained.GENESIS)
    return last


def last_arrival(session: Session, order_ids: Iterable[int], status: Status) -> dict[int, datetime]:
    """When each order last moved into `status` (orders that never did are left out)."""
    found: dict[int, datetime] = {}
    for chunk in chunks(set(order_ids)):
        query = select(History.order_id, func.max(History.at)).where(
            col(History.order_id).in_(chunk), col(History.to_status) == status.value
        )
        found.update((i, at) for i, at in session.exec(query.group_by(col(History.order_id))))
    return found


# --- the chain: written ------------------------------------------------------------


def chain(session: Session, rows: list[dict[str, Any]]) -> None:
    """Give each new history row (in the order they are inserted) its `hash`, chained
    after the last row of its order: read in one query per chunk of orders the first
    time the transaction writes to them (unless last_transitions read them), then kept
    in session.info until the transaction ends. The rows of one order chain in turn."""
    last = _last_hashes(session)
    unknown = {i for row in rows if (i := row["order_id"]) not in last}
    for chunk in chunks(unknown):
        newest = (
            core_select(func.max(_HISTORY.c.id))
            .where(_HISTORY.c.order_id.in_(chunk))
            .group_by(_HISTORY.c.order_id)
        )
        query = core_select(_HISTORY.c.order_id, _HISTORY.c.hash).where(_HISTORY.c.id.in_(newest))
        # On the connection: no ORM events (this runs while the session writes its rows).
        last.update((i, h or chained.GENESIS) for i, h in session.connection().execute(query))
    for row in rows:
        order_id = row["order_id"]
        row["hash"] = last[order_id] = chained.link(last.get(order_id, chained.GENESIS), row)


def _last_hashes(session: Session) -> dict[int, str]:
    """The session's order id -> last hash, for the current transaction."""
    last: dict[int, str] | None = session.info.get(_LAST)
    if last is None:
        last = session.info[_LAST] = {}
        if not session.info.get(_FORGETS):
            session.info[_FORGETS] = True
            event.listen(session, "after_commit", _forget)
            event.listen(session, "after_rollback", _forget)
    return last


def _forget(session: Session) -> None:
    """The transaction ended: the last hashes it knew may be others' now."""
    session.info.pop(_LAST, None)


# --- the chain: checked (amsplan db verify) -----------------------------------------


def chain_rows(session: Session, batch: int = 10_000) -> Iterator[Mapping[str, Any]]:
    """Every history row (its id, content and hash), order by order and each order's
    rows by id, streamed (a server-side cursor on PostgreSQL): never all in memory.

    The values as the driver gives them (a third of the time went to SQLAlchemy's
    conversions at 300,000 rows): statuses as text, and SQLite's times parsed here."""
    names = [column.name for column in _CHAIN_COLUMNS]
    connection = session.connection().execution_options(stream_results=True, yield_per=batch)
    result = connection.exec_driver_sql(f"SELECT {', '.join(names)} FROM history "
                                        "ORDER BY order_id, id")  # fmt: skip
    text_times = connection.dialect.name == "sqlite"
    for values in result.yield_per(batch):  # fetchmany, not a fetchone per row
        row = dict(zip(names, values, strict=True))
        if text_times:  # "2026-04-01 06:00:00.123456", UTC
            for name in _TIMES:
                if row[name] is not None:
                    row[name] = datetime.fromisoformat(row[name])
        yield row


def _mappings(result: Result[Any]) -> Iterator[Mapping[str, Any]]:
    for row in result:
        yield cast(Mapping[str, Any], row._mapping)


Mismatch = tuple[int, str, str | None, datetime | None, int | None]


def status_mismatches(session: Session) -> list[Mismatch]:
    """Orders whose status is not where their history leaves them: (order id, status,
    the last row's to status, its time, its id); an order with no history at all is
    one unless it is still where orders start (to status, time and id None)."""
    last_ids = (
        core_select(func.max(_HISTORY.c.id).label("id")).group_by(_HISTORY.c.order_id).subquery()
    )
    orders = Order.__table__  # type: ignore[attr-defined]
    ends = (
        core_select(
            orders.c.id, orders.c.status, _HISTORY.c.to_status, _HISTORY.c.at, _HISTORY.c.id
        )
        .join(last_ids, last_ids.c.id == _HISTORY.c.id)
        .join(orders, orders.c.id == _HISTORY.c.order_id)
        .where(orders.c.status != _HISTORY.c.to_status)
    )
    none = (
        core_select(orders.c.id, orders.c.status, literal(None), literal(None), literal(None))
        .where(orders.c.status != chained.FIRST_STATUS.value)
        .where(~core_select(_HISTORY.c.id).where(_HISTORY.c.order_id == orders.c.id).exists())
    )
    found = [(i, str(s), str(t), rules.utc(at), h) for i, s, t, at, h in session.execute(ends)]
    return found + [(i, str(s), None, None, None) for i, s, *_ in session.execute(none)]


# --- rewrites: a privacy purge ------------------------------------------------------


def may_rewrite(session: Session) -> tuple[bool, str, str]:
    """Whether this login may rewrite history (PostgreSQL: it has the rights of the
    history table's owner; SQLite: whoever can write the file can), the login and the
    owner."""
    if session.get_bind().dialect.name != "postgresql":
        return True, "", ""
    query = text(
        "SELECT pg_has_role(current_user, c.relowner, 'USAGE'), current_user, "
        "pg_get_userbyid(c.relowner) FROM pg_class c WHERE c.oid = 'history'::regclass"
    )
    allowed, login, owner = session.execute(query).one()
    return bool(allowed), login, owner


@contextmanager
def rewriting(session: Session | Connection, reason: str) -> Iterator[None]:
    """Within: this transaction may UPDATE and DELETE history and comments (PostgreSQL:
    only if the login has the owner's rights; the trigger checks). On leaving normally
    the flag is taken down; on an error the rollback takes it down."""
    connection = session.connection() if isinstance(session, Session) else session
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT set_config('amsplan.rewrite', :r, true)"), {"r": reason})
        yield
        connection.execute(text("SELECT set_config('amsplan.rewrite', '', true)"))
    else:
        connection.execute(text(f"INSERT INTO temp.{REWRITE_FLAG} VALUES (:r)"), {"r": reason})
        yield
        connection.execute(text(f"DELETE FROM temp.{REWRITE_FLAG}"))


def blank_comments(session: Session, order_ids: list[int]) -> None:
    """The comments of these orders' history rows blanked and the orders' chains
    recomputed (domain.chain.rechain: a break found before stays found). Inside
    rewriting()."""
    query = (
        core_select(*_CHAIN_COLUMNS)
        .where(_HISTORY.c.order_id.in_(order_ids))
        .order_by(_HISTORY.c.order_id, _HISTORY.c.id)
    )
    changed = []
    rows = _mappings(session.execute(query))
    for _, group in groupby(rows, key=lambda row: row["order_id"]):
        mine = list(group)
        for (row_id, new), row in zip(chained.rechain(mine, comment=""), mine, strict=True):
            if new != row["hash"] or row["comment"]:
                changed.append({"_id": row_id, "_hash": new, "_comment": ""})
    if changed:
        run_many(session, _rewrite(session.connection().dialect), changed)
    last = _last_hashes(session)
    for order_id in order_ids:
        last.pop(order_id, None)


@lru_cache(maxsize=4)
def _rewrite(dialect: Dialect) -> Prepared:
    """UPDATE of a history row's comment and hash."""
    statement = (
        _HISTORY.update()
        .where(_HISTORY.c.id == bindparam("_id"))
        .values(hash=bindparam("_hash"), comment=bindparam("_comment"))
    )
    return prepare(statement, dialect)


# --- SQLite: the guard of every connection ------------------------------------------


def guard_sqlite(dbapi_connection: Any) -> None:
    """On a new SQLite connection: the TEMP flag table and, once the tables exist,
    TEMP triggers that refuse UPDATE and DELETE of history and comments unless the
    transaction put a row in the flag table (rewriting()). Only amsplan's connections
    have them: the sqlite3 shell can still rewrite history, and `db verify` finds it."""
    cursor = dbapi_connection.cursor()
    cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {REWRITE_FLAG} (reason TEXT NOT NULL)")
    tables = {name for (name,) in cursor.execute(
        "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name IN (?, ?)",
        APPEND_ONLY,
    )}  # fmt: skip
    for table in APPEND_ONLY:
        for operation in ("UPDATE", "DELETE") if table in tables else ():
            cursor.execute(
                f"CREATE TEMP TRIGGER IF NOT EXISTS amsplan_{table}_no_{operation.lower()} "
                f"BEFORE {operation} ON main.{table} "
                f"WHEN NOT EXISTS (SELECT 1 FROM temp.{REWRITE_FLAG}) BEGIN "
                f"SELECT RAISE(ABORT, 'history is append-only: {operation} on {table} refused'); "
                "END"
            )
    cursor.close()

"""Queries of the reports, set-based: one query per figure group, counted in the database
(counts per UTC minute, never a row per order), read from one snapshot (snapshot()).

An event counts at its own time: a history row's `happened_at` (a return's field time, a
reply's receipt, an upstream message's time), else `at` (when amsplan recorded it). An
order done is one closed with the OK resolution now, at the time of its last close.

Each function takes a Scope: all orders, those of one technician, or those of a list of
order ids (a saved filter; at most CHUNK at a time: the caller adds the chunks up).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, and_, case, func, literal, null, union_all
from sqlalchemy import select as sa_select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, col, select, text

from amsplan.domain.reports import OrderCount
from amsplan.domain.statuses import Status
from amsplan.store.models import FollowupFlag, History, Order


@dataclass(frozen=True)
class Scope:
    """Which orders a report counts: all, one technician's, or these ids (<= CHUNK)."""

    tech_id: str | None = None
    order_ids: list[int] | None = None


class utc_minute(FunctionElement):  # noqa: N801 - an SQL function, named as one
    """A stored UTC time cut to the minute, as text: 2026-04-22 08:05 (every time zone's
    offset is whole minutes, so the local day of the minute is the local day of the
    moment)."""

    type = String()
    name = "utc_minute"
    inherit_cache = True


@compiles(utc_minute, "sqlite")
def _minute_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    # SQLite keeps a time as text in UTC: 2026-04-22 08:05:00.000000
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 16)"


@compiles(utc_minute, "postgresql")
def _minute_postgresql(element: Any, compiler: Any, **kw: Any) -> str:
    inner = compiler.process(element.clauses, **kw)
    return f"to_char(({inner}) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')"


def _moment(minute: str) -> datetime:
    return datetime.fromisoformat(minute).replace(tzinfo=UTC)


def snapshot(session: Session) -> None:
    """Every query of this transaction reads the same snapshot of the database (SQLite's
    read transaction already does; PostgreSQL's default gives each statement its own).
    Call it first in a read-only transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))


def _own_time() -> Any:
    return func.coalesce(History.happened_at, History.at)


def _closed_ok(ok: str) -> Any:
    return and_(col(Order.status) == Status.CLOSED, col(Order.resolution) == ok)


def _scoped(query: Any, scope: Scope, order_id: Any, tech: Any) -> Any:
    if scope.tech_id is not None:
        query = query.where(tech == scope.tech_id)
    if scope.order_ids is not None:
        query = query.where(order_id.in_(scope.order_ids))
    return query


def events(session: Session, ok: str, scope: Scope) -> list[tuple[str, datetime, str | None, int]]:
    """(kind, UTC minute, resolution of a failed visit, how many) of the events the
    periods count, in one query:

    - closed_ok: the orders closed with `ok` now, at the own time of their last close
      (an order closed, rejected upstream and closed again counts once);
    - failed: every visit resolved with another code ("bomtur");
    - confirmed: every move to ready for execution (a reply, a call, an SMS);
    - awaiting: the orders awaiting a reply now, at the time they started waiting.

    The history rows of a technician are those that name them (the order's technician at
    the time); the orders of a technician (closed OK, awaiting) are theirs now."""
    resolved = and_(col(History.transition) == "resolve", col(History.resolution) != ok)
    # Grouped by the labels: PostgreSQL sees two copies of an expression with parameters
    # as two expressions (and a label named as a column would mean the column).
    kind = case((resolved, literal("failed")), else_=literal("confirmed")).label("kind")
    minute = utc_minute(_own_time()).label("minute")
    code = case((resolved, History.resolution), else_=null()).label("failed_code")
    moved = _scoped(
        select(kind, minute, code, func.count())
        .where(resolved | (History.to_status == Status.READY_FOR_EXECUTION))
        .group_by(kind, minute, code),
        scope, col(History.order_id), History.technician_id,
    )  # fmt: skip
    close = aliased(History)
    last_close = (
        select(func.max(close.id))
        .where(close.order_id == Order.id, close.to_status == Status.CLOSED)
        .correlate(Order)
        .scalar_subquery()
    )
    done_at = utc_minute(func.coalesce(History.happened_at, History.at, Order.updated_at))
    done = _scoped(
        select(literal("closed_ok"), done_at, null(), func.count())
        .select_from(Order)
        .outerjoin(History, col(History.id) == last_close)
        .where(_closed_ok(ok))
        .group_by(done_at),
        scope, col(Order.id), Order.technician_id,
    )  # fmt: skip
    since = utc_minute(func.coalesce(Order.awaiting_since, Order.updated_at))
    awaiting = _scoped(
        select(literal("awaiting"), since, null(), func.count())
        .where(Order.status == Status.AWAITING_RESPONSE)
        .group_by(since),
        scope, col(Order.id), Order.technician_id,
    )  # fmt: skip
    rows = session.execute(union_all(moved, done, awaiting))
    return [(kind, _moment(minute), resolution, n) for kind, minute, resolution, n in rows]


def order_counts(session: Session, ok: str, scope: Scope) -> list[OrderCount]:
    """How many orders share a stage, municipality, status, closed OK and cancelled."""
    closed_ok = case((_closed_ok(ok), True), else_=False).label("is_done")  # see events()
    columns = (col(Order.stage), col(Order.municipality_no), col(Order.status), closed_ok,
               col(Order.cancelled))  # fmt: skip
    query = _scoped(
        sa_select(*columns, func.count()).group_by(*columns), scope, col(Order.id),
        Order.technician_id,
    )  # fmt: skip
    return [
        OrderCount(stage, municipality, str(status), bool(is_ok), bool(cancelled), n)
        for stage, municipality, status, is_ok, cancelled, n in session.execute(query)
    ]


def done_per_technician(session: Session, ok: str) -> Counter[str]:
    """Orders closed with `ok` now, per technician (an order keeps its technician once
    closed; none: "")."""
    query = select(Order.technician_id, func.count()).where(_closed_ok(ok))
    rows = session.execute(query.group_by(Order.technician_id))
    return Counter({tech or "": n for tech, n in rows})


def planned_per_technician(
    session: Session, statuses: Iterable[Status], start: datetime, end: datetime
) -> Counter[str]:
    """How many orders in the statuses each technician has planned in [start, end)."""
    query = (
        select(Order.technician_id, func.count())
        .where(
            col(Order.technician_id).is_not(None),
            col(Order.status).in_(list(statuses)),
            col(Order.planned_start) >= start,
            col(Order.planned_start) < end,
        )
        .group_by(col(Order.technician_id))
    )
    return Counter({tech: n for tech, n in session.execute(query) if tech is not None})


def waiting_for_a_person(
    session: Session, cutoffs: list[datetime], scope: Scope
) -> tuple[int, list[int]]:
    """How many orders wait for a person now (an open follow-up reason), and how many of
    them have waited since each cutoff or longer (since their oldest open reason)."""
    oldest = _scoped(
        select(FollowupFlag.order_id, func.min(FollowupFlag.at).label("since"))
        .join(Order, col(Order.id) == col(FollowupFlag.order_id))
        .where(col(FollowupFlag.cleared_at).is_(None), col(Order.followup_kind).is_not(None))
        .group_by(col(FollowupFlag.order_id)),
        scope, col(FollowupFlag.order_id), Order.technician_id,
    ).subquery()  # fmt: skip
    since = oldest.c.since
    counts = [func.coalesce(func.sum(case((since <= cutoff, 1), else_=0)), 0)
              for cutoff in cutoffs]  # fmt: skip
    total, *at_least = session.execute(select(func.count(), *counts)).one()
    return total, list(at_least)


def failed_visits(session: Session, ok: str) -> list[tuple[int, str | None, str | None, datetime]]:
    """(order id, resolution, technician, own time) of every `resolve` history row with a
    resolution other than `ok` (a failed visit)."""
    query = select(History.order_id, History.resolution, History.technician_id, _own_time())
    query = query.where(History.transition == "resolve", History.resolution != ok)
    return [(order_id, code, tech, at) for order_id, code, tech, at in session.execute(query)]

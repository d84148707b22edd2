"""Queries for follow-up flags (the reasons an order needs a person) and the follow-up
list: the orders that need a person and their open reasons."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, func, or_, select

from amsplan.domain.followups import FollowupKind
from amsplan.domain.statuses import Status
from amsplan.store.chunks import CHUNK
from amsplan.store.models import FollowupFlag, Order
from amsplan.store.orders import of_technician_between


def clear(
    session: Session,
    order_id: int,
    at: datetime,
    user: str,
    kinds: Iterable[FollowupKind] | None = None,
) -> None:
    """Settle the order's open flags (only those of `kinds`, when given).

    The flags loaded in the session are brought up to date by the ids the UPDATE returns
    ("fetch"), not by testing every object the session holds (the default), which made
    a run of replies quadratic in the orders it touched."""
    query = update(FollowupFlag).where(
        col(FollowupFlag.order_id) == order_id, col(FollowupFlag.cleared_at).is_(None)
    )
    if kinds is not None:
        query = query.where(col(FollowupFlag.kind).in_(list(kinds)))
    query = query.values(cleared_at=at, cleared_by=user)
    session.execute(query.execution_options(synchronize_session="fetch"))


def open_flags_of(session: Session, order_id: int) -> list[FollowupFlag]:
    """The order's open flags, newest first."""
    return open_flags(session, [order_id]).get(order_id, [])


def needing_a_person(
    session: Session,
    today: date,
    tech_id: str | None = None,
    between: tuple[datetime, datetime] | None = None,
    limit: int | None = None,
) -> list[Order]:
    """Orders in manual follow-up, rejected upstream, held past their hold date, or with
    an open follow-up reason (of one technician; planned in [start, end) UTC), by
    appointment (the unplanned last), then number; the first `limit` when given."""
    query = _needing_a_person(select(Order), today, tech_id, between)
    query = query.order_by(
        col(Order.planned_start).is_(None), col(Order.planned_start), col(Order.order_no)
    )
    return list(session.exec(query.limit(limit)))


def count_needing_a_person(
    session: Session,
    today: date,
    tech_id: str | None = None,
    between: tuple[datetime, datetime] | None = None,
) -> int:
    """How many orders needing_a_person finds."""
    query = _needing_a_person(select(func.count()).select_from(Order), today, tech_id, between)
    return int(session.exec(query).one())


def _needing_a_person(
    query: Any, today: date, tech_id: str | None, between: tuple[datetime, datetime] | None
) -> Any:
    query = query.where(
        or_(
            col(Order.status).in_([Status.MANUAL_FOLLOWUP, Status.REJECTED_QUANT]),
            (col(Order.status) == Status.ON_HOLD) & (col(Order.hold_until) <= today),
            # "is not null" as the kinds there are: SQLite then reads the follow-up
            # orders by index, not every order.
            col(Order.followup_kind).in_(list(FollowupKind)),
        )
    )
    return of_technician_between(query, tech_id, between)


def open_flags(session: Session, order_ids: list[int]) -> dict[int, list[FollowupFlag]]:
    """Each order's open follow-up flags, newest first."""
    found: dict[int, list[FollowupFlag]] = {}
    for i in range(0, len(order_ids), CHUNK):
        query = select(FollowupFlag).where(
            col(FollowupFlag.order_id).in_(order_ids[i : i + CHUNK]),
            col(FollowupFlag.cleared_at).is_(None),
        )
        for flag in session.exec(query.order_by(col(FollowupFlag.id).desc())):
            found.setdefault(flag.order_id, []).append(flag)
    return found

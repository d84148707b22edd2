"""Queries for follow-up flags (the reasons an order needs a person) and the follow-up
list: the orders that need a person and their open reasons."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import Session, col, or_, select

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
    """Settle the order's open flags (only those of `kinds`, when given)."""
    query = update(FollowupFlag).where(
        col(FollowupFlag.order_id) == order_id, col(FollowupFlag.cleared_at).is_(None)
    )
    if kinds is not None:
        query = query.where(col(FollowupFlag.kind).in_(list(kinds)))
    session.execute(query.values(cleared_at=at, cleared_by=user))


def open_flags_of(session: Session, order_id: int) -> list[FollowupFlag]:
    """The order's open flags, newest first."""
    return open_flags(session, [order_id]).get(order_id, [])


def needing_a_person(
    session: Session,
    today: date,
    tech_id: str | None = None,
    between: tuple[datetime, datetime] | None = None,
) -> list[Order]:
    """Orders in manual follow-up, rejected upstream, held past their hold date, or with
    an open follow-up reason (of one technician; planned in [start, end) UTC)."""
    query = select(Order).where(
        or_(
            Order.status == Status.MANUAL_FOLLOWUP,
            Order.status == Status.REJECTED_QUANT,
            (col(Order.status) == Status.ON_HOLD) & (col(Order.hold_until) <= today),
            col(Order.followup_kind).is_not(None),
        )
    )
    return list(session.exec(of_technician_between(query, tech_id, between)))


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

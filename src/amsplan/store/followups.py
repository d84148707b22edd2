"""Queries for follow-up flags (the reasons an order needs a person)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from amsplan.domain.followups import FollowupKind
from amsplan.store.models import FollowupFlag


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


def open_flags(session: Session, order_id: int) -> list[FollowupFlag]:
    """The order's open flags, newest first."""
    query = select(FollowupFlag).where(
        col(FollowupFlag.order_id) == order_id, col(FollowupFlag.cleared_at).is_(None)
    )
    return list(session.exec(query.order_by(col(FollowupFlag.id).desc())))

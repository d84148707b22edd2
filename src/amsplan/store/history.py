"""Queries for the history of transitions (append-only)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from amsplan.domain import rules
from amsplan.domain.statuses import Status
from amsplan.store.chunks import chunks
from amsplan.store.models import History


def last_transitions(session: Session, order_ids: Iterable[int]) -> dict[int, tuple[str, datetime]]:
    """Each order's newest transition and when (aware UTC)."""
    last: dict[int, tuple[str, datetime]] = {}
    for chunk in chunks(set(order_ids)):
        latest = select(func.max(History.id)).where(col(History.order_id).in_(chunk))
        query = select(History.order_id, History.transition, History.at).where(
            col(History.id).in_(latest.group_by(col(History.order_id)))
        )
        last.update((i, (transition, rules.utc(at))) for i, transition, at in session.exec(query))
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

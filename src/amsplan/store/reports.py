"""Queries of the reports: the history rows progress is counted from, the orders
awaiting a reply, the technicians' coming load, counts for the dashboard, the failed
visits (counts by status: amsplan.store.counts)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, or_, select

from amsplan.domain.statuses import Status
from amsplan.store.models import History, Order


def progress_rows(session: Session, tech_id: str | None) -> list[tuple[History, str | None]]:
    """(history row, the order's resolution) of every row that closed an order, made it
    ready for execution or resolved a visit (of the technician on the row), oldest first."""
    query = (
        select(History, Order.resolution)
        .join(Order, col(Order.id) == col(History.order_id))
        .where(
            or_(
                History.to_status == Status.CLOSED,
                History.to_status == Status.READY_FOR_EXECUTION,
                History.transition == "resolve",
            )
        )
        .order_by(col(History.at), col(History.id))
    )
    if tech_id:
        query = query.where(History.technician_id == tech_id)
    return [(h, resolution) for h, resolution in session.exec(query)]


def awaiting(session: Session, tech_id: str | None) -> list[tuple[int, datetime]]:
    """(order id, since when) of every order awaiting a reply now (of the technician)."""
    query = select(Order.id, Order.awaiting_since, Order.updated_at).where(
        Order.status == Status.AWAITING_RESPONSE
    )
    if tech_id:
        query = query.where(Order.technician_id == tech_id)
    return [
        (order_id, since or updated)
        for order_id, since, updated in session.exec(query)
        if order_id is not None
    ]


def count_cancelled(session: Session) -> int:
    return session.exec(select(func.count()).where(col(Order.cancelled))).one()


def count_closed_with(session: Session, resolution: str) -> int:
    """Orders closed with this resolution."""
    query = select(func.count()).where(
        Order.status == Status.CLOSED, Order.resolution == resolution
    )
    return session.exec(query).one()


def planned_per_technician(
    session: Session, statuses: Iterable[Status], start: datetime, end: datetime
) -> dict[str, int]:
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
    return {tech: count for tech, count in session.exec(query) if tech is not None}


def failed_visit_rows(session: Session, ok: str) -> list[History]:
    """Every `resolve` history row with a resolution other than `ok` (a failed visit)."""
    query = select(History).where(History.transition == "resolve", History.resolution != ok)
    return list(session.exec(query))

"""Queries of the exports: orders for the technicians' mobile system, closed orders for
validation upstream."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from amsplan.domain.statuses import Status
from amsplan.store.models import Order, Technician


def ready_for_execution(
    session: Session,
    tech_id: str | None,
    order_nos: list[str] | None,
    start: datetime | None,
    end: datetime | None,
) -> list[tuple[Order, Technician | None]]:
    """(order, its technician) of the orders ready for execution and not cancelled (of a
    technician, with these numbers, planned in [start, end) UTC), by technician and time."""
    query = (
        select(Order, Technician)
        .join(Technician, col(Technician.id) == col(Order.technician_id), isouter=True)
        .where(
            Order.status == Status.READY_FOR_EXECUTION,
            col(Order.cancelled).is_(False),  # never send a technician to a cancelled order
        )
    )
    if tech_id:
        query = query.where(Order.technician_id == tech_id)
    if order_nos is not None:
        query = query.where(col(Order.order_no).in_(order_nos))
    if start:
        query = query.where(col(Order.planned_start) >= start)
    if end:
        query = query.where(col(Order.planned_start) < end)
    query = query.order_by(col(Order.technician_id), col(Order.planned_start))
    return [(order, tech) for order, tech in session.exec(query)]


def closed_not_validated(session: Session, resolution: str) -> list[Order]:
    """Closed orders with the resolution not exported for validation yet, by resolution
    time; locked for update (orders another export holds are skipped)."""
    query = (
        select(Order)
        .where(
            Order.status == Status.CLOSED,
            Order.resolution == resolution,
            col(Order.validation_exported_at).is_(None),
        )
        .order_by(col(Order.resolved_at), col(Order.id))
        .with_for_update(skip_locked=True)
    )
    return list(session.exec(query))

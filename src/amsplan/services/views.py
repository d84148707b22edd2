"""Read-only views: status counts and the follow-up list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import select

from amsplan import clock
from amsplan.models import Order
from amsplan.services.context import Context
from amsplan.workflow.statuses import Status


def status_counts(ctx: Context) -> dict[Status, int]:
    with ctx.session(readonly=True) as s:
        rows = s.exec(select(Order.status, func.count()).group_by(Order.status)).all()
    counts = dict.fromkeys(Status, 0)
    for status, count in rows:
        counts[Status(status)] = count
    return counts


@dataclass
class FollowUp:
    order_no: str
    customer_name: str
    phone: str
    status: Status
    technician_id: str | None
    appointment: datetime | None  # local
    reason: str
    since: datetime | None  # local


def followup_list(
    ctx: Context, tech_id: str | None = None, day: date | None = None
) -> list[FollowUp]:
    """Every order that needs a person, with why, by appointment date."""
    tz = ctx.settings.tz
    today = clock.to_local(ctx.now(), tz).date()
    with ctx.session(readonly=True) as s:
        query = select(Order).where(
            (Order.status == Status.MANUAL_FOLLOWUP.value)
            | ((Order.status == Status.ON_HOLD.value) & (Order.hold_until <= today))
        )
        if tech_id:
            query = query.where(Order.technician_id == tech_id)
        if day:
            start, end = clock.day_bounds(day, tz)
            query = query.where(Order.planned_start >= start, Order.planned_start < end)
        orders = list(s.exec(query))
    items = []
    for o in orders:
        if o.status == Status.ON_HOLD.value:
            reason = f"hold date {o.hold_until:%d.%m.%Y} has passed"
        else:
            reason = o.followup_reason or "manual follow-up"
        if o.cancelled:
            reason = "cancelled; " + reason
        items.append(
            FollowUp(
                o.order_no,
                o.customer_name,
                o.phone,
                Status(o.status),
                o.technician_id,
                clock.to_local(o.planned_start, tz) if o.planned_start else None,
                reason,
                clock.to_local(o.updated_at, tz),
            )
        )
    items.sort(key=lambda f: (f.appointment is None, f.appointment or datetime.min, f.order_no))
    return items

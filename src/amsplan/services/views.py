"""Read-only views: status counts and the follow-up list."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import text
from sqlmodel import select

from amsplan import clock
from amsplan.domain import followups
from amsplan.domain.followups import FollowupKind
from amsplan.domain.statuses import Status
from amsplan.services.context import Context


def status_counts(ctx: Context) -> dict[Status, int]:
    # Plain SQL: `amsplan status` should start fast, without building the ORM models.
    with ctx.session(readonly=True) as s:
        rows = s.execute(text("SELECT status, count(*) FROM work_order GROUP BY status")).all()
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
    kind: str
    reason: str
    since: datetime | None  # local
    kinds: list[str] = field(default_factory=list)  # every open reason, most important first


def followup_list(
    ctx: Context, tech_id: str | None = None, day: date | None = None, kind: str | None = None
) -> list[FollowUp]:
    """Every order that needs a person, with why, by appointment date."""
    from amsplan.store.models import Order

    tz = ctx.settings.tz
    today = clock.to_local(ctx.now(), tz).date()
    with ctx.session(readonly=True) as s:
        query = select(Order).where(
            (Order.status == Status.MANUAL_FOLLOWUP.value)
            | (Order.status == Status.REJECTED_QUANT.value)
            | ((Order.status == Status.ON_HOLD.value) & (Order.hold_until <= today))
            | Order.followup_kind.is_not(None)
        )
        if tech_id:
            from amsplan.store.technicians import get_technician

            get_technician(s, tech_id)
            query = query.where(Order.technician_id == tech_id)
        if day:
            start, end = clock.day_bounds(day, tz)
            query = query.where(Order.planned_start >= start, Order.planned_start < end)
        orders = list(s.exec(query))
        flags = _open_flags(s, [o.id for o in orders])
    items = []
    for o in orders:
        if o.status == Status.ON_HOLD.value:
            why, reason = "hold_passed", f"hold date {o.hold_until:%d.%m.%Y} has passed"
        elif o.status == Status.REJECTED_QUANT.value:
            why, reason = "rejected", o.followup_reason or FollowupKind.REJECTED.text
        else:
            why = o.followup_kind or "manual"
            reason = o.followup_reason or FollowupKind(why).text
        others = [f for f in flags.get(o.id, []) if (f.kind, f.reason) != (why, reason)]
        if others:
            reason += "; also: " + "; ".join(f"{f.kind}: {f.reason}" for f in others)
        if o.cancelled and why != "cancelled":
            reason = "cancelled; " + reason
        kinds = list(dict.fromkeys([why, *(f.kind for f in others)]))
        items.append(
            FollowUp(
                o.order_no,
                o.customer_name,
                o.phone,
                Status(o.status),
                o.technician_id,
                clock.to_local(o.planned_start, tz) if o.planned_start else None,
                why,
                reason,
                clock.to_local(o.updated_at, tz),
                kinds,
            )
        )
    if kind:
        items = [f for f in items if kind in f.kinds]
    items.sort(key=lambda f: (f.appointment is None, f.appointment or datetime.min, f.order_no))
    return items


def _open_flags(s, order_ids: list[int]) -> dict:
    """Each order's open follow-up reasons, most important first (newest first within a
    kind), one per kind and reason."""
    from amsplan.store.models import FollowupFlag

    found: dict[int, list] = {}
    for i in range(0, len(order_ids), 5000):
        query = select(FollowupFlag).where(
            FollowupFlag.order_id.in_(order_ids[i : i + 5000]), FollowupFlag.cleared_at.is_(None)
        )
        for flag in s.exec(query.order_by(FollowupFlag.id.desc())):
            found.setdefault(flag.order_id, []).append(flag)
    result: dict[int, list] = {}
    for order_id, flags in found.items():
        unique: dict = {}
        for flag in sorted(flags, key=lambda f: followups.rank(f.kind)):  # stable: newest first
            unique.setdefault((flag.kind, flag.reason), flag)
        result[order_id] = list(unique.values())
    return result

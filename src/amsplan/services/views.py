"""Read-only views: status counts and the follow-up list."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from amsplan import clock
from amsplan.domain import followlist
from amsplan.domain.followlist import Flag
from amsplan.domain.statuses import Status
from amsplan.services.context import Context
from amsplan.store.counts import status_counts as count_statuses


def status_counts(ctx: Context) -> dict[Status, int]:
    """How many orders are in each status (every status, zero included)."""
    with ctx.session(readonly=True) as s:
        rows = count_statuses(s)
    counts = dict.fromkeys(Status, 0)
    for status, count in rows.items():
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
    """Every order that needs a person, with why, by appointment (the unplanned last),
    then order number."""
    return followup_page(ctx, tech_id, day, kind)[0]


def followup_page(
    ctx: Context,
    tech_id: str | None = None,
    day: date | None = None,
    kind: str | None = None,
    limit: int | None = None,
) -> tuple[list[FollowUp], int]:
    """The first `limit` of followup_list (all without one), and how many it has. Without
    `kind` only those are read (the reasons of an order decide whether it is of a kind)."""
    tz = ctx.settings.tz
    # Here, not at the top: `amsplan status` (status_counts) starts without the ORM models.
    from amsplan.store import followups
    from amsplan.store.technicians import get_technician

    today = clock.to_local(ctx.now(), tz).date()
    with ctx.session(readonly=True) as s:
        if tech_id:
            get_technician(s, tech_id)
        between = clock.day_bounds(day, tz) if day else None
        page = None if kind or limit is None or limit < 0 else limit
        orders = followups.needing_a_person(s, today, tech_id, between, page)
        flags = followups.open_flags(s, [o.id for o in orders if o.id is not None])
        total = (
            followups.count_needing_a_person(s, today, tech_id, between)
            if page is not None and len(orders) == page
            else len(orders)
        )
    items = []
    for o in orders:
        reasons = followlist.open_reasons(Flag(f.kind, f.reason) for f in flags.get(o.id or 0, []))
        why = followlist.why(
            o.status, o.hold_until, o.followup_kind, o.followup_reason, o.cancelled, reasons
        )
        items.append(
            FollowUp(
                o.order_no,
                o.customer_name,
                o.phone,
                o.status,
                o.technician_id,
                clock.to_local(o.planned_start, tz) if o.planned_start else None,
                why.kind,
                why.reason,
                clock.to_local(o.updated_at, tz),
                why.kinds,
            )
        )
    if kind:
        items = [f for f in items if kind in f.kinds]
        total = len(items)
    return items[:limit], total

"""Exports: confirmed orders for the technicians' mobile system, completed ones for
validation upstream (each exactly once), and the failed-visits report."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlmodel import select

from amsplan import clock
from amsplan.adapters.writers import write_rows
from amsplan.config import RESOLUTION_OK
from amsplan.domain.statuses import Status
from amsplan.errors import InputError
from amsplan.services import exportfiles
from amsplan.services.context import Context
from amsplan.store.models import History, Order, Technician
from amsplan.store.technicians import get_technician

MOBILE_COLUMNS = [
    "order_no", "technician_id", "technician_name", "sequence", "start", "end",
    "customer_name", "street", "postcode", "city", "phone", "meter_point_id",
    "meter_number", "important_info", "difficult_meter", "description", "latitude", "longitude",
]  # fmt: skip
VALIDATION_COLUMNS = ["order_no", "meter_point_id", "meter_number", "resolution", "resolved_at",
                      "technician_id"]  # fmt: skip


@dataclass
class ExportResult:
    file: str
    count: int


def export_mobile(
    ctx: Context,
    path: Path,
    tech_id: str | None = None,
    start: date | None = None,
    end: date | None = None,
    fmt: str = "csv",
    order_nos: list[str] | None = None,
) -> ExportResult:
    """Orders ready for execution, by technician, day and sequence."""
    tz = ctx.settings.tz
    if start and end and end < start:
        raise InputError("--to is before --from")
    with ctx.session(readonly=True) as s:
        query = select(Order, Technician).join(
            Technician, Technician.id == Order.technician_id, isouter=True
        )
        query = query.where(
            Order.status == Status.READY_FOR_EXECUTION.value,
            Order.cancelled == False,  # noqa: E712  (never send a technician to a cancelled order)
        )
        if tech_id:
            get_technician(s, tech_id)
            query = query.where(Order.technician_id == tech_id)
        if order_nos is not None:
            query = query.where(Order.order_no.in_(order_nos))
        if start:
            query = query.where(Order.planned_start >= clock.day_bounds(start, tz)[0])
        if end:
            query = query.where(Order.planned_start < clock.day_bounds(end, tz)[1])
        rows, ids = [], []
        for order, tech in s.exec(query.order_by(Order.technician_id, Order.planned_start)):
            begin = clock.to_local(order.planned_start, tz) if order.planned_start else None
            finish = begin + timedelta(minutes=order.estimate_minutes or 0) if begin else None
            rows.append([
                order.order_no, order.technician_id, tech.name if tech else "",
                order.booking_seq, begin, finish, order.customer_name, order.street,
                order.postcode, order.city, order.mobile or order.phone, order.meter_point_id,
                order.meter_number, order.important_info, order.difficult_meter,
                order.description, order.latitude, order.longitude,
            ])  # fmt: skip
            ids.append(order.id)
    write_rows(path, MOBILE_COLUMNS, rows, fmt)
    if ids:
        with ctx.session() as s:
            exportfiles.record(s, ctx, "mobile", path, ids)
    return ExportResult(str(path), len(rows))


def export_validation(ctx: Context, path: Path, fmt: str = "csv") -> ExportResult:
    """Closed orders with resolution OK not exported before; each is exported once."""
    now = ctx.now()
    tz = ctx.settings.tz
    with ctx.session() as s:
        query = (
            select(Order)
            .where(
                Order.status == Status.CLOSED.value,
                Order.resolution == RESOLUTION_OK,
                Order.validation_exported_at.is_(None),
            )
            .order_by(Order.resolved_at, Order.id)
            .with_for_update(skip_locked=True)
        )
        orders = list(s.exec(query))
        rows = []
        for order in orders:
            resolved = clock.to_local(order.resolved_at, tz) if order.resolved_at else None
            rows.append([order.order_no, order.meter_point_id, order.meter_number,
                         order.resolution, resolved, order.technician_id])  # fmt: skip
            order.validation_exported_at = now
            s.add(order)
        write_rows(path, VALIDATION_COLUMNS, rows, fmt)  # on disk before the commit
        exportfiles.record(s, ctx, "validation", path, [o.id for o in orders])
    return ExportResult(str(path), len(rows))


@dataclass
class FailedVisits:
    by: str
    counts: list[tuple[str, int]]
    total: int


def failed_visits(
    ctx: Context, by: str = "reason", order_ids: set[int] | None = None
) -> FailedVisits:
    """Every failed visit ("bomtur") ever returned, counted by reason, technician or week."""
    if by not in ("reason", "tech", "week"):
        raise InputError(f"--by {by!r}: use reason, tech or week")
    tz = ctx.settings.tz
    with ctx.session(readonly=True) as s:
        rows = s.exec(
            select(History).where(
                History.transition == "resolve", History.resolution != RESOLUTION_OK
            )
        ).all()
    if order_ids is not None:
        rows = [h for h in rows if h.order_id in order_ids]
    counts: Counter[str] = Counter()
    for h in rows:
        if by == "reason":
            key = h.resolution or "?"
        elif by == "tech":
            key = h.technician_id or "-"
        else:
            year, week, _ = clock.to_local(h.at, tz).isocalendar()
            key = f"{year}-W{week:02d}"
        counts[key] += 1
    ordered = sorted(counts.items()) if by == "week" else counts.most_common()
    return FailedVisits(by, ordered, len(rows))

"""Exports: confirmed orders for the technicians' mobile system, completed ones for
validation upstream (each exactly once), and the failed-visits report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from amsplan import clock
from amsplan.adapters.writers import write_rows
from amsplan.config import RESOLUTION_OK
from amsplan.domain.reports import check_failed_by, count_failed
from amsplan.errors import InputError
from amsplan.i18n import _
from amsplan.services import exportfiles
from amsplan.services.context import Context
from amsplan.store import exports as store
from amsplan.store.reports import failed_visits as failed_visits_of
from amsplan.store.technicians import get_technician

MOBILE_COLUMNS = [
    "order_no", "technician_id", "technician_name", "sequence", "start", "end",
    "customer_name", "street", "postcode", "city", "phone", "email", "meter_point_id",
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
        raise InputError(_("--to is before --from"))
    with ctx.session(readonly=True) as s:
        if tech_id:
            get_technician(s, tech_id)
        found = store.ready_for_execution(
            s, tech_id, order_nos,
            clock.day_bounds(start, tz)[0] if start else None,
            clock.day_bounds(end, tz)[1] if end else None,
        )  # fmt: skip
        rows: list[list[object]] = []
        ids: list[int | None] = []
        for order, tech in found:
            begin = clock.to_local(order.planned_start, tz) if order.planned_start else None
            finish = begin + timedelta(minutes=order.estimate_minutes or 0) if begin else None
            rows.append([
                order.order_no, order.technician_id, tech.name if tech else "",
                order.booking_seq, begin, finish, order.customer_name, order.street,
                order.postcode, order.city, order.mobile or order.phone, order.email,
                order.meter_point_id, order.meter_number, order.important_info,
                order.difficult_meter, order.description, order.latitude, order.longitude,
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
        orders = store.closed_not_validated(s, RESOLUTION_OK)
        rows: list[list[object]] = []
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
    """Every failed visit ("bomtur") ever returned, counted by reason, technician or week
    (of the visit: the return's own time)."""
    check_failed_by(by)
    with ctx.session(readonly=True) as s:
        rows = failed_visits_of(s, RESOLUTION_OK)
    if order_ids is not None:
        rows = [row for row in rows if row[0] in order_ids]
    visits = [(resolution, tech, at) for _, resolution, tech, at in rows]
    return FailedVisits(by, count_failed(visits, by, ctx.settings.tz), len(rows))

"""Queries of the order search: a filter as SQL (values always bound, never spliced),
the sorts, and the saved filters."""

from __future__ import annotations

from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from amsplan import clock
from amsplan.config import RESOLUTION_OK
from amsplan.domain import codes
from amsplan.domain.search import OrderFilter, check_sort, text_terms
from amsplan.domain.slots import natural_key
from amsplan.domain.statuses import Status
from amsplan.store.models import BookingCode, Order, SavedFilter

Q = TypeVar("Q")

SORTS: dict[str, tuple[Any, ...]] = {
    "appointment": (col(Order.planned_start), col(Order.booking_seq), col(Order.order_no)),
    "order": (col(Order.order_no),),
    "status": (col(Order.status), col(Order.order_no)),
    "postcode": (),  # by postcode, then street in natural order: see matching_numbers
    "name": (col(Order.customer_name), col(Order.order_no)),
    "updated": (col(Order.updated_at).desc(), col(Order.order_no)),
}


def where(select_: Q, flt: OrderFilter, tz: ZoneInfo, country: str) -> Q:
    """The query (a select of orders or of their columns) restricted by the filter."""
    query: Any = select_
    if flt.status:
        query = query.where(col(Order.status).in_(flt.status))
    if flt.tech:
        query = query.where(col(Order.technician_id) == flt.tech)
    if flt.date_from:
        query = query.where(col(Order.planned_start) >= clock.day_bounds(flt.date_from, tz)[0])
    if flt.date_to:
        query = query.where(col(Order.planned_start) < clock.day_bounds(flt.date_to, tz)[1])
    for column, value in ((Order.stage, flt.stage), (Order.postcode, flt.postcode),
                          (Order.municipality_no, flt.municipality),
                          (Order.owner, flt.owner)):  # fmt: skip
        if value:
            query = query.where(col(column) == value)
    if flt.meter_point:
        query = query.where(col(Order.meter_point_id) == flt.meter_point.strip())
    for flag, wanted in ((Order.important_info, flt.important),
                         (Order.difficult_meter, flt.difficult),
                         (Order.cancelled, flt.cancelled)):  # fmt: skip
        if wanted is not None:
            query = query.where(col(flag) == wanted)
    if flt.failed_visit is not None:
        failed = (col(Order.status) == Status.RESOLVED) & (col(Order.resolution) != RESOLUTION_OK)
        query = query.where(failed if flt.failed_visit else ~failed)
    if flt.text:
        for part in text_terms(flt.text, country):
            words = part.replace("\\", "\\\\").replace("%", "\\%")
            pattern = "%" + words.replace("_", "\\_") + "%"
            query = query.where(col(Order.search_text).like(pattern, escape="\\"))
    if flt.code:
        code = codes.canonical(flt.code) or "-"  # a mistyped code matches nothing
        query = query.where(
            col(Order.id).in_(select(BookingCode.order_id).where(BookingCode.code == code))
        )
    return query


def count(session: Session, flt: OrderFilter, tz: ZoneInfo, country: str) -> int:
    """How many orders the filter matches."""
    return session.exec(where(select(func.count()).select_from(Order), flt, tz, country)).one()


def orders(
    session: Session, flt: OrderFilter, tz: ZoneInfo, country: str, sort: str, limit: int | None
) -> list[Order]:
    """The orders the filter matches, sorted (not "postcode": see matching_numbers), at
    most `limit`."""
    check_sort(sort)
    query = where(select(Order), flt, tz, country).order_by(*SORTS[sort])
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query))


def matching_numbers(
    session: Session, flt: OrderFilter, tz: ZoneInfo, country: str, sort: str = "order"
) -> list[str]:
    """The numbers of the orders the filter matches, sorted."""
    check_sort(sort)
    if sort == "postcode":  # visiting order: the street sorts naturally (7 before 12)
        query = where(select(Order.order_no, Order.postcode, Order.street), flt, tz, country)
        rows = list(session.exec(query))
        ordered = sorted(rows, key=lambda r: (r[1] or "", natural_key(r[2]), r[0]))
        return [r[0] for r in ordered]
    numbers = where(select(Order.order_no), flt, tz, country).order_by(*SORTS[sort])
    return list(session.exec(numbers))


def matching_ids(session: Session, flt: OrderFilter, tz: ZoneInfo, country: str) -> set[int]:
    """The ids of the orders the filter matches."""
    return {i for i in session.exec(where(select(Order.id), flt, tz, country)) if i is not None}


def saved(session: Session, name: str) -> SavedFilter | None:
    return session.get(SavedFilter, name)


def all_saved(session: Session) -> list[SavedFilter]:
    """Every saved filter, by name."""
    return list(session.exec(select(SavedFilter).order_by(col(SavedFilter.name))))

"""Queries for work orders: by the numbers a planner types (exactly, else in any case),
and a technician's day."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, literal
from sqlmodel import Session, select

from amsplan import clock
from amsplan.domain.slots import OCCUPYING
from amsplan.domain.statuses import Status
from amsplan.errors import InputError, NotFound
from amsplan.store.models import Order

CHUNK = 5000


def find_orders(session: Session, numbers: Iterable[str], lock: bool = False) -> dict[str, Order]:
    """The orders for the given numbers, keyed by the number as given; missing ones left out.

    A number matches its order exactly first; the numbers not found so are matched in bulk
    by upper(order_no) (an expression index). Two orders whose numbers differ only by case
    and neither exactly as typed: InputError naming both.
    """
    wanted = list(dict.fromkeys(numbers))
    found: dict[str, Order] = {}
    for i in range(0, len(wanted), CHUNK):
        query = select(Order).where(Order.order_no.in_(wanted[i : i + CHUNK]))
        found.update((o.order_no, o) for o in session.exec(_locked(query, lock)))
    rest: dict[str, list[str]] = {}
    for number in wanted:
        if number not in found:
            rest.setdefault(_upper(number), []).append(number)
    keys = list(rest)
    for i in range(0, len(keys), CHUNK):
        query = select(Order).where(func.upper(Order.order_no).in_(keys[i : i + CHUNK]))
        by_upper: dict[str, list[Order]] = {}
        for order in session.exec(_locked(query, lock)):
            by_upper.setdefault(_upper(order.order_no), []).append(order)
        for key, orders in by_upper.items():
            if key not in rest:
                continue
            if len(orders) > 1:
                both = " and ".join(sorted(o.order_no for o in orders))
                raise InputError(f"{rest[key][0]} matches {both}; type the order number exactly")
            for number in rest[key]:
                found[number] = orders[0]
    return found


def same_number(column, number: str):
    """SQL condition: `column` holds `number` in any (ASCII) case. As the written forms
    (AMS-1, ams-1, Ams-1, ...) when there are few, so a plain index on the column serves;
    else by upper(column)."""
    forms = case_forms(number)
    if forms is None:
        return func.upper(column) == func.upper(literal(number))
    return column.in_(forms)


def case_forms(number: str, limit: int = 256) -> list[str] | None:
    """Every way to write `number` in upper and lower case (ASCII letters; what _upper
    treats as one number); None when there are more than `limit`."""
    if 2 ** sum(ch.isascii() and ch.isalpha() for ch in number) > limit:
        return None
    forms = [""]
    for ch in number:
        cases = dict.fromkeys((ch.lower(), ch.upper()) if ch.isascii() else (ch,))
        forms = [form + case for form in forms for case in cases]
    return forms


def _upper(number: str) -> str:
    """Upper case as both databases agree on it (ASCII letters)."""
    return "".join(ch.upper() if ch.isascii() else ch for ch in number)


def _locked(query, lock: bool):
    return query.with_for_update() if lock else query


def get_order(session: Session, order_no: str) -> Order:
    """The order with this number (exactly, else in any case); NotFound if none."""
    order = find_orders(session, [order_no]).get(order_no)
    if order is None:
        raise NotFound(f"no order {order_no!r}")
    return order


def load_orders(session: Session, order_nos: list[str]) -> list[Order]:
    """The orders in the given order (numbers in any case), locked for update; NotFound
    naming every missing one, InputError for an order given twice."""
    counts = Counter(order_nos)
    dupes = sorted(n for n, k in counts.items() if k > 1)
    if dupes:
        raise InputError(f"order given twice: {', '.join(dupes)}")
    found = find_orders(session, order_nos, lock=True)
    missing = [n for n in order_nos if n not in found]
    if missing:
        raise NotFound(f"no such order: {', '.join(missing)}")
    orders = [found[n] for n in order_nos]
    if len({o.id for o in orders}) < len(orders):
        seen: dict[int | None, str] = {}
        twice = []
        for number, order in zip(order_nos, orders, strict=True):
            if order.id in seen:
                twice.append(f"{seen[order.id]} and {number}")
            seen.setdefault(order.id, number)
        raise InputError(f"order given twice: {', '.join(twice)}")
    return orders


def day_orders(
    session: Session,
    tz: ZoneInfo,
    tech_id: str,
    day: date,
    statuses: Iterable[Status] = OCCUPYING,
) -> list[Order]:
    """The technician's orders planned on the local calendar day, by time; locked."""
    start, end = clock.day_bounds(day, tz)
    return orders_between(session, tech_id, start, end, statuses)


def orders_between(
    session: Session,
    tech_id: str,
    start: datetime,
    end: datetime,
    statuses: Iterable[Status] = OCCUPYING,
) -> list[Order]:
    """The technician's orders planned in [start, end) (UTC), by time; locked for update."""
    query = (
        select(Order)
        .where(
            Order.technician_id == tech_id,
            Order.planned_start >= start,
            Order.planned_start < end,
            Order.status.in_([s.value for s in statuses]),
        )
        .order_by(Order.planned_start, Order.booking_seq, Order.order_no)
        .with_for_update()
    )
    return list(session.exec(query))


def resequence(session: Session, tz: ZoneInfo, tech_id: str, day: date) -> None:
    """Booking sequence 1..n by start time for the technician's day."""
    for seq, order in enumerate(day_orders(session, tz, tech_id, day), start=1):
        if order.booking_seq != seq:
            order.booking_seq = seq
            session.add(order)

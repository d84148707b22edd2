"""Finding orders by the numbers a planner types: exactly, else whatever their case."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, literal
from sqlmodel import Session, select

from amsplan.errors import InputError
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

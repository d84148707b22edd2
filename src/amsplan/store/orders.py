"""Queries for work orders: by the numbers a planner types (exactly, else in any case),
by id, a technician's day, everyone's planned orders, and the import's plain-row reads
and writes. Locking (SELECT ... FOR UPDATE) is a parameter: a dry run reads unlocked."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, and_, bindparam, event, func, inspect, literal, literal_column, or_
from sqlalchemy.engine import Dialect
from sqlalchemy.orm.attributes import NO_VALUE
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from amsplan import clock
from amsplan.domain.slots import OCCUPYING
from amsplan.domain.statuses import Status
from amsplan.errors import InputError, NotFound
from amsplan.i18n import _
from amsplan.store.bulk import Prepared, add_table_rows, prepare, run_many
from amsplan.store.chunks import CHUNK, chunks, locked
from amsplan.store.models import Order
from amsplan.store.technicians import get_technician

# The orders table itself, for the import's plain rows (SQLModel leaves it untyped).
_TABLE: Table = Order.__table__  # type: ignore[attr-defined]


def find_orders(session: Session, numbers: Iterable[str], lock: bool = False) -> dict[str, Order]:
    """The orders for the given numbers, keyed by the number as given; missing ones left out.

    A number matches its order exactly first; the numbers not found so are matched in bulk
    by upper(order_no) (an expression index). Two orders whose numbers differ only by case
    and neither exactly as typed: InputError naming both.
    """
    wanted = list(dict.fromkeys(numbers))
    found: dict[str, Order] = {}
    for i in range(0, len(wanted), CHUNK):
        query = select(Order).where(col(Order.order_no).in_(wanted[i : i + CHUNK]))
        found.update((o.order_no, o) for o in session.exec(locked(query, lock)))
    rest: dict[str, list[str]] = {}
    for number in wanted:
        if number not in found:
            rest.setdefault(_upper(number), []).append(number)
    keys = list(rest)
    for i in range(0, len(keys), CHUNK):
        query = select(Order).where(func.upper(col(Order.order_no)).in_(keys[i : i + CHUNK]))
        by_upper: dict[str, list[Order]] = {}
        for order in session.exec(locked(query, lock)):
            by_upper.setdefault(_upper(order.order_no), []).append(order)
        for key, orders in by_upper.items():
            if key not in rest:
                continue
            if len(orders) > 1:
                both = " and ".join(sorted(o.order_no for o in orders))
                raise InputError(
                    _("{typed} matches {both}; type the order number exactly").format(
                        typed=rest[key][0], both=both
                    )
                )
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


def get_order(session: Session, order_no: str) -> Order:
    """The order with this number (exactly, else in any case); NotFound if none."""
    order = find_orders(session, [order_no]).get(order_no)
    if order is None:
        raise NotFound(_("no order {order!r}").format(order=order_no))
    return order


def load_orders(session: Session, order_nos: list[str], lock: bool = True) -> list[Order]:
    """The orders in the given order (numbers in any case), locked for update (unless not
    `lock`: a dry run); NotFound naming every missing one, InputError for an order given
    twice."""
    counts = Counter(order_nos)
    dupes = sorted(n for n, k in counts.items() if k > 1)
    if dupes:
        raise InputError(_("order given twice: {orders}").format(orders=", ".join(dupes)))
    found = find_orders(session, order_nos, lock=lock)
    missing = [n for n in order_nos if n not in found]
    if missing:
        raise NotFound(_("no such order: {orders}").format(orders=", ".join(missing)))
    orders = [found[n] for n in order_nos]
    if len({o.id for o in orders}) < len(orders):
        seen: dict[int | None, str] = {}
        twice = []
        for number, order in zip(order_nos, orders, strict=True):
            if order.id in seen:
                twice.append(f"{seen[order.id]} and {number}")
            seen.setdefault(order.id, number)
        raise InputError(_("order given twice: {orders}").format(orders=", ".join(twice)))
    return orders


def day_orders(
    session: Session,
    tz: ZoneInfo,
    tech_id: str,
    day: date,
    statuses: Iterable[Status] = OCCUPYING,
    lock: bool = True,
) -> list[Order]:
    """The technician's orders planned on the local calendar day, by time; locked
    (unless not `lock`)."""
    start, end = clock.day_bounds(day, tz)
    return orders_between(session, tech_id, start, end, statuses, lock)


def days_orders(
    session: Session,
    tz: ZoneInfo,
    days: Iterable[tuple[str, date]],
    statuses: Iterable[Status] = OCCUPYING,
    lock: bool = True,
) -> dict[tuple[str, date], list[Order]]:
    """The orders of each (technician, local calendar day), by time as day_orders: one
    query per day for all its technicians; locked (unless not `lock`)."""
    found: dict[tuple[str, date], list[Order]] = {key: [] for key in days}
    by_day: dict[date, list[str]] = {}
    for tech_id, day in found:
        by_day.setdefault(day, []).append(tech_id)
    for day, techs in sorted(by_day.items()):
        start, end = clock.day_bounds(day, tz)
        query = (
            select(Order)
            .where(
                col(Order.technician_id).in_(techs),
                col(Order.planned_start) >= start,
                col(Order.planned_start) < end,
                col(Order.status).in_(list(statuses)),
            )
            .order_by(col(Order.planned_start), col(Order.booking_seq), col(Order.order_no))
        )
        for order in session.exec(locked(query, lock)):
            found[(order.technician_id or "", day)].append(order)
    return found


def orders_between(
    session: Session,
    tech_id: str,
    start: datetime,
    end: datetime,
    statuses: Iterable[Status] = OCCUPYING,
    lock: bool = True,
) -> list[Order]:
    """The technician's orders planned in [start, end) (UTC), by time; locked for update
    (unless not `lock`)."""
    query = (
        select(Order)
        .where(
            Order.technician_id == tech_id,
            col(Order.planned_start) >= start,
            col(Order.planned_start) < end,
            col(Order.status).in_(list(statuses)),
        )
        .order_by(col(Order.planned_start), col(Order.booking_seq), col(Order.order_no))
    )
    return list(session.exec(locked(query, lock)))


def planned_between(
    session: Session, start: datetime, end: datetime, statuses: Iterable[Status], lock: bool = False
) -> list[Order]:
    """Every technician's orders in the statuses planned in [start, end) (UTC), by
    technician and time."""
    query = (
        select(Order)
        .where(
            col(Order.status).in_(list(statuses)),
            col(Order.planned_start) >= start,
            col(Order.planned_start) < end,
            col(Order.technician_id).is_not(None),
        )
        .order_by(col(Order.technician_id), col(Order.planned_start))
    )
    return list(session.exec(locked(query, lock)))


def of_technician_between(
    query: Any, tech_id: str | None, between: tuple[datetime, datetime] | None
) -> Any:
    """`query` (of orders) narrowed to one technician and to orders planned in
    [start, end) UTC, where given."""
    if tech_id:
        query = query.where(Order.technician_id == tech_id)
    if between:
        query = query.where(
            col(Order.planned_start) >= between[0], col(Order.planned_start) < between[1]
        )
    return query


def to_lock(
    session: Session,
    tz: ZoneInfo,
    order_nos: list[str] | None,
    tech_id: str | None,
    day: date | None,
) -> list[Order]:
    """What `lock` and `sms book` work on: the named orders; else the orders in planning
    of a technician's day, or of everyone's (locked for update)."""
    if order_nos:
        return load_orders(session, order_nos)
    if tech_id and day:
        get_technician(session, tech_id)
        return day_orders(session, tz, tech_id, day, statuses=(Status.PLANNING,))
    if day:
        start, end = clock.day_bounds(day, tz)
        return planned_between(session, start, end, (Status.PLANNING,), lock=True)
    raise InputError(_("name orders, or --date (and --tech)"))


def order_by_id(session: Session, order_id: int, lock: bool = False) -> Order | None:
    """The order with this id (locked for update if `lock`), or None."""
    return session.get(Order, order_id, with_for_update=lock)


def orders_by_id(
    session: Session, ids: Iterable[int | None], lock: bool = False
) -> dict[int, Order]:
    """The orders with these ids, keyed by id (missing ones left out)."""
    wanted = sorted({i for i in ids if i is not None})
    found: dict[int, Order] = {}
    for i in range(0, len(wanted), CHUNK):
        query = select(Order).where(col(Order.id).in_(wanted[i : i + CHUNK]))
        found.update((o.id, o) for o in session.exec(locked(query, lock)) if o.id is not None)
    return found


def resequence(session: Session, tz: ZoneInfo, tech_id: str, day: date) -> None:
    """Booking sequence 1..n by start time for the technician's day."""
    for seq, order in enumerate(day_orders(session, tz, tech_id, day), start=1):
        if order.booking_seq != seq:
            order.booking_seq = seq
            session.add(order)


# --- for the message side (replies, reminders, the SMS outbox) ------------------------------


def awaiting_from(session: Session, mobiles: Iterable[str]) -> dict[str, list[Order]]:
    """The orders waiting for an answer, by their mobile number (one of `mobiles`); locked."""
    found: dict[str, list[Order]] = {}
    for chunk in chunks(set(mobiles)):
        query = select(Order).where(
            col(Order.mobile).in_(chunk), col(Order.status) == Status.AWAITING_RESPONSE
        )
        for order in session.exec(query.with_for_update()):
            found.setdefault(order.mobile or "", []).append(order)
    return found


def awaiting_from_email(session: Session, addresses: Iterable[str]) -> dict[str, list[Order]]:
    """The orders (not cancelled) waiting for an answer, by their e-mail address (one of
    `addresses`, in any case), keyed by the address in lower case; locked.

    Found by lower(email) (an expression index). SQLite's lower() folds only ASCII
    letters, so each address is asked for in both forms: an address with a capital Æ
    matches itself on both databases, and its lower-case twin on PostgreSQL only.
    """
    wanted = {form for a in addresses for form in (a.lower(), _lower_ascii(a))}
    found: dict[str, list[Order]] = {}
    for chunk in chunks(wanted):
        query = select(Order).where(
            func.lower(col(Order.email)).in_(chunk),
            col(Order.status) == Status.AWAITING_RESPONSE,
            col(Order.cancelled) == False,  # noqa: E712
        )
        for order in session.exec(query.order_by(col(Order.id)).with_for_update()):
            found.setdefault(order.email.lower(), []).append(order)
    return found


def _lower_ascii(text: str) -> str:
    """Lower case as SQLite's lower() makes it (ASCII letters only)."""
    return "".join(ch.lower() if ch.isascii() else ch for ch in text)


def by_mobile(
    session: Session, mobiles: Iterable[str], lock: bool = False
) -> dict[str, list[Order]]:
    """Every order whose mobile number (E.164) is one of `mobiles`, by that number, in id
    order; locked (`lock`)."""
    found: dict[str, list[Order]] = {}
    for chunk in chunks(set(mobiles)):
        query = select(Order).where(col(Order.mobile).in_(chunk)).order_by(col(Order.id))
        for order in session.exec(locked(query, lock)):
            found.setdefault(order.mobile or "", []).append(order)
    return found


def awaiting_since(
    session: Session, letter_before: datetime, before: Mapping[str, datetime], lock: bool = True
) -> list[Order]:
    """Orders (not cancelled) waiting for an answer since before `before[channel]` (booked
    by that channel: "sms", "email") or `letter_before` (by letter, or any other channel),
    longest waiting first; locked, others' locked rows skipped (`lock`)."""
    by_channel = [
        and_(col(Order.booking_channel) == channel, col(Order.awaiting_since) <= since)
        for channel, since in before.items()
    ]
    by_letter = and_(
        or_(col(Order.booking_channel).not_in(list(before)), col(Order.booking_channel).is_(None)),
        col(Order.awaiting_since) <= letter_before,
    )
    query = (
        select(Order)
        .where(
            col(Order.status) == Status.AWAITING_RESPONSE,
            col(Order.cancelled) == False,  # noqa: E712
            or_(*by_channel, by_letter),
        )
        .order_by(col(Order.awaiting_since), col(Order.id))
    )
    return list(session.exec(query.with_for_update(skip_locked=True) if lock else query))


def confirmed_between(
    session: Session, start: datetime, end: datetime, lock: bool = True
) -> list[Order]:
    """Orders (not cancelled) ready for execution planned in [start, end), by time; locked,
    others' locked rows skipped (`lock`)."""
    query = (
        select(Order)
        .where(
            col(Order.status) == Status.READY_FOR_EXECUTION,
            col(Order.cancelled) == False,  # noqa: E712
            col(Order.planned_start) >= start,
            col(Order.planned_start) < end,
        )
        .order_by(col(Order.planned_start), col(Order.id))
    )
    return list(session.exec(query.with_for_update(skip_locked=True) if lock else query))


def key(order: Order) -> int:
    """The id of a stored (flushed) order."""
    if order.id is None:
        raise ValueError(f"order {order.order_no} is not stored yet")
    return order.id


# --- import: plain rows, not ORM objects (at hundreds of thousands of orders the
# difference is most of the time) ---------------------------------------------------


def existing_rows(
    session: Session, numbers: list[str], columns: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """The orders with exactly these numbers as plain rows (id and the columns), keyed
    by number."""
    orders = _TABLE
    names = list(dict.fromkeys(["order_no", *columns]))
    found: dict[str, dict[str, Any]] = {}
    for i in range(0, len(numbers), CHUNK):
        query = select(orders.c.id, *(orders.c[f] for f in names)).where(
            orders.c.order_no.in_(numbers[i : i + CHUNK])
        )
        found.update((r.order_no, r._asdict()) for r in session.execute(query))
    return found


def insert_rows(session: Session, rows: list[dict[str, Any]]) -> None:
    """New orders from plain rows (every column given)."""
    add_table_rows(session, _TABLE, rows)


def write_changed(session: Session) -> None:
    """Write the session's changed orders in a few statements: one executemany per set
    of changed columns, each row's version checked and bumped as the ORM does it
    (StaleDataError when another process changed one meanwhile). The orders are then
    clean, so the ORM's own flush, which writes a versioned row with one UPDATE each,
    has none of them left: a run that moves thousands of orders writes them at once.

    Called before every flush of every session (registered below)."""
    groups: dict[tuple[str, ...], list[tuple[Order, dict[str, Any]]]] = {}
    unchanged = []
    for order in session.dirty:
        if type(order) is not Order:
            continue
        state = inspect(order)
        if state.key is None:
            continue
        changed = {
            name: state.dict[name]
            for name, old in state.committed_state.items()
            if name in _COLUMNS and state.dict.get(name, NO_VALUE) != old
        }
        if changed:
            groups.setdefault(tuple(sorted(changed)), []).append((order, changed))
        else:
            unchanged.append(order)
    for names, group in groups.items():
        params = [
            {**changed, "_id": order.id, "_version": order.version, "_next": order.version + 1}
            for order, changed in group
        ]
        written = run_many(session, _update(names, session.connection().dialect), params)
        if written != len(params):
            raise StaleDataError(
                f"{len(params) - written} of {len(params)} orders were changed by another "
                "process meanwhile"
            )
        for order, _params in group:
            inspect(order).dict["version"] = order.version + 1
        _written(session, [order for order, _params in group])
    _written(session, unchanged)


@lru_cache(maxsize=64)
def _update(names: tuple[str, ...], dialect: Dialect) -> Prepared:
    """UPDATE of these columns of an order whose version is still the one read."""
    orders = _TABLE
    statement = (
        orders.update()
        .where(orders.c.id == bindparam("_id"), orders.c.version == bindparam("_version"))
        .values({**{n: bindparam(n) for n in names}, "version": bindparam("_next")})
    )
    return prepare(statement, dialect)


def _written(session: Session, orders: list[Order]) -> None:
    """The orders' values are the stored ones: no longer dirty, as after the ORM's flush
    (which otherwise still looks at every column of every one)."""
    for order in orders:
        state = inspect(order)
        state._commit_all(state.dict, session.identity_map)


_COLUMNS = frozenset(_TABLE.c.keys()) - {"id", "version"}
event.listen(Session, "before_flush", lambda session, _context, _objects: write_changed(session))


def update_rows(
    session: Session, rows: list[dict[str, Any]], columns: list[str], at: datetime
) -> None:
    """Orders updated from plain rows (`_id` names the order; the columns are set),
    each version bumped."""
    if not rows:
        return
    orders = _TABLE
    statement = (
        orders.update()
        .where(orders.c.id == bindparam("_id"))
        .values({
            **{f: bindparam(f) for f in columns},
            "version": orders.c.version + literal_column("1"),
            "updated_at": bindparam("_at"),
        })
    )  # fmt: skip
    prepared = prepare(statement, session.connection().dialect)
    run_many(session, prepared, [{**row, "_at": at} for row in rows])

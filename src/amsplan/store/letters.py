"""Queries of letters: by state, by file name, by order; marking them delivered,
printed or withdrawn in bulk."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from amsplan.domain.states import LIVE_LETTER, LetterState
from amsplan.domain.statuses import Status
from amsplan.store.chunks import CHUNK, chunks
from amsplan.store.models import Comment, Letter, Order
from amsplan.store.orders import of_technician_between


def in_state(session: Session, state: LetterState) -> list[Letter]:
    """Every letter in the state."""
    return list(session.exec(select(Letter).where(Letter.state == state)))


def file_names_of(session: Session, order_ids: list[int]) -> set[str]:
    """The file names of every letter of these orders."""
    names: set[str] = set()
    for i in range(0, len(order_ids), CHUNK):
        query = select(Letter.file_name).where(col(Letter.order_id).in_(order_ids[i : i + CHUNK]))
        names.update(session.exec(query))
    return names


def file_names_by_order(session: Session, order_ids: list[int]) -> dict[int, list[str]]:
    """The file names of the letters of these orders, by order id."""
    out: dict[int, list[str]] = {}
    for part in chunks(order_ids, CHUNK):
        query = select(Letter.order_id, Letter.file_name).where(col(Letter.order_id).in_(part))
        for order_id, name in session.exec(query):
            out.setdefault(order_id, []).append(name)
    return out


def mark_delivered(
    session: Session, *, names: list[str] | None = None, ids: list[int] | None = None
) -> None:
    """Staged letters with these file names (or any letters with these ids) delivered."""
    if names:
        session.execute(
            update(Letter)
            .where(col(Letter.file_name).in_(names), col(Letter.state) == LetterState.STAGED)
            .values(state=LetterState.DELIVERED)
        )
    if ids:
        session.execute(
            update(Letter).where(col(Letter.id).in_(ids)).values(state=LetterState.DELIVERED)
        )


def mark_printed(session: Session, ids: list[int], at: datetime, by: str) -> None:
    for i in range(0, len(ids), CHUNK):
        session.execute(
            update(Letter)
            .where(col(Letter.id).in_(ids[i : i + CHUNK]))
            .values(state=LetterState.PRINTED, printed_at=at, printed_by=by)
        )


def withdraw_live_of(session: Session, order_ids: list[int], at: datetime, reason: str) -> None:
    """Every live letter of these orders withdrawn (in bulk: the files are the caller's)."""
    for i in range(0, len(order_ids), CHUNK):
        session.execute(
            update(Letter)
            .where(
                col(Letter.order_id).in_(order_ids[i : i + CHUNK]),
                col(Letter.state).in_(LIVE_LETTER),
            )
            .values(state=LetterState.WITHDRAWN, withdrawn_at=at, withdrawn_reason=reason)
        )


def restart_awaiting(session: Session, order_ids: list[int], since: datetime) -> None:
    """Orders awaiting a reply by letter wait from `since` (the reminder counts from it)."""
    for i in range(0, len(order_ids), CHUNK):
        session.execute(
            update(Order)
            .where(
                col(Order.id).in_(order_ids[i : i + CHUNK]),
                col(Order.status) == Status.AWAITING_RESPONSE,
                col(Order.booking_channel) == "letter",
            )
            .values(awaiting_since=since, version=col(Order.version) + 1)
            .execution_options(synchronize_session=False)
        )


def add_comments(session: Session, rows: list[dict[str, object]]) -> None:
    """Timeline comments in bulk (plain rows: order_id, at, actor, login, kind, text)."""
    if rows:
        session.execute(insert(Comment), rows)


def live_with_orders(session: Session, names: list[str]) -> list[tuple[Letter, Order]]:
    """(letter, order) of the live letters with these file names, oldest first."""
    rows: list[tuple[Letter, Order]] = []
    for i in range(0, len(names), CHUNK):
        query = (
            select(Letter, Order)
            .join(Order, col(Order.id) == col(Letter.order_id))
            .where(
                col(Letter.file_name).in_(names[i : i + CHUNK]),
                col(Letter.state).in_(LIVE_LETTER),
            )
            .order_by(col(Letter.generated_at))
        )
        rows += [(letter, order) for letter, order in session.exec(query)]
    return rows


def delivered_named(session: Session, names: list[str]) -> list[Letter]:
    """The delivered letters with these file names, by name; locked for update."""
    rows: list[Letter] = []
    for i in range(0, len(names), CHUNK):
        rows += session.exec(
            select(Letter)
            .where(
                col(Letter.file_name).in_(names[i : i + CHUNK]),
                Letter.state == LetterState.DELIVERED,
            )
            .order_by(col(Letter.file_name))
            .with_for_update()
        ).all()
    return rows


def last_named(session: Session, name: str) -> Letter | None:
    """The newest letter with this file name."""
    query = select(Letter).where(Letter.file_name == name).order_by(col(Letter.id).desc())
    return session.exec(query.limit(1)).first()


def withdrawn_newest(session: Session, limit: int) -> list[tuple[Letter, str]]:
    """(letter, order number) of the most recently withdrawn letters, newest first."""
    query = (
        select(Letter, Order.order_no)
        .join(Order, col(Order.id) == col(Letter.order_id))
        .where(Letter.state == LetterState.WITHDRAWN)
        .order_by(col(Letter.withdrawn_at).desc(), col(Letter.id).desc())
        .limit(limit)
    )
    return [(letter, no) for letter, no in session.exec(query)]


def ready_to_print(
    session: Session, tech_id: str | None, between: tuple[datetime, datetime] | None
) -> list[Order]:
    """Orders ready to print (of one technician; planned in [start, end) UTC)."""
    query = select(Order).where(Order.status == Status.READY_TO_PRINT)
    return list(session.exec(of_technician_between(query, tech_id, between)))


def live_letters(session: Session, order_ids: Iterable[int]) -> list[Letter]:
    """The live (staged or delivered) letters of these orders."""
    found: list[Letter] = []
    for chunk in chunks(set(order_ids)):
        query = select(Letter).where(
            col(Letter.order_id).in_(chunk), col(Letter.state).in_(LIVE_LETTER)
        )
        found += session.exec(query)
    return found


def letters_named(session: Session, names: list[str]) -> list[tuple[Letter, Order]]:
    """The letters with these file names and their orders, oldest first."""
    found: list[tuple[Letter, Order]] = []
    for chunk in chunks(names):
        query = (
            select(Letter, Order)
            .join(Order, col(Order.id) == col(Letter.order_id))
            .where(col(Letter.file_name).in_(chunk))
            .order_by(col(Letter.id))
        )
        found += [(letter, order) for letter, order in session.exec(query)]
    return found

"""Queries for what is sent to customers: queued and exported SMS."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy import select as select_columns
from sqlalchemy.engine import Dialect
from sqlmodel import Session, col, func, select

from amsplan.domain.states import SmsKind, SmsState
from amsplan.store.bulk import Prepared, prepare, run_many
from amsplan.store.chunks import chunks
from amsplan.store.models import Order, Sms

# --- SMS ----------------------------------------------------------------------------------


def of_order(
    session: Session,
    order_id: int,
    kinds: Iterable[SmsKind] | None = None,
    state: SmsState | None = None,
) -> list[Sms]:
    """The order's messages (of `kinds`, in `state`, when given)."""
    query = select(Sms).where(col(Sms.order_id) == order_id)
    if kinds is not None:
        query = query.where(col(Sms.kind).in_(list(kinds)))
    if state is not None:
        query = query.where(col(Sms.status) == state)
    return list(session.exec(query))


def queued_rows(session: Session, order_ids: Iterable[int]) -> list[Any]:
    """The queued messages of these orders as plain rows (id, order_id, kind, text,
    appointment): what the truth rules read, without an ORM object each."""
    found: list[Any] = []
    for chunk in chunks(set(order_ids)):
        query = select_columns(
            col(Sms.id), col(Sms.order_id), col(Sms.kind), col(Sms.text), col(Sms.appointment)
        ).where(col(Sms.order_id).in_(chunk), col(Sms.status) == SmsState.QUEUED)
        found += session.execute(query).all()
    return found


def withdraw_queued(session: Session, withdrawn: list[tuple[int, str]], at: datetime) -> None:
    """Withdraw these queued messages: (id, why), in one statement."""
    if withdrawn:
        statement = _withdraw(session.connection().dialect)
        states = {"_queued": SmsState.QUEUED, "_withdrawn": SmsState.WITHDRAWN, "_at": at}
        run_many(session, statement, [{"_id": i, "_why": why, **states} for i, why in withdrawn])


@lru_cache(maxsize=8)
def _withdraw(dialect: Dialect) -> Prepared:
    table = Sms.__table__  # type: ignore[attr-defined]
    statement = (
        update(table)
        .where(table.c.id == bindparam("_id"), table.c.status == bindparam("_queued"))
        .values(status=bindparam("_withdrawn"), withdrawn_at=bindparam("_at"),
                withdrawn_reason=bindparam("_why"))
    )  # fmt: skip
    return prepare(statement, dialect)


def other_reminder(session: Session, message: Sms, appointment: datetime | None) -> bool:
    """Another message of the kind of `message`, not withdrawn, about `appointment`."""
    query = select(Sms.id).where(
        col(Sms.order_id) == message.order_id, col(Sms.kind) == message.kind,
        col(Sms.id) != message.id, col(Sms.appointment) == appointment,
        col(Sms.status) != SmsState.WITHDRAWN,
    )  # fmt: skip
    return session.exec(query).first() is not None


def reminded(session: Session, order_ids: Iterable[int]) -> set[tuple[int, datetime | None]]:
    """(order id, appointment) of every appointment reminder not withdrawn."""
    found: set[tuple[int, datetime | None]] = set()
    for chunk in chunks(set(order_ids)):
        query = select(Sms.order_id, Sms.appointment).where(
            col(Sms.order_id).in_(chunk),
            col(Sms.kind) == SmsKind.APPOINTMENT_REMINDER,
            col(Sms.status) != SmsState.WITHDRAWN,
        )
        found.update((i, at) for i, at in session.exec(query) if i is not None)
    return found


def batch(session: Session, name: str) -> list[Sms]:
    """The messages exported in batch `name`, in id order."""
    return list(session.exec(select(Sms).where(col(Sms.batch) == name).order_by(col(Sms.id))))


def due(session: Session, now: datetime, limit: int | None = None) -> list[Sms]:
    """Queued messages due by `now`, in due order (the first `limit`); locked (others'
    locked rows skipped)."""
    query = (
        select(Sms)
        .where(col(Sms.status) == SmsState.QUEUED, col(Sms.due_at) <= now)
        .order_by(col(Sms.due_at), col(Sms.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.exec(query))


def count_due(session: Session, now: datetime) -> int:
    """How many queued messages are due by `now`."""
    query = select(func.count()).where(col(Sms.status) == SmsState.QUEUED, col(Sms.due_at) <= now)
    return int(session.exec(query).one())


def by_ids(session: Session, ids: Iterable[int], lock: bool = False) -> dict[int, Sms]:
    """The messages with these ids, by id (locked for update when `lock`)."""
    found: dict[int, Sms] = {}
    for chunk in chunks(set(ids)):
        query = select(Sms).where(col(Sms.id).in_(chunk))
        if lock:  # in id order: two runs locking the same rows never deadlock
            query = query.order_by(col(Sms.id)).with_for_update()
        found.update((m.id, m) for m in session.exec(query) if m.id is not None)
    return found


def renew_claim(session: Session, message_id: int, reference: str, now: datetime) -> bool:
    """Renew a run's claim on a message it is about to send (sending_at = `now`), in one
    statement: False when the claim is no longer the run's (another run settled the
    message meanwhile, or queued it again under a new reference)."""
    query = (
        update(Sms)
        .where(col(Sms.id) == message_id, col(Sms.reference) == reference,
               col(Sms.status) == SmsState.SENDING)
        .values(sending_at=now)
    )  # fmt: skip
    return session.execute(query).rowcount == 1  # type: ignore[attr-defined]


def left_sending(session: Session, before: datetime) -> list[Sms]:
    """Messages claimed for sending before `before` and never settled (a run died);
    locked (others' locked rows skipped)."""
    query = (
        select(Sms)
        .where(col(Sms.status) == SmsState.SENDING, col(Sms.sending_at) < before)
        .order_by(col(Sms.id))
        .with_for_update(skip_locked=True)
    )
    return list(session.exec(query))


def listing(
    session: Session, status: str | None = None, order_id: int | None = None
) -> list[tuple[Sms, str | None]]:
    """Messages (in `status`, of the order `order_id`, when given) with their order
    numbers, newest first."""
    query = select(Sms, Order.order_no).join(
        Order, col(Order.id) == col(Sms.order_id), isouter=True
    )
    if status:
        query = query.where(col(Sms.status) == status)
    if order_id is not None:
        query = query.where(col(Sms.order_id) == order_id)
    query = query.order_by(col(Sms.created_at).desc(), col(Sms.id).desc())
    return [(message, number) for message, number in session.exec(query)]

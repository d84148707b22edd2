"""Queries for e-mail: the messages amsplan sends (email_message)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, col, select

from amsplan.domain.states import EmailKind, EmailState
from amsplan.store.chunks import chunks, locked
from amsplan.store.models import EmailMessage

# --- sent e-mail --------------------------------------------------------------------------


def messages(session: Session, ids: Iterable[int], lock: bool = False) -> list[EmailMessage]:
    """The messages with these ids, in id order (locked for update when `lock`)."""
    found: list[EmailMessage] = []
    for chunk in chunks(set(ids)):
        query = select(EmailMessage).where(col(EmailMessage.id).in_(chunk))
        found += session.exec(locked(query, lock))
    return sorted(found, key=lambda m: m.id or 0)


def left_sending(
    session: Session, before: datetime, kinds: Iterable[EmailKind]
) -> list[EmailMessage]:
    """Messages of these kinds still "sending" since before `before` (their run died
    mid-send); locked, others' locked rows skipped."""
    query = (
        select(EmailMessage)
        .where(col(EmailMessage.state) == EmailState.SENDING, col(EmailMessage.sending_at) < before)
        .where(col(EmailMessage.kind).in_(list(kinds)))
        .order_by(col(EmailMessage.id))
        .with_for_update(skip_locked=True)
    )
    return list(session.exec(query))


def in_state(
    session: Session, states: Iterable[EmailState], kind: EmailKind | None = None
) -> list[EmailMessage]:
    """Messages in these states (of `kind`), oldest first."""
    query = select(EmailMessage).where(col(EmailMessage.state).in_(list(states)))
    if kind is not None:
        query = query.where(col(EmailMessage.kind) == kind)
    return list(session.exec(query.order_by(col(EmailMessage.sending_at), col(EmailMessage.id))))


def of_orders(
    session: Session, order_ids: Iterable[int], kind: EmailKind = EmailKind.BOOKING
) -> dict[int, list[EmailMessage]]:
    """The orders' messages of `kind`, oldest first: order id -> messages."""
    found: dict[int, list[EmailMessage]] = {}
    for chunk in chunks(set(order_ids)):
        query = (
            select(EmailMessage)
            .where(col(EmailMessage.order_id).in_(chunk), col(EmailMessage.kind) == kind)
            .order_by(col(EmailMessage.id))
        )
        for message in session.exec(query):
            found.setdefault(message.order_id or 0, []).append(message)
    return found

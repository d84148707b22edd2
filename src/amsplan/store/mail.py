"""Queries for e-mail: the messages amsplan sends (`email_message`) and what comes back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from amsplan.domain.bookmail import IN_DOUBT
from amsplan.domain.states import EmailKind, EmailState
from amsplan.store.chunks import chunks, locked
from amsplan.store.models import EmailMessage, Order

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


def renew_sending(session: Session, ids: list[int], now: datetime) -> set[int]:
    """Of these messages, those still "sending", their sending_at renewed to `now` (one
    statement per chunk of ids; the rows stay locked until the transaction ends)."""
    renewed: set[int] = set()
    for chunk in chunks(ids):
        query = (
            update(EmailMessage)
            .where(col(EmailMessage.id).in_(chunk), col(EmailMessage.state) == EmailState.SENDING)
            .values(sending_at=now)
            .returning(col(EmailMessage.id))
        )
        renewed.update(session.execute(query).scalars())
    return renewed


def bookings_in_doubt(session: Session, codes: Mapping[int, str | None]) -> dict[int, EmailMessage]:
    """The booking e-mail "sending" or "unknown" for each order's current code (`codes`:
    order id -> its booking code): order id -> the oldest such message."""
    found: dict[int, EmailMessage] = {}
    for chunk in chunks(list(codes)):
        query = (
            select(EmailMessage)
            .where(
                col(EmailMessage.order_id).in_(chunk),
                col(EmailMessage.kind) == EmailKind.BOOKING,
                col(EmailMessage.state).in_(IN_DOUBT),
            )
            .order_by(col(EmailMessage.id))
        )
        for message in session.exec(query):
            order_id = message.order_id or 0
            if message.booking_code == codes[order_id]:
                found.setdefault(order_id, message)
    return found


def booking_failures_to(session: Session, addresses: Iterable[str]) -> list[EmailMessage]:
    """The booking e-mails to these addresses (in any case) that failed or bounced,
    oldest first."""
    found: list[EmailMessage] = []
    for chunk in chunks({a.lower() for a in addresses if a}):
        query = select(EmailMessage).where(
            col(EmailMessage.kind) == EmailKind.BOOKING,
            col(EmailMessage.state).in_([EmailState.FAILED, EmailState.BOUNCED]),
            func.lower(EmailMessage.to).in_(chunk),
        )
        found += session.exec(query)
    return sorted(found, key=lambda m: m.id or 0)


def listing(
    session: Session, state: EmailState | None, kind: EmailKind | None, limit: int
) -> list[tuple[EmailMessage, str | None]]:
    """(message, its order's number) of the newest `limit` messages (in `state`, of
    `kind`), newest first."""
    query = select(EmailMessage, Order.order_no).outerjoin(
        Order, col(Order.id) == col(EmailMessage.order_id)
    )
    if state is not None:
        query = query.where(col(EmailMessage.state) == state)
    if kind is not None:
        query = query.where(col(EmailMessage.kind) == kind)
    query = query.order_by(col(EmailMessage.id).desc()).limit(limit)
    return [(message, order_no) for message, order_no in session.exec(query)]


# --- replies by e-mail


def sent_emails(
    session: Session, message_ids: Iterable[str], lock: bool = False
) -> dict[str, EmailMessage]:
    """The e-mails amsplan sent with one of these Message-IDs, by the id as "<id@host>"
    (stored with or without the angle brackets); locked (`lock`)."""
    wanted = {f"<{m.strip().strip('<>')}>" for m in message_ids if m.strip().strip("<>")}
    forms = wanted | {m[1:-1] for m in wanted}
    found: dict[str, EmailMessage] = {}
    for chunk in chunks(forms):
        query = select(EmailMessage).where(col(EmailMessage.message_id).in_(chunk))
        for message in session.exec(locked(query, lock)):
            found[f"<{message.message_id.strip('<>')}>"] = message
    return found

"""Queries of a privacy purge: which orders are due, and anonymising them in bulk."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from amsplan.domain.statuses import Status
from amsplan.store import history
from amsplan.store.models import Comment, EmailMessage, History, Order, Reply, Sms


def closed_before(session: Session, start: datetime, anonymous: str) -> list[int]:
    """Ids of the closed orders last closed before `start` not anonymised yet."""
    last_close = (
        select(col(History.order_id), func.max(History.at).label("at"))
        .where(History.to_status == Status.CLOSED)
        .group_by(col(History.order_id))
        .subquery()
    )
    query = (
        select(Order.id)
        .join(last_close, last_close.c.order_id == Order.id)
        .where(
            Order.status == Status.CLOSED,
            last_close.c.at < start,
            Order.customer_name != anonymous,
        )
    )
    return [i for i in session.exec(query) if i is not None]


def count_texts(session: Session, order_ids: list[int]) -> tuple[int, int, int]:
    """(replies, SMS, e-mails) of these orders."""

    def count(table: Any, order_id: Any) -> int:
        return session.exec(
            select(func.count()).select_from(table).where(order_id.in_(order_ids))
        ).one()

    return (
        count(Reply, col(Reply.order_id)),
        count(Sms, col(Sms.order_id)),
        count(EmailMessage, col(EmailMessage.order_id)),
    )


def anonymise(session: Session, order_ids: list[int], anonymous: str, at: datetime) -> None:
    """Name, address, phone, e-mail address and every free text of these orders replaced
    (history keeps its structure, only its comments go, and its hash chain is recomputed;
    an e-mail sent keeps its state and times, not its recipient and subject); `purged_at`
    keeps a re-import from restoring. Inside store.history.rewriting()."""
    session.execute(
        update(Order)
        .where(col(Order.id).in_(order_ids))
        .values(
            customer_name=anonymous,
            search_text=anonymous,
            street="",
            phone="",
            mobile=None,
            email="",
            description="",
            latitude=None,
            longitude=None,
            followup_reason=None,
            purged_at=at,
        )  # fmt: skip
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Reply)
        .where(col(Reply.order_id).in_(order_ids))
        .values(text=anonymous, sender="", subject=None)
    )
    session.execute(
        update(Sms).where(col(Sms.order_id).in_(order_ids)).values(text=anonymous, to="")
    )
    session.execute(
        update(EmailMessage)
        .where(col(EmailMessage.order_id).in_(order_ids))
        .values(to="", subject=anonymous)
    )
    session.execute(
        update(Comment).where(col(Comment.order_id).in_(order_ids)).values(text=anonymous)
    )
    history.blank_comments(session, order_ids)

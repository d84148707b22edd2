"""Queries of an order's timeline: its history, comments, letters, replies, SMS, and
the returns and upstream messages that name it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from amsplan.store.models import Comment, History, InboundMessage, Letter, Order, Reply, Sms
from amsplan.store.orders import same_number


@dataclass
class Rows:
    history: list[History]
    comments: list[Comment]
    letters: list[Letter]
    replies: list[Reply]
    messages: list[Sms]
    inbound: list[InboundMessage]  # returns and upstream messages, by order number


def of_order(session: Session, order: Order) -> Rows:
    """Everything that happened to the order, as rows."""
    return Rows(
        list(session.exec(select(History).where(History.order_id == order.id))),
        list(session.exec(select(Comment).where(Comment.order_id == order.id))),
        list(session.exec(select(Letter).where(Letter.order_id == order.id))),
        list(session.exec(select(Reply).where(Reply.order_id == order.id))),
        list(session.exec(select(Sms).where(Sms.order_id == order.id))),
        list(
            session.exec(
                select(InboundMessage).where(same_number(InboundMessage.order_no, order.order_no))
            )
        ),
    )

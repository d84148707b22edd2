"""Queries for `notify run`: the changes in a time window, the notices recorded for them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from amsplan.domain import rules
from amsplan.domain.followups import FollowupKind
from amsplan.domain.notify import FLAG, HISTORY, Change, Key, flag_event
from amsplan.store.chunks import chunks
from amsplan.store.models import FollowupFlag, History, Notice, Order


def changes(
    session: Session,
    since: datetime,
    until: datetime,
    transitions: Iterable[str],
    kinds: Iterable[FollowupKind],
) -> list[Change]:
    """The transitions of these names and the follow-up flags of these kinds (still open)
    made from `since` to `until`, with their orders' number, customer and owner (two queries)."""
    shown = (col(Order.order_no), col(Order.customer_name), col(Order.owner))
    found: list[Change] = []
    names = sorted(set(transitions))
    if names:
        query = (
            select(History, *shown)
            .join(Order, col(Order.id) == col(History.order_id))
            .where(col(History.at) >= since, col(History.at) <= until)
            .where(col(History.transition).in_(names))
        )
        for h, order_no, customer, owner in session.exec(query):
            found.append(Change(HISTORY, h.id or 0, h.order_id, rules.utc(h.at), h.transition,
                                order_no, customer, owner, h.actor, h.comment))  # fmt: skip
    wanted = sorted({FollowupKind(k) for k in kinds})
    if wanted:
        query_flags = (
            select(FollowupFlag, *shown)
            .join(Order, col(Order.id) == col(FollowupFlag.order_id))
            .where(col(FollowupFlag.at) >= since, col(FollowupFlag.at) <= until)
            .where(col(FollowupFlag.kind).in_(wanted))
            # A reason already settled is no news (an e-mail in doubt settled meanwhile).
            .where(col(FollowupFlag.cleared_at).is_(None))
        )
        for f, order_no, customer, owner in session.exec(query_flags):
            found.append(Change(FLAG, f.id or 0, f.order_id, rules.utc(f.at), flag_event(f.kind),
                                order_no, customer, owner, f.actor, f.reason))  # fmt: skip
    return found


def notified(session: Session, keys: Iterable[Key]) -> set[tuple[str, int, str]]:
    """(source, id, recipient) of every notice recorded for these changes."""
    found: set[tuple[str, int, str]] = set()
    by_source: dict[str, set[int]] = {}
    for source, id_ in keys:
        by_source.setdefault(source, set()).add(id_)
    for source, ids in by_source.items():
        for chunk in chunks(ids):
            query = select(Notice.source, Notice.source_id, Notice.recipient).where(
                col(Notice.source) == source, col(Notice.source_id).in_(chunk)
            )
            found.update((s, i, r) for s, i, r in session.exec(query))
    return found


def record(
    session: Session, recipient: str, keys: Iterable[Key], at: datetime, email_id: int | None
) -> None:
    """Notices: these changes go (went) to `recipient` in message `email_id`."""
    session.add_all(
        Notice(source=source, source_id=id_, recipient=recipient, email_id=email_id, at=at)
        for source, id_ in keys
    )
    session.flush()  # a change claimed twice for one recipient fails here (unique)


def release(session: Session, email_id: int) -> int:
    """Forget the notices of a message that did not go (its changes go in the next
    digest); how many."""
    result = session.execute(delete(Notice).where(col(Notice.email_id) == email_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]

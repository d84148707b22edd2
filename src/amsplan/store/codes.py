"""Queries for booking codes (every code ever issued; live until retired)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from amsplan.store.chunks import chunks
from amsplan.store.models import BookingCode


def get_code(session: Session, code: str) -> BookingCode | None:
    return session.get(BookingCode, code)


def taken(session: Session, wanted: Iterable[str]) -> set[str]:
    """Those of `wanted` that were ever issued (one query per 5,000)."""
    found: set[str] = set()
    for chunk in chunks(set(wanted)):
        found.update(session.exec(select(BookingCode.code).where(col(BookingCode.code).in_(chunk))))
    return found


def issued(session: Session, wanted: Iterable[str]) -> dict[str, BookingCode]:
    """The issued codes among `wanted`, by code."""
    found: dict[str, BookingCode] = {}
    for chunk in chunks(set(wanted)):
        query = select(BookingCode).where(col(BookingCode.code).in_(chunk))
        found.update((b.code, b) for b in session.exec(query))
    return found

"""Queries for technicians and their absences."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from amsplan.domain.statuses import Status
from amsplan.errors import NotFound
from amsplan.i18n import _
from amsplan.store.models import Absence, Order, Technician


def get_technician(session: Session, tech_id: str) -> Technician:
    """The technician; NotFound pointing at `techs list` if there is none.

    Kept for the session: the session's identity map holds objects only while they are
    used, and a run that writes an SMS per order names each order's technician (one
    query per technician, not per message)."""
    kept: dict[str, Technician] = session.info.get(_KEPT, {})
    if tech_id in kept:
        return kept[tech_id]
    tech = session.get(Technician, tech_id)
    if tech is None:
        raise NotFound(_("no technician {id!r} (see amsplan techs list)").format(id=tech_id))
    session.info.setdefault(_KEPT, {})[tech_id] = tech
    return tech


_KEPT = "amsplan.technicians"


def absence_on(session: Session, tech_id: str, day: date) -> Absence | None:
    """The technician's absence covering the day, if any."""
    query = select(Absence).where(
        Absence.technician_id == tech_id, Absence.first_day <= day, Absence.last_day >= day
    )
    return session.exec(query.limit(1)).first()


def find_technician(session: Session, tech_id: str) -> Technician | None:
    """The technician with this id, or None."""
    return session.get(Technician, tech_id)


def all_technicians(session: Session) -> list[Technician]:
    """Every technician, by id."""
    return list(session.exec(select(Technician).order_by(col(Technician.id))))


def technicians_by_id(session: Session, ids: list[str]) -> dict[str, Technician]:
    """The technicians with these ids, keyed by id (missing ones left out)."""
    query = select(Technician).where(col(Technician.id).in_(ids))
    return {t.id: t for t in session.exec(query)}


def absences_on(session: Session, day: date) -> list[Absence]:
    """Every technician's absence covering the day."""
    query = select(Absence).where(Absence.first_day <= day, Absence.last_day >= day)
    return list(session.exec(query))


def absences(session: Session, tech_id: str | None, since: date | None) -> list[Absence]:
    """Absences (of one technician), those that end on or after `since`, by start."""
    query = select(Absence).order_by(
        col(Absence.first_day), col(Absence.technician_id), col(Absence.id)
    )
    if tech_id:
        query = query.where(Absence.technician_id == tech_id)
    if since:
        query = query.where(Absence.last_day >= since)
    return list(session.exec(query))


def find_absence(session: Session, absence_id: int) -> Absence | None:
    return session.get(Absence, absence_id)


def visits_from(
    session: Session, tech_ids: list[str], start: datetime, statuses: Iterable[Status]
) -> list[tuple[str, str, datetime, int | None, Status]]:
    """(order number, technician, planned start UTC, minutes, status) of the technicians'
    visits in the statuses planned from `start` on."""
    query = sa_select(
        col(Order.order_no), col(Order.technician_id), col(Order.planned_start),
        col(Order.estimate_minutes), col(Order.status),
    ).where(
        col(Order.technician_id).in_(tech_ids),
        col(Order.planned_start) >= start,
        col(Order.status).in_(list(statuses)),
    )  # fmt: skip
    return [(n, t or "", p, m, st) for n, t, p, m, st in session.execute(query) if p is not None]

"""Queries for technicians and their absences."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from amsplan.errors import NotFound
from amsplan.store.models import Absence, Technician


def get_technician(session: Session, tech_id: str) -> Technician:
    """The technician; NotFound pointing at `techs list` if there is none."""
    tech = session.get(Technician, tech_id)
    if tech is None:
        raise NotFound(f"no technician {tech_id!r} (see `amsplan techs list`)")
    return tech


def absence_on(session: Session, tech_id: str, day: date) -> Absence | None:
    """The technician's absence covering the day, if any."""
    query = select(Absence).where(
        Absence.technician_id == tech_id, Absence.first_day <= day, Absence.last_day >= day
    )
    return session.exec(query.limit(1)).first()

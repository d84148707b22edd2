"""Technicians and their working hours."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from pathlib import Path

from sqlmodel import select

from amsplan import clock
from amsplan.adapters.tables import CONTROL_CHARS, Problem, map_columns, read_csv
from amsplan.errors import AmsplanError, InputError
from amsplan.models import Absence, Order, Technician
from amsplan.services.context import Context
from amsplan.workflow.slots import OCCUPYING, parse_working_days

TECH_COLUMNS = {
    "id": ["Montørnr", "Montør", "Ressurs", "tech_id", "technician"],
    "name": ["Navn", "Name"],
    "phone": ["Telefon", "Mobil"],
    "work_start": ["Arbeidstid fra", "Fra", "start"],
    "work_end": ["Arbeidstid til", "Til", "end"],
    "working_days": ["Arbeidsdager", "Dager", "days"],
}


def _check(tech_id: str, name: str, start: time, end: time) -> list[str]:
    problems = []
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}", tech_id or ""):
        problems.append(f"id {tech_id!r} must be 1-40 letters, digits, '.', '_' or '-'")
    if not name.strip():
        problems.append("name is missing")
    elif CONTROL_CHARS.search(name):
        problems.append("name contains control characters")
    if start >= end:
        problems.append(f"working hours {start:%H:%M}-{end:%H:%M} end before they start")
    return problems


def _working_days(text: str, what: str) -> str:
    try:
        return parse_working_days(text)
    except ValueError as err:
        raise InputError(f"{what} {err}") from None


def add_technician(
    ctx: Context,
    tech_id: str,
    name: str,
    phone: str = "",
    start: str = "07:30",
    end: str = "15:30",
    days: str | None = None,
) -> Technician:
    """Add a technician, or update the one with this id (working days stay unless given)."""
    begin, finish = clock.parse_time(start, "--start"), clock.parse_time(end, "--end")
    working = _working_days(days, "--days") if days is not None else None
    problems = _check(tech_id, name, begin, finish)
    if problems:
        raise InputError(f"technician {tech_id}: " + "; ".join(problems))
    with ctx.session() as s:
        tech = s.get(Technician, tech_id) or Technician(id=tech_id, name=name)
        tech.name, tech.phone, tech.work_start, tech.work_end = name, phone, begin, finish
        if working is not None:
            tech.working_days = working
        s.add(tech)
        return tech


def list_technicians(ctx: Context) -> list[Technician]:
    with ctx.session(readonly=True) as s:
        return list(s.exec(select(Technician).order_by(Technician.id)))


@dataclass
class TechImportResult:
    created: int = 0
    updated: int = 0


def import_technicians(ctx: Context, path: Path) -> TechImportResult:
    """Validate the whole file, then add or update every technician in it."""
    table = map_columns(read_csv(path), TECH_COLUMNS, ("id", "name"))
    rows: list[Technician] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for line, rec in table.records():
        try:
            start = clock.parse_time(rec.get("work_start") or "07:30", "Arbeidstid fra")
            end = clock.parse_time(rec.get("work_end") or "15:30", "Arbeidstid til")
            days = rec.get("working_days") or "12345"
            days = _working_days(days, "Arbeidsdager")
        except AmsplanError as err:
            problems.append(Problem(line, "Arbeidstid", str(err)))
            continue
        found = _check(rec["id"], rec["name"], start, end)
        if rec["id"] in seen:
            found.append(f"id {rec['id']!r} already on line {seen[rec['id']]}")
        seen.setdefault(rec["id"], line)
        problems += [Problem(line, "", p) for p in found]
        rows.append(Technician(id=rec["id"], name=rec["name"], phone=rec.get("phone", ""),
                               work_start=start, work_end=end, working_days=days))  # fmt: skip
    name = Path(path).name
    if problems:
        raise InputError(
            f"{name}: invalid rows; nothing was imported", [p.render(name) for p in problems]
        )
    result = TechImportResult()
    with ctx.session() as s:
        for tech in rows:
            current = s.get(Technician, tech.id)
            if current is None:
                s.add(tech)
                result.created += 1
            else:
                current.name, current.phone = tech.name, tech.phone
                current.work_start, current.work_end = tech.work_start, tech.work_end
                current.working_days = tech.working_days
                s.add(current)
                result.updated += 1
    return result


# --- absences ------------------------------------------------------------------


@dataclass
class AbsenceResult:
    absence: Absence
    # The visits already booked in the period: (order_no, local start, status); they
    # are the input of `amsplan move`.
    booked: list[tuple[str, object, str]] = field(default_factory=list)


def add_absence(
    ctx: Context, tech_id: str, first: date, last: date, reason: str = ""
) -> AbsenceResult:
    """Record a technician away from `first` to `last` (inclusive)."""
    from amsplan.services.planning import get_technician

    if last < first:
        raise InputError(f"--to {last:%d.%m.%Y} is before --from {first:%d.%m.%Y}")
    if CONTROL_CHARS.search(reason):
        raise InputError("--reason contains control characters")
    tz = ctx.settings.tz
    with ctx.session() as s:
        get_technician(s, tech_id)
        absence = Absence(
            technician_id=tech_id,
            first_day=first,
            last_day=last,
            reason=reason.strip(),
            created_by=ctx.user,
            created_at=ctx.now(),
        )
        s.add(absence)
        s.flush()
        start, _ = clock.day_bounds(first, tz)
        _, end = clock.day_bounds(last, tz)
        query = (
            select(Order)
            .where(
                Order.technician_id == tech_id,
                Order.planned_start >= start,
                Order.planned_start < end,
                Order.status.in_([st.value for st in OCCUPYING]),
            )
            .order_by(Order.planned_start)
        )
        booked = [
            (o.order_no, clock.to_local(o.planned_start, tz), o.status) for o in s.exec(query)
        ]
        return AbsenceResult(absence, booked)


def list_absences(
    ctx: Context, tech_id: str | None = None, since: date | None = None
) -> list[Absence]:
    """Absences (of one technician), those that end on or after `since`, by start."""
    query = select(Absence).order_by(Absence.first_day, Absence.technician_id, Absence.id)
    if tech_id:
        query = query.where(Absence.technician_id == tech_id)
    if since:
        query = query.where(Absence.last_day >= since)
    with ctx.session(readonly=True) as s:
        if tech_id:
            from amsplan.services.planning import get_technician

            get_technician(s, tech_id)
        return list(s.exec(query))


def remove_absence(ctx: Context, absence_id: int) -> Absence:
    from amsplan.errors import NotFound

    with ctx.session() as s:
        absence = s.get(Absence, absence_id)
        if absence is None:
            raise NotFound(f"no absence {absence_id} (see `amsplan techs absences`)")
        s.delete(absence)
        return absence


def days_of(absence: Absence) -> int:
    return (absence.last_day - absence.first_day + timedelta(days=1)).days

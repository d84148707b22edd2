"""Technicians and their working hours."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from pathlib import Path

from sqlmodel import select

from amsplan import clock
from amsplan.adapters.tables import CONTROL_CHARS, Problem, map_columns, read_csv
from amsplan.errors import AmsplanError, InputError
from amsplan.models import Technician
from amsplan.services.context import Context

TECH_COLUMNS = {
    "id": ["Montørnr", "Montør", "Ressurs", "tech_id", "technician"],
    "name": ["Navn", "Name"],
    "phone": ["Telefon", "Mobil"],
    "work_start": ["Arbeidstid fra", "Fra", "start"],
    "work_end": ["Arbeidstid til", "Til", "end"],
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


def add_technician(
    ctx: Context, tech_id: str, name: str, phone: str = "", start: str = "07:30", end: str = "15:30"
) -> Technician:
    """Add a technician, or update the one with this id."""
    begin, finish = clock.parse_time(start, "--start"), clock.parse_time(end, "--end")
    problems = _check(tech_id, name, begin, finish)
    if problems:
        raise InputError(f"technician {tech_id}: " + "; ".join(problems))
    with ctx.session() as s:
        tech = s.get(Technician, tech_id) or Technician(id=tech_id, name=name)
        tech.name, tech.phone, tech.work_start, tech.work_end = name, phone, begin, finish
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
        except AmsplanError as err:
            problems.append(Problem(line, "Arbeidstid", str(err)))
            continue
        found = _check(rec["id"], rec["name"], start, end)
        if rec["id"] in seen:
            found.append(f"id {rec['id']!r} already on line {seen[rec['id']]}")
        seen.setdefault(rec["id"], line)
        problems += [Problem(line, "", p) for p in found]
        rows.append(Technician(id=rec["id"], name=rec["name"], phone=rec.get("phone", ""),
                               work_start=start, work_end=end))  # fmt: skip
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
                s.add(current)
                result.updated += 1
    return result

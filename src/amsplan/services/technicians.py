"""Technicians and their working hours."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlmodel import Session

from amsplan import clock
from amsplan.adapters.tables import Problem, map_columns, read_csv
from amsplan.domain import reimport
from amsplan.domain import technicians as rules
from amsplan.domain.cells import CONTROL_CHARS
from amsplan.domain.slots import OCCUPYING, parse_working_days
from amsplan.domain.statuses import Status
from amsplan.errors import AmsplanError, InputError, NotFound
from amsplan.i18n import _
from amsplan.services.context import Context
from amsplan.services.geo import read_coordinate
from amsplan.store import technicians as store
from amsplan.store.models import Absence, Technician
from amsplan.store.orders import orders_between
from amsplan.store.technicians import get_technician

TECH_COLUMNS = {
    "id": ["Montørnr", "Montør", "Ressurs", "tech_id", "technician"],
    "name": ["Navn", "Name"],
    "phone": ["Telefon", "Mobil"],
    "work_start": ["Arbeidstid fra", "Fra", "start"],
    "work_end": ["Arbeidstid til", "Til", "end"],
    "working_days": ["Arbeidsdager", "Dager", "days"],
    "start_lat": ["Breddegrad", "Lat", "latitude"],
    "start_lon": ["Lengdegrad", "Lon", "Lng", "longitude"],
}
_START, _END = time(7, 30), time(15, 30)  # a new technician's working hours unless given


def _working_days(text: str, what: str) -> str:
    try:
        return parse_working_days(text)
    except ValueError as err:
        raise InputError(f"{what} {err}") from None  # (err: slots.parse_working_days)


@dataclass
class OutsideVisit:
    """A booked visit that a change of working hours left outside them."""

    order_no: str
    tech_id: str
    start: datetime  # local
    end: datetime  # local
    status: Status


@dataclass
class TechnicianSaved:
    tech: Technician
    created: bool
    outside: list[OutsideVisit] = field(default_factory=list)


def add_technician(
    ctx: Context,
    tech_id: str,
    name: str | None = None,
    phone: str | None = None,
    start: str | None = None,
    end: str | None = None,
    days: str | None = None,
    lat: str | None = None,
    lon: str | None = None,
) -> TechnicianSaved:
    """Add a technician, or update the one with this id: only what is given changes
    (working days: ISO weekday digits, "12345" for a new one unless given; the start
    point: --lat and --lon together, WGS84 degrees, decimal comma or point).

    Booked visits the new working hours leave outside them are listed (for the planner
    to move); the change is made.
    """
    begin = clock.parse_time(start, "--start") if start is not None else None
    finish = clock.parse_time(end, "--end") if end is not None else None
    working = _working_days(days, "--days") if days is not None else None
    point = _start_point(lat, lon)
    with ctx.session() as s:
        tech = store.find_technician(s, tech_id)
        created = tech is None
        if tech is None:
            if name is None:
                raise InputError(
                    _("technician {id}: a new technician needs --name").format(id=tech_id)
                )
            tech = Technician(id=tech_id, name=name, work_start=_START, work_end=_END)
        before = (tech.work_start, tech.work_end)
        name = tech.name if name is None else name
        begin, finish = begin or tech.work_start, finish or tech.work_end
        problems = rules.problems(tech_id, name, begin, finish)
        if problems:
            raise InputError(
                _("technician {id}: {problems}").format(id=tech_id, problems="; ".join(problems))
            )
        tech.name, tech.work_start, tech.work_end = name, begin, finish
        if phone is not None:
            tech.phone = phone
        if working is not None:
            tech.working_days = working
        if point is not None:
            tech.start_lat, tech.start_lon = point
        s.add(tech)
        s.flush()
        changed = [] if created or before == (begin, finish) else [tech]
        return TechnicianSaved(tech, created, visits_outside_hours(s, ctx, changed))


def _start_point(lat: str | None, lon: str | None) -> tuple[float, float] | None:
    """(lat, lon) from --lat/--lon, None when neither is given."""
    if lat is None and lon is None:
        return None
    if lat is None or lon is None:
        raise InputError(_("--lat and --lon go together (the start point)"))
    point = []
    for text, axis, option in ((lat, "latitude", "--lat"), (lon, "longitude", "--lon")):
        try:
            number = read_coordinate(text, axis)
        except ValueError as err:
            raise InputError(f"{option}: {err}") from None
        if number is None:
            raise InputError(_("{option} is empty").format(option=option))
        point.append(number)
    return point[0], point[1]


def visits_outside_hours(s: Session, ctx: Context, techs: list[Technician]) -> list[OutsideVisit]:
    """Visits of `techs` from today on that do not fit their working hours, by time."""
    if not techs:
        return []
    tz = ctx.settings.tz
    today = clock.day_bounds(clock.to_local(ctx.now(), tz).date(), tz)[0]
    hours = {t.id: (t.work_start, t.work_end) for t in techs}
    found = []
    for order_no, tech_id, planned, minutes, status in store.visits_from(
        s, list(hours), today, OCCUPYING
    ):
        local = clock.to_local(planned, tz)
        if reimport.outside_hours(local, minutes, *hours[tech_id]):
            end = local + timedelta(minutes=minutes or 0)
            found.append(OutsideVisit(order_no, tech_id, local, end, status))
    return sorted(found, key=lambda v: (v.tech_id, v.start, v.order_no))


def list_technicians(ctx: Context) -> list[Technician]:
    with ctx.session(readonly=True) as s:
        return store.all_technicians(s)


@dataclass
class TechImportResult:
    created: int = 0
    updated: int = 0
    outside: list[OutsideVisit] = field(default_factory=list)


def import_technicians(ctx: Context, path: Path) -> TechImportResult:
    """Validate the whole file, then add or update every technician in it.

    An empty working-hours cell keeps an existing technician's hours (a new one gets
    07:30-15:30); visits that changed hours leave outside them are listed.
    """
    table = map_columns(read_csv(path), TECH_COLUMNS, ("id", "name"))
    rows: list[tuple[dict, time | None, time | None, str | None, tuple | None]] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for line, rec in table.records():
        try:
            start = _hour(rec.get("work_start"), "Arbeidstid fra")
            end = _hour(rec.get("work_end"), "Arbeidstid til")
            days = rec.get("working_days") or None
            days = _working_days(days, "Arbeidsdager") if days else None
        except AmsplanError as err:
            problems.append(Problem(line, "Arbeidstid", str(err)))
            continue
        point, bad = _start_cells(rec)
        if bad:
            problems += [Problem(line, column, message) for column, message in bad]
            continue
        found = rules.problems(rec["id"], rec["name"], start or _START, end or _END)
        if rec["id"] in seen:
            found.append(
                _("id {id!r} already on line {line}").format(id=rec["id"], line=seen[rec["id"]])
            )
        seen.setdefault(rec["id"], line)
        problems += [Problem(line, "", p) for p in found]
        rows.append((rec, start, end, days, point))
    name = Path(path).name
    if problems:
        raise InputError(
            _("{file}: invalid rows; nothing was imported").format(file=name),
            [p.render(name) for p in problems],
        )
    result = TechImportResult()
    with ctx.session() as s:
        current = store.technicians_by_id(s, list(seen))
        changed = []
        for rec, start, end, days, point in rows:
            tech = current.get(rec["id"])
            if tech is None:
                tech = Technician(
                    id=rec["id"], name=rec["name"], work_start=start or _START,
                    work_end=end or _END,
                )  # fmt: skip
                result.created += 1
            else:
                result.updated += 1
            before = (tech.work_start, tech.work_end)
            tech.work_start, tech.work_end = start or tech.work_start, end or tech.work_end
            if tech.work_start >= tech.work_end:
                raise InputError(
                    _(
                        "{file}:{line}: working hours {start}-{end} end before they start;"
                        " nothing was imported"
                    ).format(
                        file=name,
                        line=seen[tech.id],
                        start=f"{tech.work_start:%H:%M}",
                        end=f"{tech.work_end:%H:%M}",
                    )  # fmt: skip
                )
            if rec["id"] in current and before != (tech.work_start, tech.work_end):
                changed.append(tech)
            tech.name = rec["name"]
            if days:  # an empty cell keeps the working days (a new technician: 12345)
                tech.working_days = days
            if "phone" in rec:
                tech.phone = rec["phone"]
            if point is not None:  # empty cells keep the start point
                tech.start_lat, tech.start_lon = point
            s.add(tech)
        s.flush()
        result.outside = visits_outside_hours(s, ctx, changed)
    return result


def _start_cells(rec: dict[str, str]) -> tuple[tuple[float, float] | None, list]:
    """(start point or None when both cells are empty, [(column, problem)])."""
    values: dict[str, float | None] = {}
    bad = []
    for key, axis in (("start_lat", "latitude"), ("start_lon", "longitude")):
        try:
            values[key] = read_coordinate(rec.get(key, ""), axis)
        except ValueError as err:
            bad.append((TECH_COLUMNS[key][0], str(err)))
    if bad:
        return None, bad
    lat, lon = values["start_lat"], values["start_lon"]
    if lat is None and lon is None:
        return None, []
    if lat is None or lon is None:
        return None, [("Breddegrad/Lengdegrad", "give both or neither")]
    return (lat, lon), []


def _hour(text: str | None, what: str) -> time | None:
    return clock.parse_time(text, what) if text else None


# --- absences ------------------------------------------------------------------


@dataclass
class AbsenceResult:
    absence: Absence
    # The visits already booked in the period: (order_no, local start, status); they
    # are the input of `amsplan move`.
    booked: list[tuple[str, datetime, Status]] = field(default_factory=list)


def add_absence(
    ctx: Context, tech_id: str, first: date, last: date, reason: str = ""
) -> AbsenceResult:
    """Record a technician away from `first` to `last` (inclusive)."""
    if last < first:
        raise InputError(
            _("--to {last} is before --from {first}").format(
                last=f"{last:%d.%m.%Y}", first=f"{first:%d.%m.%Y}"
            )
        )
    if CONTROL_CHARS.search(reason):
        raise InputError(_("--reason contains control characters"))
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
        start = clock.day_bounds(first, tz)[0]
        end = clock.day_bounds(last, tz)[1]
        booked = [
            (o.order_no, clock.to_local(o.planned_start, tz), o.status)
            for o in orders_between(s, tech_id, start, end)
            if o.planned_start is not None  # always: planned in the period
        ]
        return AbsenceResult(absence, booked)


def list_absences(
    ctx: Context, tech_id: str | None = None, since: date | None = None
) -> list[Absence]:
    """Absences (of one technician), those that end on or after `since`, by start."""
    with ctx.session(readonly=True) as s:
        if tech_id:
            get_technician(s, tech_id)
        return store.absences(s, tech_id, since)


def remove_absence(ctx: Context, absence_id: int) -> Absence:
    with ctx.session() as s:
        absence = store.find_absence(s, absence_id)
        if absence is None:
            raise NotFound(_("no absence {id} (see amsplan techs absences)").format(id=absence_id))
        s.delete(absence)
        return absence


def days_of(absence: Absence) -> int:
    return (absence.last_day - absence.first_day + timedelta(days=1)).days

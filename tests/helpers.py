"""Test data: orders CSV files, technicians, and orders moved along the workflow."""

from __future__ import annotations

from datetime import date, time, timedelta
from pathlib import Path

from amsplan.domain.cells import gsrn_check_digit
from amsplan.services import letters, planning
from amsplan.services.orders import import_orders
from amsplan.services.technicians import add_technician

HEADER = (
    "Ordrenr;Målepunkt-ID;Målernr;Navn;Adresse;Postnr;Poststed;Kommunenr;Telefon;Etappe;"
    "Breddegrad;Lengdegrad;Beskrivelse;Viktig info;Vanskelig måler"
)
DAY = date(2026, 4, 22)  # a Wednesday, summer time in Oslo


def gsrn(n: int) -> str:
    """The n-th valid metering point id (18 digits, GS1 check digit)."""
    body = f"707057500{n:08d}"
    return body + gsrn_check_digit(body)


def order_row(n: int, **overrides: str) -> str:
    values = {
        "order_no": f"AMS-{n:05d}",
        "mpid": gsrn(n),
        "meter": f"{10_000_000 + n}",
        "name": f"Kari Nordmann {n}",
        "street": f"Storgata {n}",
        "postcode": "2317",
        "city": "HAMAR",
        "municipality": "3403",
        "phone": f"4{n:07d}",
        "stage": "Etappe 1",
        "lat": "60,79",
        "lon": "11,07",
        "description": "",
        "important": "",
        "difficult": "",
    }
    values.update(overrides)
    return ";".join(values.values())


def write_orders(path: Path, rows: list[str], encoding: str = "utf-8-sig") -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding=encoding)
    return path


def seed(ws, count: int = 5, tech: str = "T01", **overrides: str) -> list[str]:
    """Technician T01 (07:00-16:00) and `count` open orders; their order numbers."""
    ctx = ws.context()
    add_technician(ctx, tech, "Ola Montør", "41234567", "07:00", "16:00")
    rows = [order_row(n, **overrides) for n in range(1, count + 1)]
    import_orders(ctx, write_orders(ws.path / "orders.csv", rows))
    return [f"AMS-{n:05d}" for n in range(1, count + 1)]


def assign_all(ws, order_nos: list[str], tech: str = "T01", day: date = DAY, start=time(8)):
    return planning.assign(ws.context(), order_nos, tech, day, start, timedelta(hours=1))


def workday(n: int, first: date = DAY) -> date:
    """The n-th working day (Monday to Friday, not a Norwegian public holiday) from
    `first` (n = 0: `first`, or the next working day)."""
    import holidays

    closed = holidays.country_holidays("NO", years=range(first.year, first.year + 2))

    def off(day: date) -> bool:
        return day.weekday() >= 5 or day in closed

    day = first
    while off(day):
        day += timedelta(days=1)
    for _ in range(n):
        day += timedelta(days=1)
        while off(day):
            day += timedelta(days=1)
    return day


def locked(ws, count: int = 3) -> list[tuple[str, str]]:
    """`count` orders planned (eight a day from DAY on) and locked: [(order_no, code)]."""
    order_nos = seed(ws, count)
    for i in range(0, count, 8):
        assign_all(ws, order_nos[i : i + 8], day=workday(i // 8))
    result = planning.lock(ws.context(), order_nos)
    assert not result.refused
    return result.locked


def awaiting(ws, count: int = 3) -> list[tuple[str, str]]:
    """`count` orders with letters generated, awaiting a reply: [(order_no, code)]."""
    codes = locked(ws, count)
    letters.generate(ws.context())
    return codes

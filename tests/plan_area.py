"""A small area around Hamar for `plan`, `route` and `map` tests: two technicians with
start points, orders on a grid with coordinates, and checks of a day as driven."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlmodel import select

from amsplan import clock
from amsplan.domain.routes import booked
from amsplan.services import geo, planning
from amsplan.services.orders import import_orders
from amsplan.services.technicians import add_technician
from amsplan.store.models import Order
from tests.helpers import DAY, order_row, write_orders

NEXT = DAY + timedelta(days=1)  # Thursday 23.04.2026
HOME = {"T01": (60.7945, 11.0680), "T02": (60.8300, 11.1500)}


def configure(ws, extra: str) -> None:
    """Append `extra` (TOML) to the workspace's amsplan.toml."""
    path = ws.path / "amsplan.toml"
    path.write_text(path.read_text() + extra)


def position(n: int) -> tuple[float, float]:
    """Order n's coordinates: a grid of about 5 x 6 km north-east of Hamar."""
    return 60.79 + (n % 5) * 0.01, 11.07 + (n // 5) * 0.02


def area(ws, count: int = 24, **rows: dict[str, str]) -> list[str]:
    """T01 and T02 (07:00-16:00, start points in HOME) and `count` open orders with
    coordinates; `rows` overrides single orders' fields ("AMS-00003": {...})."""
    # A small solver bound: these instances are tiny, and a test must stay fast.
    configure(ws, "\n[planning]\nsolutions = 10\n")
    ctx = ws.context()
    for tech, (lat, lon) in HOME.items():
        add_technician(ctx, tech, f"Montør {tech}", "41234567", "07:00", "16:00",
                       lat=str(lat), lon=str(lon))  # fmt: skip
    lines = []
    for n in range(1, count + 1):
        lat, lon = position(n)
        fields = {"lat": f"{lat:.4f}".replace(".", ","), "lon": f"{lon:.4f}".replace(".", ",")}
        fields.update(rows.get(f"AMS-{n:05d}", {}))
        lines.append(order_row(n, **fields))
    import_orders(ctx, write_orders(ws.path / "orders.csv", lines))
    return [f"AMS-{n:05d}" for n in range(1, count + 1)]


def stored(ws) -> dict[str, Order]:
    with ws.context().session() as s:
        return {o.order_no: o for o in s.exec(select(Order)).all()}


def day_visits(ws, tech: str, day: date) -> list[tuple[str, datetime, datetime]]:
    """(order no, local start, local end) of the technician's day, in time order."""
    tz = ws.settings.tz
    found = []
    for o in stored(ws).values():
        if o.technician_id == tech and o.planned_start is not None:
            start = clock.to_local(o.planned_start, tz)
            if start.date() == day:
                found.append((o.order_no, start, start + timedelta(minutes=o.estimate_minutes)))
    return sorted(found, key=lambda v: v[1])


def assert_day_is_drivable(ws, tech: str, day: date, opens=time(7), closes=time(16)) -> None:
    """Every visit of the day starts after the previous one's end plus the drive (from the
    start point for the first), and the technician is back by the end of working hours."""
    visits = day_visits(ws, tech, day)
    where = {o.order_no: (o.latitude, o.longitude) for o in stored(ws).values()}
    points = [HOME[tech], *(where[v[0]] for v in visits)]
    minutes, _ = geo.travel_times(ws.settings, points)
    free_at = datetime.combine(day, opens)
    for i, (order_no, start, end) in enumerate(visits):
        drive = booked(minutes[i][i + 1])  # from the start point or the previous visit
        assert start >= free_at + timedelta(minutes=drive), (order_no, start, free_at, drive)
        free_at = end
    back = free_at + timedelta(minutes=booked(minutes[len(visits)][0]))
    assert back <= datetime.combine(day, closes), (tech, day, back)


def zigzag(ws) -> list[str]:
    """T01's day by hand, alternating between the far and near ends of the area."""
    area(ws, 25)
    far, near = ["AMS-00024", "AMS-00019", "AMS-00023"], ["AMS-00005", "AMS-00010", "AMS-00006"]
    day = [n for pair in zip(far, near, strict=True) for n in pair]
    planning.assign(ws.context(), day, "T01", DAY, time(7), timedelta(hours=1))
    return day

"""The map page: one self-contained HTML file (Leaflet inlined, no CDN) with each
technician-day's numbered stops, its route line and start point, and a popup per order."""

from __future__ import annotations

from dataclasses import dataclass, field

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "&copy; OpenStreetMap contributors"


@dataclass(frozen=True)
class Stop:
    """One order on the map."""

    number: int  # its place in the day's route (1, 2, ...); 0: not on a route (open order)
    lat: float
    lon: float
    order_no: str
    customer: str
    address: str
    window: str  # "08:00-09:00", or "" when it has no time
    status: str  # the status label, as the planner reads it
    colour: str  # the status colour, "#rrggbb"
    approximate: bool = False  # placed at its postcode's centre


@dataclass(frozen=True)
class Route:
    """A technician-day (or, without a technician, a set of open orders)."""

    title: str  # "T01 Bjørn Ødegård, tirsdag 22.04.2026"
    stops: list[Stop]
    start: tuple[float, float] | None = None  # the start point the day leaves from and ends at
    colour: str = "#1f6feb"  # the route line
    km: float | None = None
    drive_minutes: float | None = None


@dataclass(frozen=True)
class Page:
    title: str
    routes: list[Route]
    tile_url: str = OSM_TILES
    attribution: str = OSM_ATTRIBUTION
    unplaced: list[str] = field(default_factory=list)  # "AMS-7: no coordinates and no postcode"


def render(page: Page) -> str:
    """The page as one HTML document (UTF-8 text)."""
    raise NotImplementedError

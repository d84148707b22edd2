"""Positions: reading coordinates from files, placing orders, travel between points."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from amsplan.adapters.tables import parse_decimal
from amsplan.config import Settings
from amsplan.domain import geo, travel
from amsplan.domain.geo import Located, Placement
from amsplan.errors import InputError, NotFound
from amsplan.i18n import _
from amsplan.services.context import Context
from amsplan.store import geo as store


def read_coordinate(text: str, axis: str) -> float | None:
    """A latitude or longitude cell ("60,7942" or "60.7942"): None when empty; ValueError
    with a one-line reason when it is not a number or not a WGS84 `axis` value."""
    try:
        number = parse_decimal(text)
    except ValueError:
        raise ValueError(_("{text!r} is not a number").format(text=text)) from None
    problem = None if number is None else geo.range_problem(axis, number)
    if problem:
        raise ValueError(problem)
    return number


@dataclass
class Placed:
    """Orders by how they are placed (each list in order id order)."""

    exact: list[Located] = field(default_factory=list)
    approximate: list[Located] = field(default_factory=list)
    unplaceable: list[Located] = field(default_factory=list)

    def by_id(self) -> dict[int, Located]:
        """Every placed order (exact or approximate) by id."""
        return {o.order_id: o for o in (*self.exact, *self.approximate)}


def locate(ctx: Context, order_ids: list[int]) -> Placed:
    """Place the orders: own coordinates, else their postcode's centre (approximate), else
    unplaceable with the reason. NotFound when an id is no order."""
    with ctx.session(readonly=True) as s:
        return place_in(s, order_ids)


def place_in(s: Session, order_ids: list[int]) -> Placed:
    """`locate` within the caller's transaction."""
    sites = store.sites(s, sorted(set(order_ids)))
    missing = set(order_ids) - {site.order_id for site in sites}
    if missing:
        raise NotFound(_("no order with id {id}").format(id=min(missing)))
    without = [site.postcode for site in sites if site.lat is None or site.lon is None]
    centres = store.postcode_centres(s, [p for p in without if p])
    placed = Placed()
    for found in geo.place(sites, centres):
        {
            Placement.EXACT: placed.exact,
            Placement.APPROXIMATE: placed.approximate,
            Placement.UNPLACEABLE: placed.unplaceable,
        }[found.placement].append(found)
    return placed


def travel_times(
    settings: Settings, points: list[travel.Point], names: list[str] | None = None
) -> tuple[list[list[float]], list[list[float]]]:
    """(minutes, km) between every pair of (lat, lon) points: from the OSRM server when
    routing.osrm_url is set, else the straight-line estimate of [routing]. `names` (one
    per point, e.g. the order number) name the points in an error instead of numbers."""
    if settings.routing_osrm_url:
        from amsplan.adapters import osrm  # httpx only when a server is used

        try:
            return osrm.table(settings.routing_osrm_url, points, settings.routing_timeout)
        except osrm.NoRoad as no_road:
            if not names:
                raise
            raise InputError(
                _("the OSRM server found no road from {a} to {b}: check their coordinates").format(
                    a=names[no_road.i], b=names[no_road.j]
                )
            ) from None
    model = travel.Model(settings.routing_detour, settings.routing_speed_kmh)
    return travel.matrix(points, model)

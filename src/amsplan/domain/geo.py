"""Where things are: valid WGS84 coordinates, and the position of each order.

An order is placed at its own coordinates; without them at its postcode's centre (the
mean position of the other orders in that postcode that have coordinates), marked
approximate; else it cannot be placed, with the reason. Nothing is guessed silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from amsplan.i18n import _

BOUNDS = {"latitude": (-90.0, 90.0), "longitude": (-180.0, 180.0)}


def range_problem(axis: str, number: float) -> str | None:
    """Why `number` is not a valid latitude/longitude (WGS84 degrees), or None."""
    low, high = BOUNDS[axis]
    if low <= number <= high:
        return None
    return _("{number} is out of range ({low} to {high})").format(
        number=f"{number:g}", low=f"{low:g}", high=f"{high:g}"
    )


class Placement(StrEnum):
    EXACT = "exact"  # the order's own coordinates
    APPROXIMATE = "approximate"  # its postcode's centre
    UNPLACEABLE = "unplaceable"


@dataclass(frozen=True)
class Site:
    """What is known of an order's position."""

    order_id: int
    order_no: str
    postcode: str
    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class Located:
    order_id: int
    order_no: str
    placement: Placement
    lat: float | None = None
    lon: float | None = None
    reason: str = ""  # why approximate or unplaceable


def place(sites: Iterable[Site], centres: Mapping[str, tuple[float, float]]) -> list[Located]:
    """Each site's position; `centres`: postcode -> mean (lat, lon) of its orders with
    coordinates (an order without coordinates does not count in it)."""
    found = []
    one_of = _(" (only one of latitude/longitude)")
    at_centre = _("no coordinates{half}: centre of postcode {postcode}")
    no_postcode = _("no coordinates{half} and no postcode")
    none_there = _("no coordinates{half}, and no order in postcode {postcode} has any")
    for s in sites:
        if s.lat is not None and s.lon is not None:
            found.append(Located(s.order_id, s.order_no, Placement.EXACT, s.lat, s.lon))
            continue
        half = one_of if (s.lat is None) != (s.lon is None) else ""
        centre = centres.get(s.postcode) if s.postcode else None
        if centre is not None:
            reason = at_centre.format(half=half, postcode=s.postcode)
            found.append(Located(s.order_id, s.order_no, Placement.APPROXIMATE, *centre, reason))
        elif not s.postcode:
            reason = no_postcode.format(half=half)
            found.append(Located(s.order_id, s.order_no, Placement.UNPLACEABLE, reason=reason))
        else:
            reason = none_there.format(half=half, postcode=s.postcode)
            found.append(Located(s.order_id, s.order_no, Placement.UNPLACEABLE, reason=reason))
    return found

"""Placing orders: own coordinates, postcode centre (approximate), or a reason why not."""

from __future__ import annotations

import pytest

from amsplan.domain.geo import Placement, Site, place, range_problem
from amsplan.services.geo import read_coordinate

CENTRES = {"2317": (60.79, 11.07)}


def one(site: Site):
    [found] = place([site], CENTRES)
    return found


def test_own_coordinates_win_over_the_postcode_centre():
    found = one(Site(1, "A1", "2317", 60.5, 11.5))
    assert (found.placement, found.lat, found.lon, found.reason) == (
        Placement.EXACT, 60.5, 11.5, "",
    )  # fmt: skip


def test_without_coordinates_the_postcode_centre_is_approximate():
    found = one(Site(2, "A2", "2317", None, None))
    assert (found.placement, found.lat, found.lon) == (Placement.APPROXIMATE, 60.79, 11.07)
    assert "centre of postcode 2317" in found.reason


def test_half_coordinates_are_not_a_position():
    found = one(Site(3, "A3", "2317", 60.5, None))
    assert found.placement is Placement.APPROXIMATE
    assert "only one of latitude/longitude" in found.reason


@pytest.mark.parametrize(
    ("postcode", "reason"),
    [("", "no coordinates and no postcode"), ("9999", "no order in postcode 9999 has any")],
)
def test_unplaceable_orders_say_why(postcode, reason):
    found = one(Site(4, "A4", postcode, None, None))
    assert (found.placement, found.lat, found.lon) == (Placement.UNPLACEABLE, None, None)
    assert reason in found.reason


@pytest.mark.parametrize(
    ("text", "axis", "value"),
    [("60,7945", "latitude", 60.7945), (" -180 ", "longitude", -180.0), ("", "latitude", None),
     ("90", "latitude", 90.0)],
)  # fmt: skip
def test_read_coordinate(text, axis, value):
    assert read_coordinate(text, axis) == value


@pytest.mark.parametrize(
    ("text", "axis", "message"),
    [("90,01", "latitude", "90.01 is out of range (-90 to 90)"),
     ("181", "longitude", "181 is out of range (-180 to 180)"),
     ("N60", "latitude", "'N60' is not a number")],
)  # fmt: skip
def test_bad_coordinates_say_why(text, axis, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_coordinate(text, axis)


def test_range_problem_bounds():
    assert range_problem("latitude", -90) is None and range_problem("longitude", 180) is None
    assert range_problem("latitude", -90.5) is not None

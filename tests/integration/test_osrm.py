"""adapters.osrm.table against a fake OSRM server speaking the table service's format."""

from __future__ import annotations

import math

import pytest

from amsplan.adapters.osrm import table
from amsplan.domain.travel import haversine_km
from amsplan.errors import ConfigError, InputError
from tests.fakes.osrm import FakeOsrm

HAMAR, STANGE, LOTEN = (60.7945, 11.0680), (60.7155, 11.1905), (60.8195, 11.3375)


@pytest.fixture
def osrm():
    fake = FakeOsrm(max_table_size=5)
    with fake.serve() as running:
        fake.url = running.url
        yield fake


def test_table_gives_minutes_and_km_and_sends_lon_lat_pairs(osrm):
    minutes, km = table(osrm.url + "/", [HAMAR, STANGE, LOTEN], timeout=5)
    [(path, query)] = osrm.requests
    assert path == "/table/v1/driving/11.068000,60.794500;11.190500,60.715500;11.337500,60.819500"
    assert query == {"annotations": "duration,distance"}
    road = haversine_km(HAMAR, STANGE) * 1.25
    assert math.isclose(km[0][1], road, rel_tol=1e-4) and km[1][1] == 0
    assert math.isclose(minutes[0][1], road / 50 * 60, rel_tol=1e-4)
    assert len(minutes) == 3 and all(len(row) == 3 for row in minutes)


@pytest.mark.parametrize(
    ("behaviour", "error", "message"),
    [
        (("code", "NoSegment"), InputError, "cannot route these 2 points: NoSegment"),
        (("status", 500), ConfigError, "failed: HTTP 500"),
        ("hang", ConfigError, "did not answer within 0.5 s"),
    ],
    ids=["osrm-error-code", "http-500", "timeout"],
)
def test_failures_are_one_clear_line(osrm, behaviour, error, message):
    osrm.script.then(behaviour)
    with pytest.raises(error, match=message) as raised:
        table(osrm.url, [HAMAR, STANGE], timeout=0.5)
    assert "60.79" not in str(raised.value)  # no position (a customer's address) in it


def test_too_many_points_and_no_road_are_named(osrm):
    with pytest.raises(InputError, match="TooBig"):
        table(osrm.url, [HAMAR] * 6, timeout=5)
    osrm.no_road = {2}
    with pytest.raises(InputError, match="no road from point 1 to 3"):
        table(osrm.url, [HAMAR, STANGE, LOTEN], timeout=5)


def test_a_server_that_is_not_there(osrm):
    with pytest.raises(ConfigError, match="cannot reach the OSRM server"):
        table("http://127.0.0.1:9", [HAMAR, STANGE], timeout=2)


def test_travel_times_use_the_server_only_when_configured(osrm):
    from dataclasses import replace

    from amsplan.config import load_settings
    from amsplan.services.geo import travel_times

    straight = load_settings(None)
    assert (straight.routing_detour, straight.routing_speed_kmh) == (1.3, 60.0)
    _, km = travel_times(straight, [HAMAR, STANGE])
    assert math.isclose(km[0][1], haversine_km(HAMAR, STANGE) * 1.3) and not osrm.requests
    _, km = travel_times(replace(straight, routing_osrm_url=osrm.url), [HAMAR, STANGE])
    assert math.isclose(km[0][1], haversine_km(HAMAR, STANGE) * 1.25, rel_tol=1e-4)
    assert len(osrm.requests) == 1

"""The [routing] section: travel-time estimate and the OSRM server."""

from __future__ import annotations

import pytest

from amsplan.config import load_settings
from amsplan.errors import ConfigError


def settings(tmp_path, text):
    path = tmp_path / "amsplan.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path)


def test_routing_settings_are_read(tmp_path):
    s = settings(
        tmp_path,
        '[routing]\ndetour = 1.4\nspeed_kmh = 55\nosrm_url = "http://osrm.local:5000"\n'
        "timeout = 5\n",
    )
    assert (s.routing_detour, s.routing_speed_kmh, s.routing_timeout) == (1.4, 55, 5)
    assert s.routing_osrm_url == "http://osrm.local:5000"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("detour = 0.9", "routing.detour must be 1 or more"),
        ("speed_kmh = 0", "routing.speed_kmh positive"),
        ("timeout = 0", "routing.timeout must be positive"),
        ('osrm_url = "osrm.local:5000"', "routing.osrm_url must start with http"),
        ('speed_kmh = "60"', "routing.speed_kmh has the wrong type"),
        ("speed = 60", "unknown setting routing.speed"),
    ],
)
def test_bad_routing_settings_are_one_clear_error(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        settings(tmp_path, f"[routing]\n{text}\n")

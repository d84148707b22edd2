"""Travel times from an OSRM server the company runs: its `table` service.

GET {osrm_url}/table/v1/driving/{lon},{lat};{lon},{lat}...?annotations=duration,distance
answers {"code": "Ok", "durations": [[seconds]], "distances": [[metres]]}, row i from
point i to every point. osrm-routed refuses more points than its --max-table-size
(default 100) with code "TooBig"; amsplan sends one request for all points (no
chunking), so a plan must stay under that limit or the server be started with a larger
one. Errors are one line with no coordinates in them (they are customers' addresses).
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx

from amsplan.errors import ConfigError, InputError
from amsplan.i18n import _

Point = tuple[float, float]  # (lat, lon)


def table(
    base_url: str, points: Sequence[Point], timeout: float
) -> tuple[list[list[float]], list[list[float]]]:
    """(minutes, km) between every pair of points by road, from the OSRM server.

    ConfigError when the server cannot be reached, times out or fails (HTTP 5xx, not
    JSON); InputError when it answers but cannot route the points (its error code)."""
    if not points:
        return [], []
    where = f"{base_url.rstrip('/')}/table/v1/driving/"
    coords = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in points)
    try:
        response = httpx.get(
            where + coords, params={"annotations": "duration,distance"}, timeout=timeout
        )
    except httpx.TimeoutException:
        raise ConfigError(
            _(
                "the OSRM server at {url} did not answer within {seconds} s (routing.timeout)"
            ).format(url=base_url, seconds=f"{timeout:g}")
        ) from None
    except httpx.HTTPError as err:
        raise ConfigError(
            _("cannot reach the OSRM server at {url} (routing.osrm_url): {error}").format(
                url=base_url, error=type(err).__name__
            )
        ) from None
    try:
        body = response.json()
    except ValueError:
        body = None
    code = body.get("code") if isinstance(body, dict) else None
    if response.status_code >= 500 or code is None:
        failed = f"HTTP {response.status_code}" + ("" if code is None else f" ({code})")
        raise ConfigError(
            _("the OSRM server at {url} failed: {error}").format(url=base_url, error=failed)
        )
    if code != "Ok":
        raise InputError(
            _("the OSRM server cannot route these {n} points: {code}").format(
                n=len(points), code=code
            )
        )
    return _matrix(body, "durations", 1 / 60, len(points)), _matrix(
        body, "distances", 1 / 1000, len(points)
    )


class NoRoad(InputError):
    """OSRM found no road from point i to point j (0-based)."""

    def __init__(self, i: int, j: int):
        super().__init__(
            _("the OSRM server found no road from point {one} to {other}").format(
                one=i + 1, other=j + 1
            )
        )
        self.i, self.j = i, j


def _matrix(body: dict, key: str, scale: float, n: int) -> list[list[float]]:
    rows = body.get(key)
    if not isinstance(rows, list) or len(rows) != n or any(len(r) != n for r in rows):
        raise ConfigError(
            _("the OSRM server's answer has no {n}×{n} {table} table").format(n=n, table=key)
        )
    out = []
    for i, row in enumerate(rows):
        if any(v is None for v in row):
            j = next(j for j, v in enumerate(row) if v is None)
            raise NoRoad(i, j)
        out.append([float(v) * scale for v in row])
    return out

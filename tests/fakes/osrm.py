"""A fake OSRM server (osrm-routed, HTTP API v5) answering the `table` service on
127.0.0.1.

GET /table/v1/driving/{lon},{lat};{lon},{lat}...?annotations=duration,distance answers
200 {"code": "Ok", "durations": [[s]], "distances": [[m]], "sources": [...],
"destinations": [...]}; a bad request 400 {"code": "InvalidQuery"|"InvalidOptions",
"message": ...}; more points than max_table_size 400 {"code": "TooBig"}. Its roads are
straight lines × 1.25 driven at 50 km/h: not the estimate amsplan makes itself, so a
test sees which one it got.
"""

from __future__ import annotations

import asyncio
import math
import re
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from tests.fakes.runner import Running, Script

COORD = re.compile(r"-?\d+(\.\d+)?,-?\d+(\.\d+)?")


def road_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Metres between two (lon, lat) points on the fake's roads."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 1.25 * 2 * 6371008.8 * math.asin(math.sqrt(h))


class FakeOsrm:
    def __init__(self, max_table_size: int = 100):
        self.max_table_size = max_table_size
        self.script = Script(hang=2.0)  # "ok", ("status", 500), ("code", "NoSegment"), "hang"
        self.requests: list[tuple[str, dict[str, str]]] = []  # (path, query)
        self.no_road: set[int] = set()  # points no road reaches (null in the tables)
        self.app = Starlette(routes=[Route("/table/v1/driving/{coords:path}", self.table)])

    def serve(self) -> Running:
        return Running(self.app)

    async def table(self, request: Request) -> Response:
        self.requests.append((request.url.path, dict(request.query_params)))
        behaviour = self.script.next()
        if behaviour == "hang":
            await asyncio.sleep(self.script.hang)
        elif isinstance(behaviour, tuple) and behaviour[0] == "status":
            return PlainTextResponse("Internal Server Error", status_code=behaviour[1])
        elif isinstance(behaviour, tuple) and behaviour[0] == "code":
            return self.error(behaviour[1], "scripted")
        raw = request.path_params["coords"].split(";")
        if not all(COORD.fullmatch(c) for c in raw):
            return self.error("InvalidUrl", "URL string malformed")
        points = [(float(c.split(",")[0]), float(c.split(",")[1])) for c in raw]
        if any(not (-180 <= lon <= 180 and -90 <= lat <= 90) for lon, lat in points):
            return self.error("InvalidQuery", "Query string malformed")
        wanted = request.query_params.get("annotations", "duration").split(",")
        if not set(wanted) <= {"duration", "distance"}:
            return self.error("InvalidOptions", "Options string malformed")
        if len(points) > self.max_table_size:
            return self.error("TooBig", "Too many table coordinates")
        body: dict[str, Any] = {
            "code": "Ok",
            "sources": [{"location": list(p), "name": ""} for p in points],
            "destinations": [{"location": list(p), "name": ""} for p in points],
        }
        metres = [[self.cell(i, j, road_m(a, b)) for j, b in enumerate(points)]
                  for i, a in enumerate(points)]  # fmt: skip
        if "distance" in wanted:
            body["distances"] = metres
        if "duration" in wanted:
            body["durations"] = [[None if m is None else m / (50 / 3.6) for m in row]
                                 for row in metres]  # fmt: skip
        return JSONResponse(body)

    def cell(self, i: int, j: int, metres: float) -> float | None:
        return None if (i != j and {i, j} & self.no_road) else round(metres, 1)

    @staticmethod
    def error(code: str, message: str) -> Response:
        return JSONResponse({"code": code, "message": message}, status_code=400)

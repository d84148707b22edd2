"""The map page: one self-contained HTML file (Leaflet inlined, no CDN) with each
technician-day's numbered stops, its route line and start point, and a popup per order.

The page comes from ``templates/maps/map.html.j2``, rendered by Jinja2 with autoescape
(customer names and addresses are hostile input). The stops reach the page's script as
JSON in a ``<script type="application/json">`` block, never as JavaScript source, and the
script puts customer text into the page as text nodes only. Leaflet's JS and CSS are read
from ``templates/maps/leaflet/`` (vendored from its npm package, see the README there).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field

import jinja2
from markupsafe import Markup

from amsplan.config import MAP_ATTRIBUTION, MAP_TILES
from amsplan.i18n import N_, _, babel_locale, language, ngettext
from amsplan.paths import shipped_templates_dir

__all__ = ["OSM_ATTRIBUTION", "OSM_TILES", "Page", "Route", "Stop", "render"]

TEMPLATE_NAME = "maps/map.html.j2"
LEAFLET_DIR = "maps/leaflet"

OSM_TILES = MAP_TILES  # the defaults of [map] tile_url and attribution
OSM_ATTRIBUTION = MAP_ATTRIBUTION


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


_SOURCE_MAP = re.compile(r"^[ \t]*(//# sourceMappingURL=\S*|/\*# sourceMappingURL=\S* \*/)[ \t]*$",
                         re.MULTILINE)  # fmt: skip
_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,30}")
FALLBACK_COLOUR = "#757575"


def _leaflet(name: str) -> str:
    """A vendored Leaflet file, without its source-map comment (the map is not shipped)."""
    text = (shipped_templates_dir() / LEAFLET_DIR / name).read_text(encoding="utf-8")
    return _SOURCE_MAP.sub("", text)


def _colour(value: str) -> str:
    """A colour as CSS may take it (#hex or a colour name); anything else grey."""
    return value if _COLOUR.fullmatch(value) else FALLBACK_COLOUR


# Inside <script> the HTML parser ends the element at "</script" and "<!--" changes its
# state: JSON with <, > and & as \u escapes holds neither and parses to the same values.
_JSON_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def _script_json(value: object) -> Markup:
    """Value as JSON that is safe as the content of a <script> element."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return Markup(text.translate(_JSON_ESCAPES))  # noqa: S704 - no markup left in it


def _figures(route: Route) -> str:
    """'3 stopp · 12,3 km · 45 min kjøring' ('3 stops · 12.3 km · 45 min driving'): the
    stops, and the figures that are known."""
    from babel.numbers import format_decimal

    n = len(route.stops)
    parts = [ngettext("{n} stop", "{n} stops", n).format(n=n)]
    if route.km is not None:
        km = format_decimal(round(route.km, 1), "0.0", locale=babel_locale())
        parts.append(f"{km} km")
    if route.drive_minutes is not None:
        parts.append(_("{minutes} min driving").format(minutes=round(route.drive_minutes)))
    return " · ".join(parts)


# The words of the page's script, in the planner's language (messages).
SCRIPT_TEXTS = {
    "order": N_("Order {order}"),
    "time": N_("Time: {time}"),
    "no_time": N_("No time"),
    "approximate": N_("Approximate position (the postcode's centre)"),
    "start": N_("Start: {route}"),
}


def _page_texts() -> dict[str, str]:
    """The page's own words, in the planner's language (the template shows them)."""
    return {
        "map": _("Map"),
        "empty": _("No orders to show on the map: the selection has no order with a position."),
        "legend": _(
            "Number: the order in the day's route. The stop's colour: the order's status. "
            "Dashed edge: approximate position (the postcode's centre). Square: the start point."
        ),
        "offline": _(
            "The background map cannot be loaded (no network?): stops and routes are shown anyway."
        ),
        "unplaced": _("Not placed on the map"),
    }


def render(page: Page) -> str:
    """The page as one HTML document (UTF-8 text)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(shipped_templates_dir())),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals["texts"] = _page_texts()
    has_stops = any(route.stops for route in page.routes)
    data = {
        "texts": {key: _(text) for key, text in SCRIPT_TEXTS.items()},
        "tileUrl": page.tile_url,
        "attribution": page.attribution,
        "routes": [
            asdict(route)
            | {
                "colour": _colour(route.colour),
                "stops": [asdict(stop) | {"colour": _colour(stop.colour)} for stop in route.stops],
            }
            for route in page.routes
        ],
    }
    return env.get_template(TEMPLATE_NAME).render(
        language=language(),
        page=page,
        has_stops=has_stops,
        figures=_figures,
        colour=_colour,
        data=_script_json(data) if has_stops else "",
        # The vendored files, verbatim: no "</script" or "</style" in them (a unit test checks).
        leaflet_js=Markup(_leaflet("leaflet.js")) if has_stops else "",  # noqa: S704
        leaflet_css=Markup(_leaflet("leaflet.css")) if has_stops else "",  # noqa: S704
    )

"""The map page's HTML without a browser: self-contained (Leaflet inlined, no CDN), the
stops as JSON that cannot end its <script> element, customer text escaped, an empty page
that says so. The page in a real browser: test_map_page.py."""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from amsplan.adapters.maps import OSM_ATTRIBUTION, OSM_TILES, Page, Route, Stop, render
from amsplan.paths import shipped_templates_dir

LEAFLET = shipped_templates_dir() / "maps" / "leaflet"
TILES = "https://tiles.example.no/{z}/{x}/{y}.png"
URL = re.compile(r"https?://[^\s\"'<>()\\]+")


def stop(number=1, order_no="AMS-1", customer="Kari Nordmann", **kw) -> Stop:
    kw.setdefault("colour", "#42a5f5")
    return Stop(number, 60.79, 11.07, order_no, customer, "Storgata 1, 2317 Hamar",
                "08:00-09:00", "Planlagt", **kw)  # fmt: skip


def page(*stops: Stop, **kw) -> Page:
    return Page("Tirsdag 22.04.2026", [Route("T01 Bjørn", list(stops), start=(60.7, 11.0))], **kw)


def data_block(html: str) -> dict:
    [block] = re.findall(r'<script type="application/json" id="map-data">(.*?)</script>', html,
                         flags=re.DOTALL)  # fmt: skip
    return json.loads(block)


def without_leaflet(html: str) -> str:
    """The page less the vendored Leaflet files (their own URLs are comments, the SVG
    namespace and Leaflet's home page: nothing the page loads)."""
    for name in ("leaflet.js", "leaflet.css"):
        text = (LEAFLET / name).read_text(encoding="utf-8")
        text = text.replace("//# sourceMappingURL=leaflet.js.map", "").rstrip()
        assert text in html, f"{name} is not inlined verbatim"
        html = html.replace(text, "")
    return html


def test_leaflet_is_inlined_and_nothing_comes_from_elsewhere():
    attribution = '&copy; <a href="https://www.openstreetmap.org/copyright">OSM</a>'
    html = render(page(stop(), tile_url=TILES, attribution=attribution))
    assert "Leaflet 1.9.4" in html
    assert "sourceMappingURL" not in html
    assert not re.search(r"<(script|img|iframe)[^>]*\bsrc=|<link\b", html)
    rest = without_leaflet(html)
    assert "Leaflet 1.9.4" not in rest
    # The only addresses left: the tile server and the attribution's link (both in the data).
    assert set(URL.findall(rest)) == {
        TILES,
        "https://www.openstreetmap.org/copyright",
    }


def test_the_default_tiles_are_openstreetmap():
    data = data_block(render(page(stop())))
    assert (data["tileUrl"], data["attribution"]) == (OSM_TILES, OSM_ATTRIBUTION)


def test_the_vendored_files_match_their_readme():
    readme = (LEAFLET / "README.md").read_text(encoding="utf-8")
    for name in ("leaflet.js", "leaflet.css", "LICENSE"):
        digest = hashlib.sha256((LEAFLET / name).read_bytes()).hexdigest()
        assert f"{digest}  {name}" in readme
    for name in ("leaflet.js", "leaflet.css"):  # inlined verbatim: they must not end their element
        text = (LEAFLET / name).read_text(encoding="utf-8").lower()
        assert "</script" not in text
        assert "</style" not in text


def test_customer_text_cannot_end_the_data_block_and_comes_back_unchanged():
    hostile = '</script><script>alert(1)</script><!-- & "Ærlige Åse" \u2028'
    html = render(page(stop(customer=hostile, order_no="AMS-</script>")))
    assert "<script>alert(1)" not in html
    assert html.count("</script>") == 3  # data, Leaflet, the map's own script
    [route] = data_block(html)["routes"]
    assert route["stops"][0]["customer"] == hostile
    assert route["stops"][0]["order_no"] == "AMS-</script>"


def test_titles_and_unplaced_reasons_are_escaped_in_the_legend():
    html = render(Page("<b>uke</b>", [Route("<img src=x onerror=alert(1)>", [stop()])],
                       unplaced=["AMS-9 <i>x</i>: no coordinates and no postcode"]))  # fmt: skip
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<title>&lt;b&gt;uke&lt;/b&gt;</title>" in html
    assert "AMS-9 &lt;i&gt;x&lt;/i&gt;: no coordinates and no postcode" in html


@pytest.mark.parametrize("colour", ["red; background-image: url(http://x.example/)", "#12"])
def test_a_colour_that_is_not_one_becomes_grey(colour):
    html = render(Page("t", [Route("T01", [stop(colour=colour)], colour=colour)]))
    [route] = data_block(html)["routes"]
    assert route["colour"] == route["stops"][0]["colour"] == "#757575"
    assert "x.example" not in html


def test_km_and_driving_minutes_show_when_known():
    known = render(Page("t", [Route("T01", [stop()], km=12.34, drive_minutes=30.6)]))
    assert "1 stop · 12.3 km · 31 min driving" in known
    unknown = render(Page("t", [Route("T01", [stop()])]))
    assert "km" not in re.sub(r"<script.*?</script>", "", unknown, flags=re.DOTALL)


def test_a_page_without_stops_says_so_instead_of_a_map():
    html = render(Page("Tirsdag 22.04.2026", [Route("T01", [])], unplaced=["AMS-7: no postcode"]))
    assert "No orders to show on the map" in html
    assert 'id="map"' not in html
    assert "Leaflet" not in html  # no map, no library
    assert "AMS-7: no postcode" in html
    assert "No orders to show on the map" in render(Page("Tom", []))


def test_the_page_speaks_norwegian_when_the_planner_does():
    from amsplan import i18n

    i18n.use("nb")
    html = render(Page("t", [Route("T01", [stop()], km=12.34, drive_minutes=30.6)]))
    assert '<html lang="nb">' in html and "1 stopp · 12,3 km · 31 min kjøring" in html
    assert "Stiplet kant: omtrentlig posisjon" in html
    assert data_block(html)["texts"]["order"] == "Ordre {order}"
    assert "No orders" not in html and "Order" not in html.split("<script")[0]
    assert "Ingen ordre å vise på kartet" in render(Page("Tom", []))


def test_a_stop_without_a_position_is_refused():
    with pytest.raises(ValueError):
        render(page(Stop(1, float("nan"), 11.0, "AMS-1", "K", "A", "", "P", "#000000")))

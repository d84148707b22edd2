"""The map page in a real headless Chromium: one marker per stop, the start points and
route lines, popups, hostile customer text shown as text, and no console error, with
and without a reachable tile server. The pages are Norwegian, as a planner sees them by
default (the script's words come from the catalog).

Needs Debian's chromium and chromium-driver (`scripts/system-deps.sh --postgres` installs
them); without them the module is skipped, unless AMSPLAN_REQUIRE_BROWSER=1 (`make test`).
"""

from __future__ import annotations

import base64
import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from amsplan import i18n
from amsplan.adapters.maps import Page, Route, Stop, render

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
HOSTILE = "<script>alert(1)</script> Ærlige Øystein Åsen"
GREEN, BLUE, ORANGE = "#43a047", "#42a5f5", "#fb8c00"
OK = "Bekreftet"
# A 1x1 PNG: what the local tile server answers for every tile.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def stop(number, order_no, lat, lon, customer="Kari Nordmann", window="08:00-09:00", **kw):
    kw.setdefault("status", "Planlagt")
    kw.setdefault("colour", BLUE)
    return Stop(number, lat, lon, order_no, customer, f"Storgata {number}, 2317 Hamar",
                window, **kw)  # fmt: skip


def sample(tile_url: str) -> Page:
    return Page(
        title="Uke 17: Hamar",
        tile_url=tile_url,
        attribution="&copy; test tiles",
        routes=[
            Route(
                "T01 Bjørn Ødegård, tirsdag 22.04.2026",
                [
                    stop(1, "AMS-1", 60.795, 11.070, window="08:00-09:00"),
                    stop(2, "AMS-2", 60.800, 11.080, customer=HOSTILE, window="09:00-10:00"),
                    stop(3, "AMS-3", 60.790, 11.090, approximate=True, colour=GREEN, status=OK),
                ],
                start=(60.780, 11.050),
                colour="#1f6feb",
                km=12.3,
                drive_minutes=31,
            ),
            Route(
                "T02 Åse Berg, tirsdag 22.04.2026",
                [
                    stop(1, "AMS-4", 60.810, 11.100, window="08:00-09:00"),
                    stop(2, "AMS-5", 60.815, 11.120, window="10:00-11:00"),
                ],
                start=(60.820, 11.060),
                colour="#d81b60",
            ),
            Route("Åpne ordre", [stop(0, "AMS-6", 60.805, 11.030, window="", colour=ORANGE)]),
        ],
        unplaced=["AMS-7: no coordinates and no postcode"],
    )


BROWSER_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run",
]  # fmt: skip
ORDERS = ["AMS-1", "AMS-2", "AMS-3", "AMS-4", "AMS-5", "AMS-6"]


@pytest.fixture(autouse=True)
def norwegian():
    i18n.use("nb")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        reason = "needs /usr/bin/chromium and /usr/bin/chromedriver (apt: chromium chromium-driver)"
        if os.environ.get("AMSPLAN_REQUIRE_BROWSER") == "1":
            pytest.fail(f"AMSPLAN_REQUIRE_BROWSER=1 but the map page test {reason}")
        pytest.skip(f"the map page test {reason}")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in BROWSER_ARGS:
        options.add_argument(arg)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(20)
    yield driver
    driver.quit()


def closed_port() -> int:
    """A 127.0.0.1 port nothing listens on (bound, then closed): the tiles' 'no network'."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def tile_server():
    """A local tile server: a PNG for every path, and the paths it was asked for."""
    asked: list[str] = []

    class Tiles(BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(PNG)))
            self.end_headers()
            self.wfile.write(PNG)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/{{z}}/{{x}}/{{y}}.png", asked
    server.shutdown()
    server.server_close()


def show(driver, tmp_path: Path, page: Page) -> None:
    """Open the page as a planner does (a file) and wait until the tiles are decided."""
    from selenium.webdriver.support.ui import WebDriverWait

    path = tmp_path / "map.html"
    path.write_text(render(page), encoding="utf-8")
    driver.get_log("browser")  # drop what an earlier page logged
    driver.get(path.as_uri())
    WebDriverWait(driver, 10).until(
        lambda d: d.execute_script("return document.body.getAttribute('data-tiles')")
    )


def console_errors(driver) -> list[dict]:
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def count(driver, css: str) -> int:
    return len(driver.find_elements("css selector", css))


def popup_of(driver, order_no: str):
    """Click the stop's marker; the popup that opens (its content element)."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    driver.find_element("css selector", f'.stop[data-order="{order_no}"]').click()
    # A popup that is closing may leave the page while it is read: look again.
    wait = WebDriverWait(driver, 5, ignored_exceptions=[StaleElementReferenceException])
    return wait.until(
        lambda d: next((p for p in d.find_elements("css selector", ".leaflet-popup-content")
                        if f"Ordre {order_no}" in p.text), None)
    )  # fmt: skip


def test_offline_every_stop_start_and_route_shows_without_console_errors(browser, tmp_path):
    show(browser, tmp_path, sample(f"http://127.0.0.1:{closed_port()}/{{z}}/{{x}}/{{y}}.png"))

    markers = browser.find_elements("css selector", ".stop")
    assert sorted(m.get_attribute("data-order") for m in markers) == ORDERS
    numbers = {m.get_attribute("data-order"): m.text for m in markers}
    assert numbers == dict(zip(ORDERS, ["1", "2", "3", "1", "2", ""], strict=True))
    approximate = browser.find_elements("css selector", ".stop.approximate")
    assert [m.get_attribute("data-order") for m in approximate] == ["AMS-3"]
    assert count(browser, ".start") == 2
    assert count(browser, "path.route") == 2  # the open order has no line
    assert console_errors(browser) == []
    assert browser.execute_script("return document.body.getAttribute('data-tiles')") == "offline"
    assert browser.find_element("id", "offline").is_displayed()
    assert count(browser, ".leaflet-tile") == 0
    legend = browser.find_element("tag name", "aside").text
    assert "T01 Bjørn Ødegård, tirsdag 22.04.2026" in legend
    assert "12,3 km · 31 min kjøring" in legend
    assert "AMS-7: no coordinates and no postcode" in legend


def test_the_hostile_customer_name_is_text_and_runs_nothing(browser, tmp_path):
    from selenium.common.exceptions import NoAlertPresentException

    show(browser, tmp_path, sample(f"http://127.0.0.1:{closed_port()}/{{z}}/{{x}}/{{y}}.png"))

    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018 - reading it is the check
    # The page's own three scripts (data, Leaflet, map) and nothing the name injected.
    assert count(browser, "script") == 3
    customer = popup_of(browser, "AMS-2").find_element("css selector", ".customer")
    assert customer.text == HOSTILE
    assert count(browser, ".leaflet-popup-content script") == 0
    assert console_errors(browser) == []


def test_a_stop_opens_its_popup_on_click(browser, tmp_path):
    show(browser, tmp_path, sample(f"http://127.0.0.1:{closed_port()}/{{z}}/{{x}}/{{y}}.png"))
    assert count(browser, ".leaflet-popup") == 0

    popup = popup_of(browser, "AMS-5").text  # "Ordre AMS-5" in it
    assert "Tid: 10:00-11:00" in popup
    assert "Planlagt" in popup
    assert "Omtrentlig" not in popup

    browser.find_element("css selector", ".leaflet-popup-close-button").click()
    popup = popup_of(browser, "AMS-3")
    assert "Omtrentlig posisjon (postnummerets sentrum)" in popup.text
    status = popup.find_element("css selector", ".status")
    assert status.value_of_css_property("background-color") == "rgba(67, 160, 71, 1)"  # GREEN


def test_with_a_tile_server_the_tiles_load_under_the_stops(browser, tmp_path, tile_server):
    from selenium.webdriver.support.ui import WebDriverWait

    url, asked = tile_server
    show(browser, tmp_path, sample(url))

    assert browser.execute_script("return document.body.getAttribute('data-tiles')") == "online"
    WebDriverWait(browser, 10).until(lambda d: count(d, ".leaflet-tile-loaded") > 0)
    assert any(path.endswith(".png") and path != "/0/0/0.png" for path in asked)
    assert count(browser, ".stop") == len(ORDERS)
    assert count(browser, "path.route") == 2
    assert not browser.find_element("id", "offline").is_displayed()
    assert "© test tiles" in browser.find_element("class name", "leaflet-control-attribution").text
    assert console_errors(browser) == []

"""amsplan plan, route and map as a planner types them: the proposal, the question, the
JSON, the refusals (one line, an exit code, no traceback) and the map file."""

from __future__ import annotations

import json
import re
import stat
from datetime import time, timedelta

import typer
from typer.testing import CliRunner

from amsplan.cli import app
from amsplan.services import planning
from amsplan.services.technicians import add_technician
from tests.cli.support import data, error, ok, order, row, run, statuses
from tests.helpers import DAY, assign_all
from tests.plan_area import NEXT, area, day_visits, zigzag

FROM, TO = ["--from", "22.04.2026"], ["--to", "2026-04-23"]


def test_dry_run_shows_the_days_and_totals_and_changes_nothing(workspace):
    area(workspace, 12)
    out = ok("plan", *FROM, *TO, "--dry-run", "--visits").stdout
    assert "12 of 12 selected orders planned" in out
    total = row(out, "total")
    assert re.search(r"total\W+\d days\W+12\W+12\W+[\d.]+\W+\d+ min", total), total
    assert "T01" in out and "Wednesday 22.04.2026" in out
    assert "Assign" not in out  # no question on a dry run
    assert statuses() == {"open": 12}
    empty = ok("plan", *FROM, "--municipality", "9999").stdout
    assert empty == "Nothing to plan: no open or reopened order without a time matches.\n"


def test_the_question_names_the_count_and_no_changes_nothing_yes_assigns(workspace):
    area(workspace, 10)
    runner = CliRunner()
    refused = runner.invoke(app, ["plan", *FROM], input="n\n")
    assert refused.exit_code == 1
    assert "Assign 10 orders to " in refused.output and "technician-days?" in refused.output
    assert statuses() == {"open": 10}
    done = runner.invoke(app, ["plan", *FROM], input="y\n")
    assert done.exit_code == 0, done.output
    assert "Assigned 10 orders." in done.output
    assert statuses() == {"planning": 10}


def test_an_order_taken_while_the_planner_reads_is_skipped_and_named(workspace, monkeypatch):
    area(workspace, 3)
    asked = []

    def answer_after_another_planner(question, **kwargs):  # the prompt, as typed
        asked.append(question)
        assign_all(workspace, ["AMS-00001"], tech="T02")  # meanwhile, at 08:00
        return "y"

    monkeypatch.setattr(typer, "prompt", answer_after_another_planner)
    done = run("plan", *FROM, "--tech", "T01")
    assert asked == ["Assign 3 orders to 1 technician-day? [y/N]"]
    assert done.exit_code == 1, done.output
    assert "skipped AMS-00001: taken meanwhile: now " in done.output
    assert "on T02 22.04.2026 08:00" in done.output
    assert "Assigned 2 orders, 1 skipped." in done.output
    assert {n for n, *_ in day_visits(workspace, "T01", DAY)} == {"AMS-00002", "AMS-00003"}
    assert order("AMS-00001")["technician_id"] == "T02"


def test_yes_and_json_give_the_proposal_and_what_was_applied(workspace):
    area(workspace, 8)
    dry = data("plan", *FROM, "--dry-run")
    assert set(dry) == {"proposal", "applied"} and dry["applied"] is None
    assert sum(len(d["visits"]) for d in dry["proposal"]["days"]) == 8
    assert statuses() == {"open": 8}
    done = data("plan", *FROM, "--yes")
    placed = {p["order_no"]: p["start"] for p in done["applied"]["placed"]}
    proposed = {v["order_no"]: v["start"] for d in done["proposal"]["days"] for v in d["visits"]}
    assert placed == proposed and len(placed) == 8 and done["applied"]["skipped"] == []
    assert statuses() == {"planning": 8}
    day = done["proposal"]["days"][0]
    assert {"tech_id", "day", "visits", "figures"} <= set(day)
    assert {"km", "drive_minutes", "idle_minutes", "back"} <= set(day["figures"])


def test_what_cannot_be_planned_is_listed_with_the_reason(workspace):
    area(
        workspace, 6,
        **{
            "AMS-00002": {"lat": "", "lon": ""},
            "AMS-00003": {"lat": "", "lon": "", "postcode": "9999"},
        },
    )  # fmt: skip
    add_technician(workspace.context(), "T03", "Uten start", "41234568", "07:00", "16:00")
    out = ok("plan", *FROM, "--to", "26.04.2026", "--dry-run", "--visits").stdout
    no_start = "T03 has no start point (amsplan techs add T03 --lat ... --lon ...)"
    assert f"not planned T03 on 3 days from 22.04.2026 to 24.04.2026: {no_start}" in out
    assert out.count("not planned T03") == 1
    assert "not placed AMS-00003: no coordinates, and no order in postcode 9999 has any" in out
    assert "approximate position" in row(out, "AMS-00002")
    assert "technician-days are weekends or public holidays" in out
    assert "[" not in out.replace("[planning]", "")  # no markup printed as text


def test_plan_refuses_bad_input_in_one_line(workspace):
    area(workspace, 2)
    assert "--to is before --from" in error(5, "plan", "--from", "2026-04-23", "--to", "22.04.2026")
    assert "no technician 'T99'" in error(4, "plan", *FROM, "--tech", "T99")
    assert "no saved filter 'Nord'" in error(4, "plan", *FROM, "--filter", "Nord")
    assert "--from" in error(5, "plan", "--from", "31.02.2026")
    assert "--from 31.03.2026 is in the past (today is 01.04.2026)" in error(
        5, "plan", "--from", "31.03.2026"
    )
    assert "plan at most 63 days at a time" in error(5, "plan", *FROM, "--to", "2026-12-31")


def test_route_dry_run_shows_km_before_and_after_then_reorders_the_day(workspace):
    day = zigzag(workspace)
    out = ok("route", "--tech", "T01", "--date", "22.04.2026", "--dry-run").stdout
    after, before = map(float, re.search(r"would drive ([\d.]+) km.*was ([\d.]+) km", out).groups())
    assert after < before
    assert [n for n, *_ in day_visits(workspace, "T01", DAY)] == day  # unchanged
    routed = data("route", "--tech", "T01", "--date", "2026-04-22")
    assert routed["after"]["km"] == after or abs(routed["after"]["km"] - after) < 0.05
    assert [n for n, *_ in day_visits(workspace, "T01", DAY)] != day


def test_route_refuses_a_locked_day_a_full_day_and_unknown_names(workspace):
    day = zigzag(workspace)
    ok("lock", "--tech", "T01", "--date", "2026-04-22")
    refused = error(5, "route", "--tech", "T01", "--date", "2026-04-22")
    assert "T01 Wednesday 22.04.2026 is locked: its customers have their times" in refused
    three_hours = ["AMS-00001", "AMS-00002", "AMS-00003"]  # the whole working day
    planning.assign(workspace.context(), three_hours, "T02", DAY, time(7), timedelta(hours=3))
    assert "more than the 540 min left" in error(
        5, "route", "--tech", "T02", "--date", "22.04.2026"
    )
    assert "no technician 'T99'" in error(4, "route", "--tech", "T99", "--date", "22.04.2026")
    assert "T02 has no visits on Thursday 23.04.2026" in error(
        5, "route", "--tech", "T02", "--date", "23.04.2026"
    )
    assert [n for n, *_ in day_visits(workspace, "T01", DAY)] == day  # untouched


def stops(path) -> list[dict]:
    html = path.read_text(encoding="utf-8")
    found = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', html, re.S)
    return [s for r in json.loads(found.group(1))["routes"] for s in r["stops"]]


def test_map_writes_one_private_self_contained_page(workspace):
    area(workspace, 6, **{"AMS-00006": {"lat": "", "lon": "", "postcode": "9999"}})
    ctx = workspace.context()
    planning.assign(ctx, ["AMS-00001", "AMS-00002", "AMS-00006"], "T01", DAY, time(8),
                    timedelta(hours=1))  # fmt: skip
    planning.assign(ctx, ["AMS-00003"], "T02", NEXT, time(8), timedelta(hours=1))
    out = ok("map", "--tech", "T01", "--date", "2026-04-22", "-o", "t01.html").stdout
    page = workspace.path / "t01.html"
    assert stat.S_IMODE(page.stat().st_mode) == 0o600  # customers' names and addresses
    assert [s["order_no"] for s in stops(page)] == ["AMS-00001", "AMS-00002"]
    assert "not on the map AMS-00006: no coordinates" in out
    html = page.read_text(encoding="utf-8")
    assert "<script src=" not in html and "unpkg" not in html  # no CDN
    ok("map", "--week", "--date", "2026-04-22", "-o", "week.html")
    assert len(stops(workspace.path / "week.html")) == 3
    ok("orders", "list", "--status", "open", "--save-as", "Åpne")
    ok("map", "--filter", "Åpne", "-o", "open.html")
    assert {s["order_no"] for s in stops(workspace.path / "open.html")} == {
        "AMS-00004",
        "AMS-00005",
    }


def test_map_refuses_bad_input_in_one_line(workspace):
    area(workspace, 1)
    assert "name a file in an existing folder" in error(5, "map", "-o", "missing/map.html")
    assert "no saved filter 'Nord'" in error(4, "map", "--filter", "Nord", "-o", "m.html")
    assert "no technician 'T99'" in error(4, "map", "--tech", "T99", "-o", "m.html")
    assert not (workspace.path / "m.html").exists()

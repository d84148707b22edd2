"""Technicians' start points (home or depot): techs add --lat/--lon, import, list."""

from __future__ import annotations

import pytest

from tests.cli.support import data, error, ok, row


def starts() -> dict[str, tuple[float | None, float | None]]:
    return {t["id"]: (t["start_lat"], t["start_lon"]) for t in data("techs", "list")}


def test_add_with_a_start_point_then_list_shows_it(workspace):
    out = ok("techs", "add", "T01", "--name", "Kari", "--lat", "60,7945", "--lon", "11.0679")
    assert "start 60.79450, 11.06790" in out.stdout
    assert starts() == {"T01": (60.7945, 11.0679)}
    assert "60.79450, 11.06790" in row(ok("techs", "list").stdout, "T01", "Kari")


def test_updating_other_fields_keeps_the_start_point(workspace):
    ok("techs", "add", "T01", "--name", "Kari", "--lat", "60.8", "--lon", "11.1")
    ok("techs", "add", "T01", "--start", "08:00")
    ok("techs", "add", "T01", "--lat", "-33.9", "--lon", "151.2")  # anywhere on earth
    assert starts() == {"T01": (-33.9, 151.2)}


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--lat", "91", "--lon", "11"], "--lat: 91 is out of range"),
        (["--lat", "60", "--lon", "-180.5"], "--lon: -180.5 is out of range"),
        (["--lat", "nord", "--lon", "11"], "--lat: 'nord' is not a number"),
        (["--lat", "60"], "--lat and --lon go together"),
    ],
    ids=["lat-range", "lon-range", "not-number", "half"],
)
def test_bad_start_point_is_refused(workspace, args, named):
    assert named in error(5, "techs", "add", "T01", "--name", "Kari", *args)
    assert data("techs", "list") == []


def test_import_start_points_norwegian_and_english_headers(workspace):
    (workspace.path / "montorer.csv").write_text(
        "Montørnr;Navn;Breddegrad;Lengdegrad\nT01;Ola;60,7945;11,0679\nT02;Kari;;\n",
        encoding="utf-8-sig",
    )
    ok("techs", "import", "montorer.csv")
    assert starts() == {"T01": (60.7945, 11.0679), "T02": (None, None)}
    (workspace.path / "techs.csv").write_text(
        "tech_id,name,latitude,longitude\nT02,Kari,60.88,11.56\nT01,Ola,,\n", encoding="utf-8"
    )
    ok("techs", "import", "techs.csv")
    # An empty pair of cells keeps the start point already known.
    assert starts() == {"T01": (60.7945, 11.0679), "T02": (60.88, 11.56)}


def test_import_bad_start_points_name_file_line_and_field(workspace):
    (workspace.path / "montorer.csv").write_text(
        "Montørnr;Navn;Lat;Lon\n"
        "T01;Ola;60,79;11,06\n"
        "T02;Kari;95;11\n"
        "T03;Per;60;øst\n"
        "T04;Åse;60,1;\n",
        encoding="utf-8",
    )
    stderr = error(5, "techs", "import", "montorer.csv")
    assert "nothing was imported" in stderr
    assert "montorer.csv:3: Breddegrad: 95 is out of range" in stderr
    assert "montorer.csv:4: Lengdegrad: 'øst' is not a number" in stderr
    assert "montorer.csv:5" in stderr and "give both or neither" in stderr
    assert data("techs", "list") == []

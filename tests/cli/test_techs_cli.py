"""amsplan techs add|list|import, with their working hours."""

from __future__ import annotations

import pytest

from tests.cli.support import data, error, ok, row


def test_add_then_list(workspace):
    result = ok(
        "techs", "add", "T07", "--name", "Ola Nordmann", "--phone", "41234567",
        "--start", "07:00", "--end", "15:00",
    )  # fmt: skip
    assert "T07 Ola Nordmann 07:00-15:00" in result.stdout

    listed = ok("techs", "list").stdout
    assert "41234567" in row(listed, "T07", "Ola Nordmann", "07:00-15:00")
    assert data("techs", "list") == [
        {
            "id": "T07",
            "name": "Ola Nordmann",
            "phone": "41234567",
            "work_start": "07:00:00",
            "work_end": "15:00:00",
            "active": True,
            "working_days": "12345",
            "start_lat": None,
            "start_lon": None,
        }
    ]


def test_add_defaults_and_short_time_forms(workspace):
    ok("techs", "add", "T01", "--name", "Kari")
    ok("techs", "add", "T02", "--name", "Per", "--start", "6", "--end", "14.30")
    hours = {t["id"]: (t["work_start"], t["work_end"]) for t in data("techs", "list")}
    assert hours == {"T01": ("07:30:00", "15:30:00"), "T02": ("06:00:00", "14:30:00")}


def test_add_again_updates_the_technician(workspace):
    ok("techs", "add", "T01", "--name", "Kari", "--start", "07:00", "--end", "15:00")
    ok("techs", "add", "T01", "--name", "Kari Hansen", "--start", "08:00", "--end", "16:00")
    techs = data("techs", "list")
    assert [(t["id"], t["name"], t["work_start"]) for t in techs] == [
        ("T01", "Kari Hansen", "08:00:00")
    ]


def test_working_hours_that_end_before_they_start_are_refused(workspace):
    stderr = error(5, "techs", "add", "T01", "--name", "Kari", "--start", "16:00", "--end", "07:00")
    assert "T01" in stderr and "16:00-07:00" in stderr and "end before they start" in stderr
    assert data("techs", "list") == []


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["T01", "--name", "Kari", "--start", "7am"], "'7am'"),
        (["T01", "--name", "Kari", "--end", "25:00"], "'25:00'"),
        (["T 01", "--name", "Kari"], "'T 01'"),
        (["T01", "--name", "  "], "name is missing"),
    ],
    ids=["bad-start", "bad-end", "bad-id", "no-name"],
)
def test_bad_technician_is_refused_naming_the_value(workspace, args, named):
    assert named in error(5, "techs", "add", *args)
    assert data("techs", "list") == []


def test_import_norwegian_file_then_update(workspace):
    (workspace.path / "montorer.csv").write_text(
        "Montørnr;Navn;Telefon;Arbeidstid fra;Arbeidstid til\n"
        "T01;Ola Montør;41234567;07:00;15:00\n"
        "T02;Kari Montør;;08:00;16:00\n",
        encoding="utf-8-sig",
    )
    assert "2 new, 0 updated" in ok("techs", "import", "montorer.csv").stdout
    assert "0 new, 2 updated" in ok("techs", "import", "montorer.csv").stdout
    techs = {t["id"]: t for t in data("techs", "list")}
    assert techs["T01"]["name"] == "Ola Montør"
    assert (techs["T02"]["work_start"], techs["T02"]["work_end"]) == ("08:00:00", "16:00:00")


def test_import_english_headers_with_commas(workspace):
    (workspace.path / "techs.csv").write_text(
        "tech_id,name,phone,start,end\nT05,Per,,06:30,14:30\n", encoding="utf-8"
    )
    assert "1 new" in ok("techs", "import", "techs.csv").stdout
    assert data("techs", "list")[0]["work_start"] == "06:30:00"


def test_import_with_bad_hours_imports_nothing_and_names_the_lines(workspace):
    (workspace.path / "montorer.csv").write_text(
        "Montørnr;Navn;Telefon;Arbeidstid fra;Arbeidstid til\n"
        "T01;Ola;;07:00;15:00\n"
        "T02;Kari;;16:00;07:00\n"
        "T03;Per;;sju;15:00\n"
        "T01;Ola igjen;;07:00;15:00\n",
        encoding="utf-8",
    )
    stderr = error(5, "techs", "import", "montorer.csv")
    assert "nothing was imported" in stderr
    assert "montorer.csv:3" in stderr and "end before they start" in stderr
    assert "montorer.csv:4" in stderr and "'sju'" in stderr
    assert "montorer.csv:5" in stderr and "already on line 2" in stderr
    assert data("techs", "list") == []


def test_import_missing_file(workspace):
    assert "nope.csv" in error(4, "techs", "import", "nope.csv")

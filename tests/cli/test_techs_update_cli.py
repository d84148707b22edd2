"""amsplan techs add|import on a technician who exists: only what is given changes, and
booked visits that new working hours leave outside them are listed (issue 12.6)."""

from __future__ import annotations

from tests.cli.support import data, error, ok, row
from tests.helpers import locked


def hours(tech_id: str = "T01") -> tuple[str, str, str, str]:
    tech = {t["id"]: t for t in data("techs", "list")}[tech_id]
    return tech["name"], tech["phone"], tech["work_start"], tech["work_end"]


def test_new_phone_keeps_the_working_hours(workspace):
    ok("techs", "add", "T01", "--name", "Ola", "--phone", "41234567", "--start", "07:00",
       "--end", "16:00")  # fmt: skip

    ok("techs", "add", "T01", "--name", "Ola Montør", "--phone", "49999999")

    assert hours() == ("Ola Montør", "49999999", "07:00:00", "16:00:00")


def test_only_the_options_given_change(workspace):
    ok("techs", "add", "T01", "--name", "Ola", "--phone", "41234567", "--start", "07:00",
       "--end", "16:00")  # fmt: skip

    ok("techs", "add", "T01", "--phone", "49999999")
    assert hours() == ("Ola", "49999999", "07:00:00", "16:00:00")
    ok("techs", "add", "T01", "--end", "17:00")
    assert hours() == ("Ola", "49999999", "07:00:00", "17:00:00")


def test_a_new_technician_needs_a_name_and_gets_the_default_hours(workspace):
    assert "T09" in error(5, "techs", "add", "T09", "--phone", "41234567")
    assert data("techs", "list") == []
    ok("techs", "add", "T09", "--name", "Per")
    assert hours("T09") == ("Per", "", "07:30:00", "15:30:00")


def test_an_update_that_ends_before_it_starts_is_refused(workspace):
    ok("techs", "add", "T01", "--name", "Ola", "--start", "07:00", "--end", "16:00")
    assert "17:00-16:00" in error(5, "techs", "add", "T01", "--start", "17:00")
    assert hours()[2:] == ("07:00:00", "16:00:00")


def test_shorter_hours_list_the_booked_visits_left_outside(workspace):
    locked(workspace, 3)  # T01 07:00-16:00; 2026-04-22 08:00, 09:00, 10:00, an hour each

    result = ok("techs", "add", "T01", "--start", "09:00", "--end", "10:30")

    assert hours()[2:] == ("09:00:00", "10:30:00")  # the change is made
    assert "2 booked visits are outside the new working hours" in result.stdout
    assert row(result.stdout, "AMS-00001", "2026-04-22 08:00-09:00")
    assert row(result.stdout, "AMS-00003", "2026-04-22 10:00-11:00")
    assert "AMS-00002" not in result.stdout


def test_hours_that_still_fit_list_nothing_across_dst(workspace):
    """Winter today, summer visits: 08:00 local is 06:00 UTC and still fits 08:00-16:00."""
    locked(workspace, 3)
    winter = {"AMSPLAN_NOW": "2026-03-20T08:00"}

    result = ok("techs", "add", "T01", "--start", "08:00", env=winter)

    assert "outside" not in result.stdout
    assert "AMS-0000" not in result.stdout


def test_visits_already_past_are_not_listed(workspace):
    locked(workspace, 3)

    result = ok("techs", "add", "T01", "--start", "09:00", env={"AMSPLAN_NOW": "2026-04-23T08:00"})

    assert "AMS-0000" not in result.stdout


def test_import_keeps_hours_of_empty_cells_and_lists_visits_outside_new_hours(workspace):
    locked(workspace, 3)  # T01 Ola Montør 07:00-16:00
    (workspace.path / "montorer.csv").write_text(
        "Montørnr;Navn;Telefon;Arbeidstid fra;Arbeidstid til\n"
        "T01;Ola Montør;41234567;;10:00\n"
        "T02;Kari Montør;;;\n",
        encoding="utf-8",
    )

    result = ok("techs", "import", "montorer.csv")

    assert "1 new, 1 updated" in result.stdout
    assert hours()[2:] == ("07:00:00", "10:00:00")
    assert hours("T02")[2:] == ("07:30:00", "15:30:00")
    assert row(result.stdout, "AMS-00003", "2026-04-22 10:00-11:00")
    assert "AMS-00001" not in result.stdout

"""Orders, technicians, filters and the calendar in one language at a time (Norwegian by
default, English in the suite), their help, and their JSON as docs/json.md documents it."""

from __future__ import annotations

import json
import re

import pytest
import typer

from amsplan.cli import app
from tests import jsondoc
from tests.cli.support import data, fails, ok, run, runner
from tests.helpers import locked

NB = {"AMSPLAN_LANGUAGE": "nb"}
# Internal keys a planner must not see where a label belongs.
KEYS = re.compile(r"ready_to_print|awaiting_response|manual_followup|failed_visit|=True|\['")


def nb_error(code: int, *args: object) -> str:
    """A command in Norwegian that must fail with `code` and one line "Feil: ..."."""
    stderr = fails(code, *args, env=NB).stderr
    assert stderr.startswith("Feil: ") and len(stderr.splitlines()) == 1, stderr
    return stderr


def _booked(ws) -> None:
    """Two locked orders of T01 on 22.04.2026 (08:00, 09:00), T01 away on the 24th, and a
    saved filter."""
    locked(ws, 2)
    ok("techs", "absent", "T01", "--from", "2026-04-24", "--reason", "syk")
    ok("orders", "list", "--failed-visit", "--stage", "Etappe 1", "--save-as", "E1 bom")


def test_json_of_orders_techs_and_filters_is_as_documented(workspace):
    _booked(workspace)
    for words, args in (
        ("orders import", ("orders.csv",)),
        ("orders show", ("AMS-00001",)),
        ("orders list", ()),
        ("techs list", ()),
        ("techs absences", ()),
        ("filters list", ()),
        ("filters show", ("E1 bom",)),
        ("calendar", ("--tech", "T01", "--date", "2026-04-22")),
    ):
        jsondoc.check(words, ok(*words.split(), *args, "--json").stdout)
    shown = data("orders", "show", "AMS-00001")
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", shown["booking_code"])
    assert shown["planned_start"] == "2026-04-22T08:00:00+02:00"
    assert [e["transition"] for e in shown["timeline"]] == ["plan", "lock"]
    (load,) = data("calendar", "--date", "2026-04-22")
    assert set(load) == set(json.loads(_second_example("calendar"))[0])
    assert load["first"] == "2026-04-22T08:00:00+02:00"
    saved = {f["name"]: f for f in data("filters", "list")}["E1 bom"]
    assert saved["criteria"]["failed_visit"] is True and saved["criteria"]["stage"] == "Etappe 1"
    assert saved["description"] == "stage: Etappe 1; failed visit"
    assert saved["predefined"] is False and saved["saved_by"]


def _second_example(words: str) -> str:
    """The second ```json block of a command's section in docs/json.md."""
    text = jsondoc.DOC.read_text(encoding="utf-8")
    section = text.split(f"### `amsplan {words}", 1)[1].split("\n### ", 1)[0]
    return section.split("```json\n")[2].split("```")[0]


def test_json_is_the_same_in_norwegian_but_for_the_texts_for_people(workspace):
    _booked(workspace)
    english = data("orders", "list")
    norwegian = data("orders", "list", env=NB)
    assert [r["status"] for r in norwegian] == [r["status"] for r in english]
    assert [r["booking_code"] for r in norwegian] == [r["booking_code"] for r in english]
    assert {r["status_label"] for r in norwegian} == {"Klar til utskrift"}
    jsondoc.check("orders show", ok("orders", "show", "AMS-00001", "--json", env=NB).stdout)


def test_a_planner_reads_orders_in_norwegian(workspace):
    _booked(workspace)
    listed = ok("orders", "list", "--status", "Klar til utskrift", env=NB).stdout
    assert "Klar til utskrift" in listed and "2 ordre treffer: status: Klar til utskrift" in listed
    assert "avtale" in listed and "kunde" in listed
    shown = ok("orders", "show", "AMS-00001", env=NB).stdout
    assert "Kunde" in shown and "Målepunkt" in shown and "Bookingkode" in shown
    assert "Historikk" in shown and "Åpen → Under planlegging" in shown
    assert "Under planlegging → Klar til utskrift" in shown
    for screen in (listed, shown):
        assert not KEYS.search(screen), screen
        assert "Customer" not in screen and "orders match" not in screen
    refused = nb_error(5, "orders", "list", "--status", "tapt")
    assert "Klar til utførelse (ready_for_execution)" in refused
    assert "finner ikke ordre 'AMS-404'" in nb_error(4, "orders", "show", "AMS-404")


def test_the_confirmation_is_asked_in_norwegian(workspace):
    _booked(workspace)
    asked = runner.invoke(
        app, ["orders", "set-owner", "kari", "AMS-00001", "AMS-00002"], input="n\n", env=NB
    )
    assert asked.exit_code == 1
    assert "Gjøre kari ansvarlig for 2 ordre? [j/N]" in asked.output
    assert "Avbrutt; ingenting ble endret." in asked.output
    done = runner.invoke(app, ["orders", "set-owner", "kari", "AMS-00001"], input="j\n", env=NB)
    assert done.exit_code == 0 and "kari er ansvarlig for 1 ordre til" in done.output


def test_saved_filters_are_described_in_words(workspace):
    _booked(workspace)
    listed = ok("filters", "list", env=NB).stdout
    assert "etappe: Etappe 1; bomtur" in listed and "forhåndsdefinert" in listed
    assert "status: Manuell oppfølging" in listed
    assert not KEYS.search(listed), listed
    shown = ok("filters", "show", "Alle bomturer", env=NB).stdout
    assert shown.strip() == "Alle bomturer: bomtur (0 ordre nå)"
    assert "finner ikke filteret 'nei'" in nb_error(4, "filters", "show", "nei")
    assert (
        "status: Open; failed visit"
        in ok("orders", "list", "--status", "open", "--failed-visit").stdout
    )  # English: the labels, not the keys


def test_technicians_and_their_days_in_norwegian(workspace):
    _booked(workspace)
    techs = ok("techs", "list", env=NB).stdout
    assert "man-fre" in techs and "navn" in techs and "startpunkt" in techs
    assert "Mon-Fri" in ok("techs", "list").stdout
    absences = ok("techs", "absences", "--all", env=NB).stdout
    assert "borte" in absences and "årsak" in absences and "24.04.2026" in absences
    away = ok("techs", "absent", "T01", "--from", "2026-04-23", env=NB).stdout
    assert away.startswith("Fravær 2: T01 borte 23.04.2026")
    missing = nb_error(4, "techs", "absent", "T99", "--from", "2026-04-23")
    assert "finner ikke montør 'T99' (se amsplan techs list)" in missing
    day = ok("calendar", "--tech", "T01", "--date", "2026-04-22", env=NB).stdout
    assert "onsdag 22.04.2026" in day and "ledig" in day and "Klar til utskrift" in day
    assert "2 besøk, 120 av 540 min booket, 2 hull" in day
    assert "Wednesday 22.04.2026" in ok("calendar", "--tech", "T01", "--date", "2026-04-22").stdout
    refused = nb_error(5, "techs", "absent", "T01", "--from", "2026-04-24", "--to", "2026-04-23")
    assert "--to 23.04.2026 er før --from 24.04.2026" in refused


def test_work_list_messages_in_norwegian(workspace):
    refused = nb_error(5, "returns", "retry")
    assert "oppgi id-ene til meldingene som skal prøves igjen" in refused
    assert "finner ikke retur 9999" in nb_error(4, "returns", "handle", 9999, "--comment", "x")


def _commands(group, path: str = ""):
    if hasattr(group, "commands"):
        for name, command in group.commands.items():
            yield from _commands(command, f"{path} {name}".strip())
    else:
        yield path, group


@pytest.mark.parametrize("group", ["orders", "techs", "filters", "calendar"])
def test_every_option_and_argument_has_help_and_every_command_an_example(group):
    command = typer.main.get_command(app).commands[group]  # type: ignore[attr-defined]
    for path, leaf in _commands(command, group):
        for param in leaf.params:
            if param.name == "help":
                continue
            assert getattr(param, "help", None), f"amsplan {path}: {param.name} has no help"
        assert "Example" in (leaf.help or ""), f"amsplan {path} has no Example"


def test_the_choices_of_sort_are_listed():
    out = run("orders", "list", "--help").stdout
    assert "appointment, order, status, postcode, name, updated" in " ".join(out.split())

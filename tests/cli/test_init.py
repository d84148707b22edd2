"""amsplan init in an empty folder, a second init, and every command before init."""

from __future__ import annotations

import tomllib

import pytest

from amsplan.store import db
from tests.cli.support import data, error, fails, ok, run, statuses


@pytest.fixture
def empty(tmp_path, monkeypatch):
    folder = tmp_path / "rollout"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def test_init_writes_commented_config_database_and_letters_folder(empty):
    result = ok("init", "--company", "Hedmark Nett AS")

    config = empty / "amsplan.toml"
    text = config.read_text(encoding="utf-8")
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert len(comments) >= 5, text
    assert tomllib.loads(text)["company"]["name"] == "Hedmark Nett AS"
    assert (empty / "amsplan.db").is_file()
    assert (empty / "letters").is_dir()
    assert "amsplan.toml" in result.stdout
    assert "letters" in result.stdout
    # The database is ready: the other commands work, on an empty roll-out.
    assert statuses() == {}
    assert data("techs", "list") == []
    assert db.SCHEMA_HEAD in ok("db", "version").stdout


def test_second_init_keeps_the_existing_configuration(empty):
    ok("init", "--company", "Hedmark Nett AS")
    config = empty / "amsplan.toml"
    edited = config.read_text(encoding="utf-8") + "# edited by the planner\n"
    config.write_text(edited, encoding="utf-8")
    ok("techs", "add", "T01", "--name", "Ola Montør")

    ok("init", "--company", "Another Company AS")

    assert config.read_text(encoding="utf-8") == edited
    assert [t["id"] for t in data("techs", "list")] == ["T01"], "init must keep the data"


def test_init_force_rewrites_the_configuration(empty):
    ok("init", "--company", "Hedmark Nett AS")
    ok("init", "--company", "Another Company AS", "--force")
    text = (empty / "amsplan.toml").read_text(encoding="utf-8")
    assert tomllib.loads(text)["company"]["name"] == "Another Company AS"


def test_init_refuses_a_company_name_that_would_break_the_file(empty):
    result = fails(5, "init", "--company", 'Nett "Nord" AS')
    assert "Error:" in result.stderr
    assert "quotes" in result.stderr
    assert not (empty / "amsplan.toml").exists()


COMMANDS = [
    ["status"],
    ["techs", "list"],
    ["techs", "add", "T01", "--name", "Ola"],
    ["orders", "show", "AMS-00001"],
    ["assign", "AMS-00001", "--tech", "T01", "--date", "2026-04-22"],
    ["lock", "--tech", "T01", "--date", "2026-04-22"],
    ["letters", "generate"],
    ["letters", "pending"],
    ["replies", "unmatched"],
    ["followup", "list"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_commands_before_init_say_run_amsplan_init(empty, args):
    stderr = error(3, *args)
    assert "amsplan init" in stderr


def test_import_before_init_says_run_amsplan_init(empty):
    (empty / "orders.csv").write_text(
        "Ordrenr;Målepunkt-ID\nAMS-1;707057500000000001\n", encoding="utf-8"
    )
    assert "amsplan init" in error(3, "orders", "import", "orders.csv")


def test_commands_before_init_leave_no_files_behind(empty):
    fails(3, "status")
    fails(3, "letters", "pending")
    assert sorted(p.name for p in empty.iterdir()) == []


def test_unknown_configuration_file_is_a_configuration_error(empty):
    assert "nope.toml" in error(3, "--config", "nope.toml", "status")


def test_broken_configuration_names_the_file(empty):
    (empty / "amsplan.toml").write_text("[company]\nnmae = 'x'\n", encoding="utf-8")
    stderr = error(3, "status")
    assert "amsplan.toml" in stderr
    assert "company.nmae" in stderr


def test_config_from_option_is_used_from_another_folder(empty, monkeypatch):
    ok("init", "--folder", "team")
    assert (empty / "team" / "amsplan.toml").is_file()
    assert (empty / "team" / "amsplan.db").is_file()
    ok("--config", "team/amsplan.toml", "techs", "add", "T01", "--name", "Ola")
    monkeypatch.setenv("AMSPLAN_CONFIG", str(empty / "team" / "amsplan.toml"))
    assert [t["id"] for t in data("techs", "list")] == ["T01"]


def test_no_arguments_shows_the_commands():
    result = run()
    assert "Usage" in result.output
    assert "init" in result.output


def test_init_uses_the_configuration_named_by_amsplan_config(empty, monkeypatch):
    team = empty / "team"
    team.mkdir()
    (team / "amsplan.toml").write_text('[company]\nname = "Team AS"\n', encoding="utf-8")
    monkeypatch.setenv("AMSPLAN_CONFIG", str(team / "amsplan.toml"))

    ok("init")

    assert not (empty / "amsplan.toml").exists()
    assert (team / "amsplan.db").is_file()
    assert statuses() == {}

"""Every command explains itself with --help, and shows an example."""

from __future__ import annotations

import pytest
import typer.main

from amsplan.cli import app
from tests.cli.support import run


def leaves(command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The paths of every command that has no sub-commands (typer vendors click: duck-type)."""
    if hasattr(command, "commands"):
        found = []
        for name, sub in command.commands.items():
            found += leaves(sub, (*path, name))
        return found
    return [path]


LEAVES = leaves(typer.main.get_command(app))


def test_the_walk_finds_the_commands():
    names = {" ".join(p) for p in LEAVES}
    expected = {
        "init", "orders import", "orders show", "techs add", "techs list", "techs import",
        "assign", "lock", "letters generate", "letters pending", "replies ingest",
        "replies unmatched", "followup list", "status", "workflow show",
    }  # fmt: skip
    assert expected <= names


@pytest.mark.parametrize("path", LEAVES, ids=" ".join)
def test_help_exits_0_and_shows_an_example(path):
    result = run(*path, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
    assert "Example" in result.output


def test_root_help_lists_every_top_level_command():
    result = run("--help")
    assert result.exit_code == 0
    for name in typer.main.get_command(app).commands:
        assert name in result.output


ROOT = typer.main.get_command(app)  # built once: typer rebuilds the whole tree per call


def _params(path: tuple[str, ...]):
    command = ROOT
    for word in path:
        command = command.commands[word]
    return command.params


@pytest.mark.parametrize("path", LEAVES, ids=" ".join)
def test_every_option_and_argument_is_described(path):
    """Issue 19: many `--json` options had no description."""
    bare = [p.name for p in _params(path) if not (getattr(p, "help", None) or "").strip()]
    assert bare == [], f"amsplan {' '.join(path)}: no help for {bare}"


def test_a_flag_is_shown_as_a_flag():
    """`--debug <bool>` read as if the flag took a value (and `--debug true` is an error)."""
    out = run("--help").output
    assert "--debug" in out and "<bool>" not in out
    assert "<bool>" not in run("lock", "--help").output


@pytest.mark.parametrize(
    ("path", "option", "choices"),
    [
        (("followup", "list"), "--reason", ("failed_visit", "no_answer", "cancelled")),
        (("orders", "list"), "--sort", ("order", "postcode")),
        (("report", "progress"), "--by", ("day", "week")),
    ],
)
def test_every_choice_is_listed(path, option, choices):
    """`followup list --reason failed_visit` worked but was listed nowhere."""
    out = run(*path, "--help").output
    flat = " ".join(out.split())
    assert option in out and all(c in flat for c in choices), out

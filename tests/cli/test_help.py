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

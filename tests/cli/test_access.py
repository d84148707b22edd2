"""amsplan db roles | grant from the command line: every command has the role it needs,
and on SQLite the roles commands say in one line that roles are PostgreSQL's."""

from __future__ import annotations

import pytest
import typer.main

from amsplan.cli import app
from amsplan.domain.access import COMMANDS
from tests.cli.support import error
from tests.cli.test_help import LEAVES


def test_every_command_of_the_tree_has_the_role_it_needs_in_the_map():
    missing = [" ".join(path) for path in LEAVES if " ".join(path) not in COMMANDS]
    assert missing == []
    assert len(LEAVES) > 80


def test_every_option_named_in_the_map_is_one_its_command_has():
    root = typer.main.get_command(app)
    for key in (k for k in COMMANDS if " --" in k):
        path, option = key.split(" --")
        command = root
        for word in path.split():
            command = command.commands[word]  # type: ignore[attr-defined]
        assert f"--{option}" in {o for p in command.params for o in p.opts}, key


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "args", [("db", "roles"), ("db", "roles", "--apply"), ("db", "grant", "kari", "planner")]
)
def test_on_sqlite_roles_are_postgresql_s_and_doctor_checks_the_files(workspace, args):
    assert error(3, *args).strip() == (
        "Error: roles and logins are PostgreSQL's: a SQLite database is guarded by its"
        " file's permissions; run `amsplan doctor`"
    )

"""amsplan doctor: files that hold personal data wider than allowed are reported with
their fix, --fix tightens them, and the exit code tells cron and monitoring."""

from __future__ import annotations

import grp
import json
import os
import stat
from pathlib import Path

import pytest

from tests.cli.support import data, error, fails, ok, run
from tests.integration.test_field import confirmed

FOUND = 10  # docs/files.md


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def planner(tmp_path, monkeypatch) -> Path:
    """A planner's folder after `amsplan init` (SQLite)."""
    folder = tmp_path / "rollout"
    folder.mkdir()
    monkeypatch.chdir(folder)
    ok("init")
    return folder


def test_all_is_well_after_init(planner):
    result = ok("doctor")
    assert "All is well" in result.stdout
    found = data("doctor")
    assert found["ok"] is True and found["findings"] == [] and found["checked"] >= 2


def test_a_readable_database_and_an_open_letters_folder_are_reported_and_fixed(planner):
    db, folder = planner / "amsplan.db", planner / "letters"
    db.chmod(0o644)
    folder.chmod(0o777)
    result = fails(FOUND, "doctor")
    assert f"database  {db}: mode 0644: the group root may read, everyone may read" in (
        result.stdout.replace(grp.getgrgid(os.getegid()).gr_name, "root")
    )
    assert f"fix: chmod 600 {db}" in result.stdout
    assert f"letters  {folder}: mode 0777" in result.stdout
    assert f"fix: chmod 700 {folder}" in result.stdout
    assert "2 problems" in result.stdout and "doctor --fix repairs 2" in result.stdout
    found = fails(FOUND, "doctor", "--json").stdout
    assert '"ok": false' in found
    assert (mode(db), mode(folder)) == (0o644, 0o777)  # reporting changes nothing

    fixed = ok("doctor", "--fix")
    assert f"fixed  {db}: chmod 600 {db}" in fixed.stdout and "All is well" in fixed.stdout
    assert (mode(db), mode(folder)) == (0o600, 0o700)
    assert data("doctor")["ok"] is True


def private_workspace(ws) -> None:
    """The test's workspace as `amsplan init` makes one (its database a copied file)."""
    ws.letters.chmod(0o700)
    if ws.url.startswith("sqlite"):
        (ws.path / "amsplan.db").chmod(0o600)  # before SQLite's WAL takes its mode


def test_letters_backups_and_exports_are_checked(workspace, tmp_path):
    if not workspace.url.startswith("sqlite"):
        pytest.skip("backups of a SQLite database")
    private_workspace(workspace)
    with open(workspace.path / "amsplan.toml", "a", encoding="utf-8") as f:
        f.write('\n[files]\nbackups = "backup"\n')
    (workspace.path / "backup").mkdir()
    confirmed(workspace, 1)
    ok("db", "backup", "backup/amsplan-1.db")
    ok("db", "backup", "amsplan-beside.db")
    ok("export", "mobile", "mobil.csv")
    assert data("doctor")["ok"] is True

    letter = next(workspace.letters.glob("*.pdf"))
    paths = [workspace.path / "backup" / "amsplan-1.db", workspace.path / "amsplan-beside.db",
             workspace.path / "mobil.csv", letter]  # fmt: skip
    for path in paths:
        path.chmod(0o644)
    (workspace.path / "notes.txt").write_text("not a backup", encoding="utf-8")
    findings = json_findings()
    assert {(f["check"], f["path"]) for f in findings} == {
        ("backups", str(paths[0])), ("backups", str(paths[1])), ("exports", str(paths[2])),
        ("letters", str(letter)),
    }  # fmt: skip
    assert all(f["fixable"] and f["fix"].startswith("chmod 600 ") for f in findings)
    ok("doctor", "--fix")
    assert {mode(p) for p in paths} == {0o600}


def test_postgresql_the_config_with_a_password_and_the_roles_note(workspace):
    if workspace.url.startswith("sqlite"):
        pytest.skip("a database on a server")
    config = workspace.path / "amsplan.toml"
    with_password = workspace.url.replace("postgres@", "postgres:made-up@", 1)
    assert with_password != workspace.url
    config.write_text(f'[database]\nurl = "{with_password}"\n', encoding="utf-8")
    config.chmod(0o644)
    result = fails(FOUND, "doctor")
    assert "who may read it is up to its roles (amsplan db roles)" in result.stdout
    assert f"config  {config}: mode 0644" in result.stdout
    assert "made-up" not in result.stdout
    ok("doctor", "--fix")
    assert mode(config) == 0o600


def test_the_team_group_and_a_wrong_group(workspace):
    own = os.getegid()
    team = next((g for g in grp.getgrall() if g.gr_gid != own), None)
    if os.geteuid() != 0 or team is None:
        pytest.skip("needs root (any group) and a second group")
    private_workspace(workspace)
    with open(workspace.path / "amsplan.toml", "a", encoding="utf-8") as f:
        f.write(f'\n[files]\ngroup = "{team.gr_name}"\n')
    workspace.letters.chmod(0o750)
    os.chown(workspace.letters, -1, team.gr_gid)
    assert data("doctor")["ok"] is True
    os.chown(workspace.letters, -1, own)
    [finding] = json_findings()
    assert finding["problem"] == (
        f"the group {grp.getgrgid(own).gr_name} may read it, not {team.gr_name}"
    )
    assert finding["fix"] == f"chgrp {team.gr_name} {workspace.letters}"
    ok("doctor", "--fix")
    assert workspace.letters.stat().st_gid == team.gr_gid


def json_findings() -> list[dict]:
    return json.loads(fails(FOUND, "doctor", "--json").stdout)["findings"]


def test_an_unknown_group_is_one_clear_line(workspace):
    with open(workspace.path / "amsplan.toml", "a", encoding="utf-8") as f:
        f.write('\n[files]\ngroup = "no-such-group-here"\n')
    message = error(3, "doctor")
    assert "[files] group 'no-such-group-here' does not exist" in message
    # Every command refuses it at its start: no file is written with the wrong group.
    assert run("status").exit_code == 3

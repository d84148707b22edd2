"""Files that hold personal data are private from their creation (docs/files.md): after
init, letters, exports and backups, whatever the umask of the process that calls amsplan;
and nothing is written into a folder everyone may write into or another user owns.

The tests run with the umask 022 (tests/conftest.py), where a file made without care
would be readable by everyone.
"""

from __future__ import annotations

import grp
import os
import stat
from pathlib import Path

import pytest

from amsplan.adapters import private
from amsplan.errors import ConfigError
from amsplan.services import exports, letters, setup
from tests.cli.support import run
from tests.helpers import locked, order_row, write_orders
from tests.integration.test_field import confirmed


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def modes(folder: Path) -> dict[str, int]:
    """{path relative to folder: mode} of everything in it."""
    return {str(p.relative_to(folder)): mode(p) for p in sorted(folder.rglob("*"))}


@pytest.fixture
def team(workspace) -> int:
    """[files] group: a group of this machine other than the user's own (root may give
    a file any group; anyone else, one they are in); its id."""
    own = os.getegid()
    if os.geteuid() == 0:
        gid = next((g.gr_gid for g in grp.getgrall() if g.gr_gid != own), None)
    else:
        gid = next((g for g in os.getgroups() if g != own), None)
    if gid is None:
        pytest.skip("no second group to share files with")
    name = grp.getgrgid(gid).gr_name
    with open(workspace.path / "amsplan.toml", "a", encoding="utf-8") as f:
        f.write(f'\n[files]\ngroup = "{name}"\n')
    private.use(name)  # as the command line does at its start
    return gid


def test_init_makes_the_database_and_the_letters_folder_private(tmp_path):
    done = setup.init(None, tmp_path / "new", "Testnett AS", force=False)
    assert mode(tmp_path / "new" / "amsplan.db") == 0o600
    assert mode(done.letters) == 0o700
    assert os.umask(0o022) == 0o077  # init set the process's, as every command does


def test_init_with_a_group_shares_the_letters_folder_but_not_the_database(tmp_path):
    own = os.getegid()
    gid = next((g.gr_gid for g in grp.getgrall() if g.gr_gid != own), None)
    if os.geteuid() != 0 or gid is None:
        pytest.skip("needs root (any group) and a second group")
    config = tmp_path / "amsplan.toml"
    config.write_text(f'[files]\ngroup = "{grp.getgrgid(gid).gr_name}"\n', encoding="utf-8")
    done = setup.init(str(config), None, "Testnett AS", force=False)
    assert (mode(done.letters), done.letters.stat().st_gid) == (0o770, gid)
    assert mode(tmp_path / "amsplan.db") == 0o600


def test_letters_their_folder_and_the_combined_batch_are_the_owners_only(workspace):
    workspace.letters.rmdir()  # made by amsplan, not by the test
    locked(workspace, 3)
    result = letters.generate(workspace.context(), combined=True)
    assert len(result.generated) == 3 and result.combined
    assert mode(workspace.letters) == 0o700
    assert set(modes(workspace.letters).values()) == {0o600, 0o700}
    assert mode(Path(result.combined)) == 0o600


def test_a_folder_that_was_there_keeps_its_mode(workspace):
    workspace.letters.chmod(0o755)
    locked(workspace, 1)
    letters.generate(workspace.context())
    assert mode(workspace.letters) == 0o755  # only doctor --fix changes it
    assert {m for p, m in modes(workspace.letters).items() if p.endswith(".pdf")} == {0o600}


def test_a_team_group_reads_the_letters(workspace, team):
    workspace.letters.rmdir()
    locked(workspace, 2)
    result = letters.generate(workspace.context(), combined=True)
    assert (mode(workspace.letters), workspace.letters.stat().st_gid) == (0o770, team)
    pdfs = [*workspace.letters.glob("*.pdf"), Path(result.combined)]
    assert len(pdfs) == 3
    assert {(mode(p), p.stat().st_gid) for p in pdfs} == {(0o640, team)}


def test_a_world_writable_letters_folder_is_refused_before_anything_is_written(workspace):
    booked = locked(workspace, 2)
    workspace.letters.chmod(0o777)
    with pytest.raises(ConfigError) as refused:
        letters.generate(workspace.context())
    message = str(refused.value)
    assert message.startswith(f"the letters folder {workspace.letters}: everyone may write")
    assert "\n" not in message
    assert list(workspace.letters.iterdir()) == []  # not even the staging folder
    workspace.letters.chmod(0o700)
    result = letters.generate(workspace.context())  # the orders had not moved
    assert len(result.generated) == len(booked)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a folder to another user")
def test_a_letters_folder_of_another_user_is_refused(workspace):
    locked(workspace, 1)
    os.chown(workspace.letters, 54321, 54321)
    with pytest.raises(ConfigError, match="belongs to 54321, not to root"):
        letters.generate(workspace.context())
    assert list(workspace.letters.iterdir()) == []
    # Shared through the team's group, it is the team's folder.
    with open(workspace.path / "amsplan.toml", "a", encoding="utf-8") as f:
        f.write(f'\n[files]\ngroup = "{grp.getgrgid(0).gr_name}"\n')
    private.use(grp.getgrgid(0).gr_name)
    os.chown(workspace.letters, 54321, 0)
    assert len(letters.generate(workspace.context()).generated) == 1


def test_exports_are_private_and_never_written_into_a_folder_everyone_may_write(
    workspace, tmp_path
):
    confirmed(workspace, 2)
    out = tmp_path / "mobil.xlsx"
    assert exports.export_mobile(workspace.context(), out, fmt="xlsx").count == 2
    assert mode(out) == 0o600
    open_folder = tmp_path / "open"
    open_folder.mkdir(mode=0o777)
    open_folder.chmod(0o777)
    with pytest.raises(ConfigError, match=r"the export folder .*open: everyone may write"):
        exports.export_mobile(workspace.context(), open_folder / "mobil.csv")
    assert list(open_folder.iterdir()) == []


def test_a_backup_is_the_owners_only(workspace, tmp_path):
    if not workspace.url.startswith("sqlite"):
        pytest.skip("db backup copies SQLite databases (PostgreSQL: pg_dump)")
    target = tmp_path / "backup" / "amsplan-2026-04-01.db"
    target.parent.mkdir()
    setup.backup(workspace.settings, target)
    assert mode(target) == 0o600
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temporary left
    target.parent.chmod(0o777)
    with pytest.raises(ConfigError, match="the backup folder"):
        setup.backup(workspace.settings, target.with_name("again.db"))


def test_a_command_makes_every_file_it_writes_private_through_the_umask(workspace):
    # The rejected rows of an import are written by plain open(): the umask decides.
    rows = [order_row(1), order_row(2, mpid="123")]
    write_orders(workspace.path / "orders.csv", rows)
    assert run("orders", "import", "orders.csv", "--skip-invalid").exit_code == 1  # 1 invalid
    assert mode(workspace.path / "orders.rejected.csv") == 0o600

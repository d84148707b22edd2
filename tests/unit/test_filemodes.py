"""The rules of who may read files that hold personal data (domain.filemodes)."""

from __future__ import annotations

from amsplan.domain.filemodes import Account, Kind, Policy, Seen, judge, refusal

ALONE = Policy()
TEAM = Policy("planners", 1500)
KARI = Account(1000, "kari")
ROOT = Account(0, "root")


def seen(mode: int, uid: int = 1000, gid: int = 1000, folder: bool = False) -> Seen:
    names = {0: "root", 1000: "kari", 1001: "ola", 1500: "planners"}
    return Seen("/srv/amsplan/x y", mode, uid, gid, folder, names.get(uid, str(uid)),
                names.get(gid, str(gid)))  # fmt: skip


def test_owner_only_without_a_group_and_the_group_with_one():
    assert (ALONE.umask, ALONE.mode(Kind.SHARED, False), ALONE.mode(Kind.SHARED, True)) == (
        0o077, 0o600, 0o700,
    )  # fmt: skip
    assert (TEAM.umask, TEAM.mode(Kind.SHARED, False), TEAM.mode(Kind.SHARED, True)) == (
        0o027, 0o640, 0o770,
    )  # fmt: skip
    # The database, its backups and a config with a password stay the owner's: a team
    # shares letters, not the SQLite file.
    assert TEAM.mode(Kind.PRIVATE, False) == 0o600 and TEAM.mode(Kind.PRIVATE, True) == 0o700
    assert TEAM.gid_for(Kind.SHARED) == 1500 and TEAM.gid_for(Kind.PRIVATE) is None


def test_private_files_pass():
    assert judge("letters", seen(0o600), Kind.SHARED, ALONE, KARI) == []
    assert judge("letters", seen(0o700, folder=True), Kind.SHARED, ALONE, KARI) == []
    assert judge("letters", seen(0o400), Kind.SHARED, ALONE, KARI) == []  # narrower is fine
    assert judge("letters", seen(0o640, gid=1500), Kind.SHARED, TEAM, KARI) == []
    assert judge("letters", seen(0o2770, gid=1500, folder=True), Kind.SHARED, TEAM, KARI) == []


def test_a_file_others_may_read_is_reported_with_its_chmod():
    [found] = judge("database", seen(0o644), Kind.PRIVATE, ALONE, KARI)
    assert found.problem == "mode 0644: the group kari may read, everyone may read; at most 0600"
    assert found.fix == "chmod 600 '/srv/amsplan/x y'" and found.mode == 0o600 and found.fixable


def test_a_world_writable_folder_is_reported_and_keeps_its_other_bits():
    [found] = judge("letters", seen(0o2777, gid=1500, folder=True), Kind.SHARED, TEAM, KARI)
    assert found.problem == "mode 2777: everyone may read, write and enter; at most 0770"
    assert found.mode == 0o2770 and found.fix.startswith("chmod 2770 ")
    [alone] = judge("letters", seen(0o755, folder=True), Kind.SHARED, ALONE, KARI)
    assert alone.problem == (
        "mode 0755: the group kari may read and enter, everyone may read and enter; at most 0700"
    )


def test_a_group_other_than_the_teams_may_not_read():
    [found] = judge("letters", seen(0o640, gid=1000), Kind.SHARED, TEAM, KARI)
    assert found.problem == "the group kari may read it, not planners"
    assert found.fix == "chgrp planners '/srv/amsplan/x y'" and found.gid == 1500
    assert found.mode is None
    # Without a group the same file is simply too wide.
    [alone] = judge("letters", seen(0o640, gid=1000), Kind.SHARED, ALONE, KARI)
    assert alone.mode == 0o600 and alone.gid is None
    # The database is never the group's, not even with a group configured.
    [db] = judge("database", seen(0o640, gid=1500), Kind.PRIVATE, TEAM, KARI)
    assert db.mode == 0o600 and "at most 0600" in db.problem


def test_another_owner_is_reported_not_fixed():
    [found] = judge("letters", seen(0o600, uid=1001), Kind.SHARED, ALONE, KARI)
    assert found.problem == "belongs to ola, not to kari" and not found.fixable
    assert "chown kari" in found.fix
    # The team's shared folder: a colleague's letter of the team's group is fine.
    assert judge("letters", seen(0o640, uid=1001, gid=1500), Kind.SHARED, TEAM, KARI) == []
    # ... but never a colleague's database.
    assert judge("database", seen(0o600, uid=1001, gid=1500), Kind.PRIVATE, TEAM, KARI)
    # root's files are not another owner's (root may read them all anyway).
    assert judge("letters", seen(0o600, uid=0), Kind.SHARED, ALONE, KARI) == []


def test_a_folder_is_refused_when_everyone_may_write_or_another_user_owns_it():
    assert refusal(seen(0o700, folder=True), ALONE, KARI) is None
    assert refusal(seen(0o755, folder=True, uid=0), ALONE, KARI) is None
    wide = refusal(seen(0o777, folder=True), ALONE, KARI)
    assert wide == (
        "everyone may write into it (mode 0777); chmod o-w '/srv/amsplan/x y', or use a "
        "folder of your own"
    )
    assert refusal(seen(0o1777, folder=True, uid=0), ALONE, KARI).startswith("everyone may")
    theirs = refusal(seen(0o700, folder=True, uid=1001), ALONE, KARI)
    assert theirs.startswith("belongs to ola, not to kari; run amsplan as ola")
    assert "chgrp planners" in refusal(seen(0o700, folder=True, uid=1001), TEAM, KARI)
    assert refusal(seen(0o2770, folder=True, uid=1001, gid=1500), TEAM, KARI) is None
    # root is held to the same rule: its files would be hidden from the folder's owner.
    assert refusal(seen(0o700, folder=True, uid=1001), ALONE, ROOT).startswith("belongs to ola")
    assert refusal(seen(0o600), ALONE, KARI) == "it is not a folder"

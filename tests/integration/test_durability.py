"""Backups of a live database, and the append-only history."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlmodel import select

from amsplan.errors import InputError
from amsplan.services import booking
from amsplan.services.setup import backup
from amsplan.store.models import History
from tests.cli.support import data, ok
from tests.helpers import awaiting, seed


def test_backup_of_a_live_sqlite_database_is_consistent(workspace, tmp_path):
    if not workspace.url.startswith("sqlite"):
        with pytest.raises(InputError, match="pg_dump"):
            backup(workspace.settings, tmp_path / "b.db")
        return
    seed(workspace, 50)
    stop = threading.Event()

    def keep_writing():  # a planner working while the backup runs
        n = 0
        while not stop.is_set():
            booking.transition_orders(workspace.context(), [f"AMS-{1 + n % 50:05d}"], "plan")
            n += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        size = backup(workspace.settings, tmp_path / "b.db")
    finally:
        stop.set()
        writer.join()
    assert size > 0
    copy = sqlite3.connect(tmp_path / "b.db")
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert copy.execute("SELECT count(*) FROM work_order").fetchone() == (50,)
    copy.close()
    with pytest.raises(InputError, match="exists"):
        backup(workspace.settings, tmp_path / "b.db")


def test_backup_command(workspace, tmp_path):
    if not workspace.url.startswith("sqlite"):
        return
    seed(workspace, 2)
    ok("db", "backup", tmp_path / "copy.db")
    assert data("status")["open"] == 2
    copy = sqlite3.connect(tmp_path / "copy.db")
    assert copy.execute("SELECT count(*) FROM work_order").fetchone() == (2,)
    copy.close()


def test_history_rows_cannot_be_changed_or_deleted(workspace):
    awaiting(workspace, 1)
    ctx = workspace.context()
    with pytest.raises(RuntimeError, match="never changed"), ctx.session() as s:
        entry = s.exec(select(History)).first()
        entry.actor = "someone else"
        s.add(entry)
    with pytest.raises(RuntimeError, match="never changed"), ctx.session() as s:
        s.delete(s.exec(select(History)).first())
    with ctx.session() as s:
        assert {h.actor for h in s.exec(select(History))} == {"tester"}


def test_orders_show_tells_who_did_what_and_when(workspace):
    awaiting(workspace, 1)
    ok("--user", "kari", "followup", "manual", "AMS-00001", "--comment", "Ringer kunden")
    timeline = data("orders", "show", "AMS-00001")["timeline"]
    last = [e for e in timeline if e["kind"] == "status"][-1]
    assert last["actor"] == "kari" and last["transition"] == "follow_up_manually"
    assert "Manual follow-up" in last["text"]
    assert "Ringer kunden" in last["text"] and last["at"]

"""Kill the process (SIGKILL) at many points, re-run, and check nothing is lost or doubled.

Each command is started as a real process and killed after a series of delays that
land before, during and after its work; after every kill the database must be
consistent, and after a final run to the end the result must be exactly right.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from amsplan.services import letters
from amsplan.store.models import History, Letter, Order, Reply, Sms
from tests.helpers import locked, order_row, write_orders

DELAYS = (0.4, 0.9, 1.5, 2.2, 3.0)
pytestmark = pytest.mark.slow


def start(ws, *args: str) -> subprocess.Popen:
    env = {**os.environ, "AMSPLAN_USER": "cron"}
    env.pop("AMSPLAN_CRASH_AT", None)
    command = [sys.executable, "-m", "amsplan", *args]
    return subprocess.Popen(
        command, cwd=ws.path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )


def kill_after(ws, delay: float, *args: str) -> bool:
    """Run, SIGKILL after `delay` seconds; True if it was still running (really killed)."""
    proc = start(ws, *args)
    time.sleep(delay)
    alive = proc.poll() is None
    if alive:
        proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=300)
    return alive


def finish(ws, *args: str) -> None:
    proc = start(ws, *args)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode in (0, 1), err


def count(ws, transition: str) -> Counter:
    with ws.context().session() as s:
        return Counter(h.order_id for h in s.exec(select(History)) if h.transition == transition)


def test_letters_generate_killed_anywhere(workspace):
    locked(workspace, 60)  # two chunks of letters
    killed = 0
    for delay in DELAYS:
        killed += kill_after(workspace, delay, "letters", "generate")
        with workspace.context().session() as s:  # consistent after every kill
            rows = s.exec(select(Letter, Order).join(Order, Order.id == Letter.order_id)).all()
            waiting = {o.id for o in s.exec(select(Order)) if o.status == "awaiting_response"}
        assert {order.id for _, order in rows} == waiting  # a letter row iff the order moved
        known = {lt.file_name for lt, _ in rows}
        assert {p.name for p in workspace.letters.glob("*.pdf")} <= known  # no stray letter
    assert killed >= 2
    finish(workspace, "letters", "generate")
    with workspace.context().session() as s:
        rows = s.exec(select(Letter)).all()
        orders = s.exec(select(Order)).all()
    assert {o.status for o in orders} == {"awaiting_response"}
    assert len(rows) == 60 and {lt.state for lt in rows} == {"delivered"}
    assert sorted(p.name for p in workspace.letters.glob("*.pdf")) == sorted(
        lt.file_name for lt in rows
    )
    assert set(count(workspace, "print").values()) == {1}


def test_replies_ingest_killed_anywhere(workspace, tmp_path):
    booked = locked(workspace, 20)
    letters.generate(workspace.context())
    lines = ["Mottatt;Avsender;Melding"]
    for i in range(3000):  # mostly noise, so that the ingest takes a while
        lines.append(f"2026-04-15 10:00:{i % 60:02d};+47900{i:05d};Hei nummer {i}")
    for i, (_, code) in enumerate(booked):
        lines.append(f"2026-04-15 11:{i:02d};+4790000001;{code} {'OK' if i % 2 else 'KONTAKT'}")
    path = tmp_path / "svar.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for delay in DELAYS:
        kill_after(workspace, delay, "replies", "ingest", str(path))
        with workspace.context().session() as s:
            stored = len(s.exec(select(Reply)).all())
        assert stored in (0, len(lines) - 1)  # all or nothing
    finish(workspace, "replies", "ingest", str(path))
    finish(workspace, "replies", "ingest", str(path))
    with workspace.context().session() as s:
        assert len(s.exec(select(Reply)).all()) == len(lines) - 1
    applied = count(workspace, "reply_ok") + count(workspace, "reply_other")
    assert len(applied) == 20 and set(applied.values()) == {1}


def test_orders_import_killed_anywhere(workspace, tmp_path):
    path = write_orders(tmp_path / "o.csv", [order_row(n) for n in range(1, 20001)])
    for delay in DELAYS:
        kill_after(workspace, delay, "orders", "import", str(path))
        with workspace.context().session() as s:
            assert len(s.exec(select(Order.id)).all()) in (0, 20000)  # never half
    finish(workspace, "orders", "import", str(path))
    with workspace.context().session() as s:
        assert len(s.exec(select(Order.id)).all()) == 20000


def test_reminders_run_killed_anywhere(workspace):
    locked(workspace, 40)
    letters.generate(workspace.context(now=datetime(2026, 4, 1, 8, tzinfo=UTC)))
    now = "2026-04-20T10:00"  # long past the 7-day deadline
    for delay in DELAYS:
        kill_after(workspace, delay, "reminders", "run", "--now", now)
    finish(workspace, "reminders", "run", "--now", now)
    finish(workspace, "reminders", "run", "--now", now)
    with workspace.context().session() as s:
        sms = Counter(m.order_id for m in s.exec(select(Sms)))
        orders = s.exec(select(Order)).all()
    assert {o.status for o in orders} == {"manual_followup"}
    assert len(sms) == 40 and set(sms.values()) == {1}  # each reminder SMS exactly once
    assert set(count(workspace, "booking_reminder").values()) == {1}

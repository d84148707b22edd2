"""Two processes at once, for real: no duplicate codes, letters, transitions or replies.

SQLite serialises writers (BEGIN IMMEDIATE + busy timeout); PostgreSQL locks the order
rows a transaction changes (SELECT ... FOR UPDATE) and takes an advisory lock per file
being ingested. Each test starts two `amsplan` processes at the same moment.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter

from sqlmodel import select

from amsplan.store.models import BookingCode, History, Letter, Order, Reply
from tests.helpers import DAY, assign_all, locked, order_row, seed, write_orders


def together(ws, *commands: list[str]) -> list[subprocess.CompletedProcess]:
    env = {**os.environ, "AMSPLAN_USER": "cron"}
    env.pop("AMSPLAN_CRASH_AT", None)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "amsplan", *cmd],
            cwd=ws.path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for cmd in commands
    ]
    results = []
    for cmd, p in zip(commands, procs, strict=True):
        out, err = p.communicate(timeout=300)
        results.append(subprocess.CompletedProcess(cmd, p.returncode, out, err))
    return results


def history(ws, transition: str) -> Counter:
    with ws.context().session() as s:
        return Counter(h.order_id for h in s.exec(select(History)) if h.transition == transition)


def test_two_processes_locking_the_same_day(workspace):
    order_nos = seed(workspace, 8)
    assign_all(workspace, order_nos)
    day = DAY.isoformat()
    results = together(
        workspace,
        ["lock", "--tech", "T01", "--date", day],
        ["lock", *order_nos[2:]],
    )
    assert all(r.returncode in (0, 1) for r in results), [r.stderr for r in results]
    assert all("Traceback" not in r.stderr for r in results)
    locks = history(workspace, "lock")
    assert len(locks) == 8 and set(locks.values()) == {1}  # each order locked once
    with workspace.context().session() as s:
        codes = list(s.exec(select(BookingCode)))
        orders = list(s.exec(select(Order)))
    assert len(codes) == 8 and len({c.code for c in codes}) == 8
    assert {o.booking_code for o in orders} == {c.code for c in codes}


def test_two_processes_generating_letters_for_the_same_day(workspace):
    locked(workspace, 6)
    day = DAY.isoformat()
    results = together(
        workspace,
        ["letters", "generate", "--tech", "T01", "--date", day],
        ["letters", "generate"],
    )
    assert all(r.returncode in (0, 1) for r in results), [r.stderr for r in results]
    with workspace.context().session() as s:
        letters = list(s.exec(select(Letter)))
        orders = list(s.exec(select(Order)))
    assert {o.status for o in orders} == {"awaiting_response"}
    assert len(letters) == 6 and len({lt.order_id for lt in letters}) == 6
    assert {lt.state for lt in letters} == {"delivered"}
    files = sorted(p.name for p in workspace.letters.glob("*.pdf"))
    assert files == sorted(lt.file_name for lt in letters)
    assert set(history(workspace, "print").values()) == {1}


def test_two_processes_ingesting_the_same_reply_file(workspace, tmp_path):
    booked = locked(workspace, 5)
    from amsplan.services import letters

    letters.generate(workspace.context())
    lines = ["Mottatt;Avsender;Melding"] + [
        f"2026-04-15 10:0{i};+479000000{i};{code} {'OK' if i % 2 else 'KONTAKT'}"
        for i, (_, code) in enumerate(booked)
    ]
    path = tmp_path / "svar.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    results = together(
        workspace, ["replies", "ingest", str(path)], ["replies", "ingest", str(path)]
    )
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
    with workspace.context().session() as s:
        replies = list(s.exec(select(Reply)))
    assert len(replies) == 5
    applied = history(workspace, "reply_ok") + history(workspace, "reply_other")
    assert len(applied) == 5 and set(applied.values()) == {1}


def test_two_processes_importing_the_same_new_orders(workspace, tmp_path):
    path = write_orders(tmp_path / "o.csv", [order_row(n) for n in range(1, 301)])
    results = together(workspace, ["orders", "import", str(path)], ["orders", "import", str(path)])
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
    with workspace.context().session() as s:
        assert len(s.exec(select(Order)).all()) == 300
    outputs = sorted(r.stdout.split(":", 1)[1].strip() for r in results)
    assert "300 new" in outputs[0] + outputs[1] and "300 unchanged" in outputs[0] + outputs[1]

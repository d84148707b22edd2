"""A real `amsplan replies ingest <Maildir>` process killed after a chunk of replies is
committed (crash point mail:ingested), then run again: every reply is stored and
applied exactly once, none is lost."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter

from sqlmodel import select

from amsplan.store.models import History, Order, Reply
from tests.data.mail.build import booked_by_email, maildir, reply


def run_ingest(ws, folder, crash_at: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "AMSPLAN_USER": "cron"}
    env.pop("AMSPLAN_CRASH_AT", None)
    if crash_at:
        env["AMSPLAN_CRASH_AT"] = crash_at
    return subprocess.run(
        [sys.executable, "-m", "amsplan", "replies", "ingest", str(folder)],
        cwd=ws.path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_killed_after_a_chunk_then_run_again(workspace, tmp_path):
    booked = booked_by_email(workspace, 12)
    answers = [
        reply(address, f"{code} {'OK' if n % 2 else 'KONTAKT'}")
        for n, (_, code, address) in enumerate(booked)
    ]
    noise = [reply(f"ukjent{n}@example.no", f"Hei {n}", f"Spørsmål {n}") for n in range(108)]
    folder = maildir(tmp_path / "Svar", answers + noise)  # 120 messages: 3 chunks of 50

    killed = run_ingest(workspace, folder, crash_at="mail:ingested")
    assert killed.returncode == 137, killed.stderr
    with workspace.context().session() as s:
        assert len(s.exec(select(Reply)).all()) == 50  # the first chunk, committed

    finished = run_ingest(workspace, folder)
    assert finished.returncode == 0, finished.stderr
    again = run_ingest(workspace, folder)
    assert again.returncode == 0 and "120" in again.stdout  # all read before

    with workspace.context().session() as s:
        replies = s.exec(select(Reply)).all()
        moves = Counter(
            h.order_id for h in s.exec(select(History))
            if h.transition in ("reply_ok", "reply_other")
        )  # fmt: skip
        statuses = Counter(o.status for o in s.exec(select(Order)))
    assert len(replies) == 120 and len({r.provider_id for r in replies}) == 120
    assert len(moves) == 12 and set(moves.values()) == {1}  # each answer applied once
    assert statuses == {"ready_for_execution": 6, "manual_followup": 6}

"""Letters: content, print order, the folder as inbox, and crash safety."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from pypdf import PdfReader
from sqlmodel import select

from amsplan.domain import codes
from amsplan.services import letters, planning
from amsplan.store.models import Letter, Order
from tests.helpers import DAY, assign_all, awaiting, locked, seed


def pdf_text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def statuses(ws) -> dict[str, str]:
    with ws.context().session() as s:
        return {o.order_no: o.status for o in s.exec(select(Order))}


def test_letters_carry_the_customer_the_time_window_and_the_code(workspace):
    booked = locked(workspace, 3)
    result = letters.generate(workspace.context())
    assert result.generated == [
        "2026-04-22_T01_001_AMS-00001.pdf",
        "2026-04-22_T01_002_AMS-00002.pdf",
        "2026-04-22_T01_003_AMS-00003.pdf",
    ]
    assert sorted(p.name for p in workspace.letters.glob("*.pdf")) == result.generated
    for (order_no, code), name in zip(booked, result.generated, strict=True):
        text = pdf_text(workspace.letters / name)
        n = int(order_no[-5:])
        assert f"Kari Nordmann {n}" in text
        assert f"Storgata {n}" in text and "2317 HAMAR" in text
        assert f"onsdag 22. april 2026 mellom kl. {7 + n:02d}.00 og {8 + n:02d}.00" in text
        assert codes.format_code(code) in text
        assert "Testnett AS" in text
        for other_no, other_code in booked:  # and nobody else's code
            if other_no != order_no:
                assert codes.format_code(other_code) not in text
    assert set(statuses(workspace).values()) == {"awaiting_response"}


def test_generate_again_makes_no_duplicates(workspace):
    awaiting(workspace, 2)
    again = letters.generate(workspace.context())
    assert again.generated == [] and again.recovered == 0
    assert len(list(workspace.letters.glob("*.pdf"))) == 2
    with workspace.context().session() as s:
        assert len(s.exec(select(Letter)).all()) == 2


def test_select_by_order_tech_and_day(workspace):
    order_nos = seed(workspace, 3)
    assign_all(workspace, order_nos)
    planning.lock(workspace.context(), order_nos)
    one = letters.generate(workspace.context(), order_nos=[order_nos[1]])
    assert one.generated == ["2026-04-22_T01_002_AMS-00002.pdf"]
    rest = letters.generate(workspace.context(), tech_id="T01", day=DAY)
    assert len(rest.generated) == 2


def test_pending_lists_letters_until_they_are_removed(workspace):
    awaiting(workspace, 3)
    pending = letters.pending(workspace.context())
    assert [p.order_no for p in pending] == ["AMS-00001", "AMS-00002", "AMS-00003"]
    (workspace.letters / pending[0].file_name).unlink()  # printed and posted
    (workspace.letters / "stray.pdf").write_bytes(b"%PDF-1.4")
    pending = letters.pending(workspace.context())
    assert [p.order_no for p in pending] == ["AMS-00002", "AMS-00003", None]


def test_combined_pdf_has_every_letter(workspace):
    locked(workspace, 3)
    result = letters.generate(workspace.context(), combined=True)
    pages = sum(len(PdfReader(workspace.letters / n).pages) for n in result.generated)
    assert len(PdfReader(result.combined).pages) == pages
    assert [p.name for p in workspace.letters.glob("*.pdf")] != []  # combined is not pending
    assert all(p.order_no for p in letters.pending(workspace.context()))


def test_a_new_lock_removes_the_obsolete_letter_from_the_folder(workspace):
    (order_no, old_code), = awaiting(workspace, 1)  # fmt: skip
    ctx = workspace.context()
    with ctx.session() as s:  # customer asked for another time
        order = s.exec(select(Order)).one()
        order.status = "manual_followup"
        s.add(order)
    from datetime import time

    assign_all(workspace, [order_no], start=time(12))
    planning.lock(ctx, [order_no])
    result = letters.generate(ctx)
    assert result.generated == ["2026-04-22_T01_001_AMS-00001.pdf"]
    files = list(workspace.letters.glob("*.pdf"))
    assert len(files) == 1
    text = pdf_text(files[0])
    assert "kl. 12.00 og 13.00" in text and codes.format_code(old_code) not in text


def run_generate(ws, crash_at: str | None) -> subprocess.CompletedProcess:
    env = {**os.environ, "AMSPLAN_USER": "cron"}
    env.pop("AMSPLAN_CRASH_AT", None)
    if crash_at:
        env["AMSPLAN_CRASH_AT"] = crash_at
    return subprocess.run(
        [sys.executable, "-m", "amsplan", "letters", "generate"],
        cwd=ws.path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def check_invariants(ws) -> None:
    """Every order awaiting a reply has exactly one letter; no letter for any other order."""
    with ws.context().session() as s:
        rows = s.exec(select(Letter, Order).join(Order, Order.id == Letter.order_id)).all()
        waiting = {o.order_no for o in s.exec(select(Order)) if o.status == "awaiting_response"}
    files = sorted(p.name for p in ws.letters.glob("*.pdf"))
    by_order = {}
    for letter_row, order in rows:
        by_order.setdefault(order.order_no, []).append(letter_row.file_name)
        assert letter_row.state == "delivered"
    assert set(by_order) == waiting
    assert all(len(names) == 1 for names in by_order.values())
    assert files == sorted(n for names in by_order.values() for n in names)


@pytest.mark.parametrize(
    "crash_at", ["letters:rendered", "letters:committed", "letters:delivering"]
)
def test_a_crash_mid_batch_is_finished_by_the_next_run(workspace, crash_at):
    locked(workspace, 3)
    crashed = run_generate(workspace, crash_at)
    assert crashed.returncode == 137, crashed.stderr
    after_crash = statuses(workspace)
    if crash_at == "letters:rendered":  # nothing committed: no order moved, no letter out
        assert set(after_crash.values()) == {"ready_to_print"}
        assert list(workspace.letters.glob("*.pdf")) == []
    else:  # committed: every order moved; their letters are staged, some maybe delivered
        assert set(after_crash.values()) == {"awaiting_response"}
    rerun = run_generate(workspace, None)
    assert rerun.returncode == 0, rerun.stderr
    assert set(statuses(workspace).values()) == {"awaiting_response"}
    check_invariants(workspace)
    assert len(list(workspace.letters.glob("*.pdf"))) == 3
    for p in workspace.letters.glob("*.pdf"):
        assert "Kari Nordmann" in pdf_text(p)

"""Belt and braces: what the hook did not see is still caught before a letter is listed
or a message exported; files with customer data are recorded for the privacy purge."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update
from sqlmodel import select

from amsplan.services import booking, exports, letters, outbox
from amsplan.store.models import ExportFile, Letter, Order, Sms
from tests.helpers import assign_all, awaiting, seed

DAYTIME = datetime(2026, 4, 15, 8, 0, tzinfo=UTC)


def behind_the_hook(ws, order_no: str, **values) -> None:
    """Change an order without going through the services (as a bug or a manual fix)."""
    with ws.context().session() as s:
        s.execute(update(Order).where(Order.order_no == order_no).values(**values))


def test_sms_export_checks_each_message_just_before_writing(workspace, tmp_path):
    order_nos = seed(workspace, 2)
    assign_all(workspace, order_nos)
    booking.book_by_sms(workspace.context(now=DAYTIME), order_nos)
    behind_the_hook(workspace, order_nos[0], status="on_hold")

    result = outbox.export(workspace.context(now=DAYTIME), tmp_path / "out.csv")

    assert result.count == 1
    with workspace.context().session() as s:
        rows = {m.order_id: m for m in s.exec(select(Sms))}
        first, second = (s.exec(select(Order).where(Order.order_no == n)).one() for n in order_nos)
        recorded = s.exec(select(ExportFile)).one()
    assert (rows[first.id].status, rows[first.id].withdrawn_reason) == (
        "withdrawn",
        "the order is on hold",
    )
    # inside the project folder: recorded relative to it (a copied folder purges its own)
    assert (recorded.kind, recorded.path) == ("sms", "out.csv")
    assert recorded.order_ids == str(second.id)  # the file holds only the second


def test_pending_withdraws_a_letter_whose_order_changed_behind_the_hook(workspace):
    awaiting(workspace, 2)
    behind_the_hook(workspace, "AMS-00001", technician_id=None)

    listed = [p.order_no for p in letters.pending(workspace.context())]

    assert listed == ["AMS-00002"]
    with workspace.context().session() as s:
        states = sorted((lt.state, lt.withdrawn_reason) for lt in s.exec(select(Letter)))
    assert states == [("delivered", None), ("withdrawn", "the technician changed")]
    assert (workspace.letters / "withdrawn" / "2026-04-22_T01_001_AMS-00001.pdf").exists()


def test_mobile_and_validation_exports_are_recorded(workspace, tmp_path):
    awaiting(workspace, 2)
    ctx = workspace.context()
    for name in ("follow_up_manually", "send_to_execution"):
        booking.transition_orders(ctx, ["AMS-00001", "AMS-00002"], name)
    exports.export_mobile(ctx, tmp_path / "mobile.csv")
    booking.transition_orders(ctx, ["AMS-00002"], "close", resolution="OK")
    exports.export_validation(ctx, tmp_path / "validation.csv")
    exports.export_validation(ctx, tmp_path / "empty.csv")  # nobody in it: not recorded
    with ctx.session() as s:
        recorded = {f.kind: len(f.order_ids.split(",")) for f in s.exec(select(ExportFile))}
    assert recorded == {"mobile": 2, "validation": 1}


def test_a_crash_after_recording_printed_letters_is_finished_by_the_next_command(workspace):
    import os
    import subprocess
    import sys

    awaiting(workspace, 2)
    env = {**os.environ, "AMSPLAN_USER": "cron", "AMSPLAN_CRASH_AT": "letters:printed"}
    crashed = subprocess.run(
        [sys.executable, "-m", "amsplan", "letters", "printed", "--all"],
        cwd=workspace.path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert crashed.returncode == 137, crashed.stderr
    assert len(list(workspace.letters.glob("*.pdf"))) == 2  # recorded, not yet moved

    assert letters.pending(workspace.context()) == []

    assert list(workspace.letters.glob("*.pdf")) == []
    assert len(list((workspace.letters / "printed").glob("*.pdf"))) == 2
    with workspace.context().session() as s:
        assert {lt.state for lt in s.exec(select(Letter))} == {"printed"}

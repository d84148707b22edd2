"""A dry run reads only: it never waits for the write lock, writes nothing, and tells
what the real run then does."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import create_engine, select

from amsplan.services import booking, planning
from amsplan.services.orders import set_owner
from amsplan.services.privacy import purge
from amsplan.services.technicians import add_technician
from amsplan.store import db
from amsplan.store.models import Order
from tests.helpers import DAY, assign_all, locked, seed


@contextmanager
def write_locked(ws, monkeypatch) -> Iterator[None]:
    """Another connection holds the write lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: the
    orders table locked against every writer and every SELECT ... FOR UPDATE). Waiting
    for it fails fast instead of hanging."""
    if ws.url.startswith("sqlite"):
        monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 1000)
        with closing(sqlite3.connect(ws.url.removeprefix("sqlite:///"), isolation_level=None)) as c:
            c.execute("BEGIN IMMEDIATE")
            try:
                yield
            finally:
                c.execute("ROLLBACK")
        return
    monkeypatch.setenv("PGOPTIONS", "-c lock_timeout=2000")
    engine = create_engine(db.normalise_url(ws.url))
    try:
        with engine.connect() as conn:
            conn.execute(text("LOCK TABLE work_order IN EXCLUSIVE MODE"))
            yield
            conn.rollback()
    finally:
        engine.dispose()


def slots(placed) -> list[tuple[str, datetime, datetime, int]]:
    return [(p.order_no, p.start, p.end, p.sequence) for p in placed]


def where(ws, order_no: str) -> tuple[str | None, datetime | None, str]:
    with ws.context().session() as s:
        o = s.exec(select(Order).where(Order.order_no == order_no)).one()
        return o.technician_id, o.planned_start, o.status


def test_reschedule_dry_run_while_another_writer_holds_the_lock(workspace, monkeypatch):
    order_nos = seed(workspace, 4)
    assign_all(workspace, order_nos)  # 08, 09, 10, 11
    before = where(workspace, order_nos[0])
    args = ([order_nos[0], order_nos[1]], DAY, time(12))
    with write_locked(workspace, monkeypatch):
        dry = planning.reschedule_many(workspace.context(), *args, dry_run=True)
    assert where(workspace, order_nos[0]) == before  # nothing written
    real = planning.reschedule_many(workspace.context(), *args)
    assert slots(dry) == slots(real)
    assert [p.sequence for p in real] == [3, 4]  # after the 10:00 and 11:00 visits


def test_a_refused_dry_run_gives_the_reasons_of_the_real_run(workspace, monkeypatch):
    order_nos = seed(workspace, 3)
    assign_all(workspace, order_nos)
    args = ([order_nos[0]], DAY, time(9, 30))
    with write_locked(workspace, monkeypatch), pytest.raises(Exception) as dry:
        planning.reschedule_many(workspace.context(), *args, dry_run=True)
    with pytest.raises(Exception) as real:
        planning.reschedule_many(workspace.context(), *args)
    assert (type(dry.value), dry.value.problems) == (type(real.value), real.value.problems)


def test_move_dry_run_while_another_writer_holds_the_lock(workspace, monkeypatch):
    order_nos = seed(workspace, 3)
    add_technician(workspace.context(), "T02", "Kari Montør", "41234568", "07:00", "16:00")
    assign_all(workspace, order_nos[:1], tech="T02", day=DAY + timedelta(days=1), start=time(9))
    assign_all(workspace, order_nos[1:2])  # T01: 08
    assign_all(workspace, order_nos[2:], start=time(10))  # T01: 10
    planning.lock(workspace.context(), order_nos[1:2])  # a booked visit moves too
    to_day = DAY + timedelta(days=1)
    with write_locked(workspace, monkeypatch):
        dry = planning.move(workspace.context(), "T01", DAY, "T02", to_day, dry_run=True)
    assert where(workspace, order_nos[1])[0] == "T01"
    real = planning.move(workspace.context(), "T01", DAY, "T02", to_day)
    assert slots(dry) == slots(real)
    assert [p.sequence for p in real] == [1, 3]  # around T02's 09:00 visit


def test_purge_dry_run_while_another_writer_holds_the_lock(workspace, monkeypatch):
    booked = [n for n, _ in locked(workspace, 3)]
    ctx = workspace.context(now=datetime(2026, 5, 1, 10, tzinfo=UTC))
    booking.transition_orders(ctx, booked[:2], "close", "flyttet", resolution="Annet")
    with write_locked(workspace, monkeypatch):
        dry = purge(workspace.context(), date(2026, 5, 2), dry_run=True)
    assert where(workspace, booked[0])[2] == "closed"
    real = purge(workspace.context(), date(2026, 5, 2))
    assert (dry.orders, dry.replies, dry.messages, dry.files, dry.dry_run) == (
        real.orders, real.replies, real.messages, real.files, True
    )  # fmt: skip
    assert real.orders == 2


def test_owner_dry_run_while_another_writer_holds_the_lock(workspace, monkeypatch):
    order_nos = seed(workspace, 3)
    set_owner(workspace.context(), order_nos[:1], "Kari")
    with write_locked(workspace, monkeypatch):
        assert set_owner(workspace.context(), order_nos, "Kari", dry_run=True) == 2
    assert set_owner(workspace.context(), order_nos, "Kari") == 2
    assert set_owner(workspace.context(), order_nos, "Kari", dry_run=True) == 0

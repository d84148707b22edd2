"""Assigning slots and locking days."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlmodel import select

from amsplan import clock
from amsplan.domain import codes
from amsplan.errors import InputError, NotFound
from amsplan.services import planning
from amsplan.store.models import BookingCode, Order
from tests.helpers import DAY, assign_all, seed


def stored(ws, order_no: str) -> Order:
    with ws.context().session() as s:
        return s.exec(select(Order).where(Order.order_no == order_no)).one()


def test_assign_fills_slots_in_order_and_plans_open_orders(workspace):
    order_nos = seed(workspace, 3)
    slots = assign_all(workspace, list(reversed(order_nos)))
    assert [(s.order_no, s.start.time(), s.sequence) for s in slots] == [
        ("AMS-00003", time(8), 1), ("AMS-00002", time(9), 2), ("AMS-00001", time(10), 3)
    ]  # fmt: skip
    order = stored(workspace, "AMS-00001")
    tz = workspace.settings.tz
    assert order.status == "planning"
    assert clock.to_local(order.planned_start, tz).isoformat() == "2026-04-22T10:00:00"
    assert (order.technician_id, order.estimate_minutes, order.booking_seq) == ("T01", 60, 3)


def test_overlap_with_another_order_is_refused_and_nothing_changes(workspace):
    order_nos = seed(workspace, 3)
    assign_all(workspace, order_nos[:1], start=time(9))
    with pytest.raises(InputError) as err:
        assign_all(workspace, order_nos[1:], start=time(8, 30))
    assert "AMS-00002: 08:30-09:30 overlaps AMS-00001 (09:00-10:00)" in err.value.problems
    assert stored(workspace, "AMS-00002").status == "open"


def test_slots_outside_working_hours_are_refused(workspace):
    order_nos = seed(workspace, 2)
    with pytest.raises(InputError) as err:
        assign_all(workspace, order_nos, start=time(15))
    assert err.value.problems == [
        "AMS-00002: 16:00-17:00 is outside T01's working hours 07:00-16:00"
    ]
    with pytest.raises(InputError):
        assign_all(workspace, order_nos[:1], start=time(6, 30))


def test_moving_an_order_resequences_both_days(workspace):
    order_nos = seed(workspace, 3)
    assign_all(workspace, order_nos)
    planning.assign(workspace.context(), ["AMS-00001"], "T01", DAY + timedelta(days=1),
                    time(8), timedelta(hours=1))  # fmt: skip
    assert stored(workspace, "AMS-00002").booking_seq == 1
    assert stored(workspace, "AMS-00003").booking_seq == 2
    assert stored(workspace, "AMS-00001").booking_seq == 1


def test_locked_orders_cannot_be_reassigned(workspace):
    order_nos = seed(workspace, 1)
    assign_all(workspace, order_nos)
    planning.lock(workspace.context(), order_nos)
    with pytest.raises(InputError, match="nothing was assigned") as err:
        assign_all(workspace, order_nos, start=time(12))
    assert "is Ready to print" in err.value.problems[0]


def test_unknown_technician_and_orders(workspace):
    order_nos = seed(workspace, 1)
    with pytest.raises(NotFound, match="no technician 'T99'"):
        assign_all(workspace, order_nos, tech="T99")
    with pytest.raises(NotFound, match="AMS-404"):
        assign_all(workspace, ["AMS-404", *order_nos])


def test_lock_a_day_gives_valid_unique_codes(workspace):
    order_nos = seed(workspace, 6)
    assign_all(workspace, order_nos)
    result = planning.lock(workspace.context(), tech_id="T01", day=DAY)
    assert [n for n, _ in result.locked] == order_nos
    found = [c for _, c in result.locked]
    assert len(set(found)) == 6 and all(codes.is_valid(c) for c in found)
    assert stored(workspace, order_nos[0]).status == "ready_to_print"


def test_lock_refuses_incomplete_orders_and_locks_the_rest(workspace):
    order_nos = seed(workspace, 2)
    with workspace.context().session() as s:
        order = s.exec(select(Order).where(Order.order_no == order_nos[1])).one()
        order.street, order.postcode = "", ""
        s.add(order)
    assign_all(workspace, order_nos)
    result = planning.lock(workspace.context(), order_nos)
    assert [n for n, _ in result.locked] == [order_nos[0]]
    assert result.refused == [(order_nos[1], "missing street, postcode")]
    assert stored(workspace, order_nos[1]).status == "planning"


def test_relock_after_manual_followup_retires_the_old_code(workspace):
    order_nos = seed(workspace, 1)
    assign_all(workspace, order_nos)
    ((_, first),) = planning.lock(workspace.context(), order_nos).locked
    with workspace.context().session() as s:  # customer asked for a new time
        order = s.exec(select(Order)).one()
        order.status = "manual_followup"
        s.add(order)
    assign_all(workspace, order_nos, start=time(13))
    ((_, second),) = planning.lock(workspace.context(), order_nos).locked
    assert first != second
    with workspace.context().session() as s:
        retired = {c.code: c.retired_at is not None for c in s.exec(select(BookingCode))}
    assert retired == {first: True, second: False}


def test_lock_every_technicians_day(workspace):
    order_nos = seed(workspace, 4)
    from amsplan.services.technicians import add_technician

    add_technician(workspace.context(), "T02", "Kari Montør", "", "07:00", "16:00")
    assign_all(workspace, order_nos[:2])
    assign_all(workspace, order_nos[2:], tech="T02")
    result = planning.lock(workspace.context(), day=DAY)
    assert sorted(n for n, _ in result.locked) == order_nos
    assert planning.lock(workspace.context(), day=DAY).locked == []  # nothing left to lock

"""The planner's follow-up actions, each a transition of the table."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import select

from amsplan import clock
from amsplan.errors import InputError
from amsplan.services import booking, planning
from amsplan.services.views import followup_list
from amsplan.store.models import History, Order, Sms
from tests.helpers import DAY, assign_all, awaiting

NOW = datetime(2026, 4, 15, 8, 0, tzinfo=UTC)


def order(ws, order_no) -> Order:
    with ws.context().session() as s:
        return s.exec(select(Order).where(Order.order_no == order_no)).one()


def in_followup(ws, count=2) -> list[str]:
    booked = [n for n, _ in awaiting(ws, count)]
    result = booking.transition_orders(ws.context(now=NOW), booked, "follow_up_manually",
                                       comment="Kunden ringte")  # fmt: skip
    assert result.refused == []
    return booked


def test_send_to_execution_and_confirm(workspace):
    first, second = in_followup(workspace)
    ctx = workspace.context(user="kari", now=NOW)
    booking.transition_orders(ctx, [first], "send_to_execution", "Ok!! per telefon")
    booking.transition_orders(ctx, [second], "confirm_sms")
    assert (
        order(workspace, first).status == order(workspace, second).status == ("ready_for_execution")
    )
    with workspace.context().session() as s:
        sent = list(s.exec(select(Sms)))
        last = s.exec(select(History).order_by(History.id.desc())).first()
    assert [m.kind for m in sent] == ["confirmation"]
    assert "onsdag 22. april 2026 mellom kl. 09.00 og 10.00" in sent[0].text
    assert (last.actor, last.transition) == ("kari", "confirm_sms")
    assert followup_list(ctx) == []


def test_one_refusal_never_blocks_the_others(workspace):
    first, second = in_followup(workspace)
    booking.transition_orders(workspace.context(), [first], "send_to_execution")
    result = booking.transition_orders(workspace.context(), [first, second], "send_to_execution")
    assert [n for n, _ in result.moved] == [second]
    assert (
        result.refused[0][0] == first and "the order is Ready for execution" in result.refused[0][1]
    )


def test_manual_follow_up_records_who_and_why(workspace):
    (first, _) = in_followup(workspace)
    (item, _) = followup_list(workspace.context(now=NOW))
    assert (item.order_no, item.kind, item.reason) == (first, "manual", "Kunden ringte")


def test_hold_and_resume(workspace):
    (first, _) = in_followup(workspace)
    ctx = workspace.context(now=NOW)
    booking.transition_orders(ctx, [first], "hold", "Bortreist", until=date(2026, 6, 1),
                              unassign=True)  # fmt: skip
    held = order(workspace, first)
    assert (held.status, held.hold_until, held.technician_id) == ("on_hold", date(2026, 6, 1), None)
    booking.transition_orders(ctx, [first], "resume")
    assert order(workspace, first).status == "planning"


def test_hold_needs_a_date(workspace):
    (first, _) = in_followup(workspace)
    result = booking.transition_orders(workspace.context(), [first], "hold")
    assert result.refused == [(first, "an approximate return date is required")]


def test_reschedule_keeps_code_and_history_and_resequences(workspace):
    first, second = in_followup(workspace)
    code = order(workspace, first).booking_code
    placed = planning.reschedule(workspace.context(now=NOW), first, DAY, time(14),
                                 comment="Kunden ønsker ettermiddag")  # fmt: skip
    moved = order(workspace, first)
    # The customer had a time: a change SMS, and the order waits for the answer.
    assert (moved.status, moved.booking_code) == ("awaiting_response", code)
    local = clock.to_local(moved.planned_start, workspace.settings.tz)
    assert local == datetime(2026, 4, 22, 14, 0) and placed.sequence == 2
    assert order(workspace, second).booking_seq == 1


def test_reschedule_refuses_overlaps_and_orders_without_a_time(workspace):
    first, second = in_followup(workspace)
    with pytest.raises(InputError) as err:
        planning.reschedule(workspace.context(), first, DAY, time(9, 30))
    assert "overlaps AMS-00002" in err.value.problems[0]
    booking.transition_orders(workspace.context(), [second], "close", resolution="OK")
    with pytest.raises(InputError, match="nothing was rescheduled"):
        planning.reschedule(workspace.context(), second, DAY + timedelta(days=1), time(8), None,
                            "T01")  # fmt: skip


def test_assigning_a_followup_order_plans_it_for_a_new_letter(workspace):
    (first, _) = in_followup(workspace)
    assign_all(workspace, [first], day=DAY + timedelta(days=2))
    assert order(workspace, first).status == "planning"


def _write_locked(ws):
    """A second connection holding the SQLite write lock (BEGIN IMMEDIATE), or None."""
    import sqlite3

    url = ws.context().settings.database_url
    if not url.startswith("sqlite"):
        return None
    conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None, timeout=0.1)
    conn.execute("BEGIN IMMEDIATE")
    return conn


def test_a_dry_run_takes_no_write_lock_and_reports_what_the_real_run_does(workspace):
    first, second = in_followup(workspace)
    booking.transition_orders(workspace.context(now=NOW), [first], "send_to_execution")
    ctx = workspace.context(now=NOW)
    args = ([first, second], "send_to_execution")
    holder = _write_locked(workspace)
    try:
        dry = booking.transition_orders(ctx, *args, comment="Avtalt", dry_run=True)
    finally:
        if holder is not None:
            holder.rollback()
            holder.close()
    assert order(workspace, second).status == "manual_followup"  # nothing written
    real = booking.transition_orders(ctx, *args, comment="Avtalt")
    assert (dry.moved, dry.refused) == (real.moved, real.refused)
    assert [n for n, _ in real.moved] == [second] and real.refused[0][0] == first

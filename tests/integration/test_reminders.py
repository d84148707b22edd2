"""Reminders from cron: deadlines, once per appointment, withdrawal, overlapping runs."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import select

from amsplan.services import booking, letters, planning, reminders, workflow
from amsplan.services.views import followup_list
from amsplan.store.models import Order, Sms
from tests.helpers import assign_all, locked, seed

T0 = datetime(2026, 4, 10, 8, 0, tzinfo=UTC)  # 10:00 in Oslo, twelve days before DAY


def at(ws, moment: datetime):
    return ws.context(now=moment)


def sms_of(ws, kind: str | None = None) -> list[Sms]:
    with ws.context().session() as s:
        query = select(Sms).order_by(Sms.id)
        if kind:
            query = query.where(Sms.kind == kind)
        return list(s.exec(query))


def status_of(ws) -> dict[str, str]:
    with ws.context().session() as s:
        return {o.order_no: o.status for o in s.exec(select(Order))}


def letters_out(ws, count: int, moment=T0):
    booked = locked(ws, count)
    letters.generate(at(ws, moment))
    return booked


def test_letter_booking_reminder_after_seven_days(workspace):
    letters_out(workspace, 2)
    early = reminders.run(at(workspace, T0 + timedelta(days=7) - timedelta(minutes=1)))
    assert early.actions == []
    due = reminders.run(at(workspace, T0 + timedelta(days=7)))
    assert [(a.kind, a.order_no, a.sms) for a in due.actions] == [
        ("booking_reminder", "AMS-00001", True), ("booking_reminder", "AMS-00002", True)
    ]  # fmt: skip
    assert set(status_of(workspace).values()) == {"manual_followup"}
    assert len(sms_of(workspace, "booking_reminder")) == 2
    items = followup_list(at(workspace, T0 + timedelta(days=7)))
    assert {i.kind for i in items} == {"no_answer"}
    assert items[0].reason == "no answer by 17.04.2026 10:00"
    again = reminders.run(at(workspace, T0 + timedelta(days=8)))
    assert again.actions == [] and len(sms_of(workspace, "booking_reminder")) == 2


def test_sms_booking_reminder_after_48_hours_and_no_sms_without_a_mobile(workspace):
    order_nos = seed(workspace, 2)
    with workspace.context().session() as s:
        order = s.exec(select(Order).where(Order.order_no == order_nos[1])).one()
        order.no_sms = True
        s.add(order)
    assign_all(workspace, order_nos)
    planning.lock(at(workspace, T0), [order_nos[1]])
    letters.generate(at(workspace, T0))
    booking.book_by_sms(at(workspace, T0), [order_nos[0]])
    result = reminders.run(at(workspace, T0 + timedelta(hours=48)))
    assert [(a.order_no, a.sms) for a in result.actions] == [(order_nos[0], True)]
    result = reminders.run(at(workspace, T0 + timedelta(days=7)))
    assert [(a.order_no, a.sms) for a in result.actions] == [(order_nos[1], False)]
    assert [m.to for m in sms_of(workspace, "booking_reminder")] == ["+4740000001"]


def confirm(ws, order_nos, moment):
    ctx = at(ws, moment)
    with ctx.session() as s:
        for order in s.exec(select(Order).where(Order.order_no.in_(order_nos))):
            workflow.apply(s, ctx, order, "reply_ok")


def test_appointment_reminder_the_day_before_once(workspace):
    booked = letters_out(workspace, 2)
    confirm(workspace, [n for n, _ in booked], T0 + timedelta(days=1))
    day_before = datetime(2026, 4, 21, 6, 0, tzinfo=UTC)  # 08:00 Oslo on the 21st
    assert reminders.run(at(workspace, day_before - timedelta(hours=9))).actions == []  # 23:00
    first = reminders.run(at(workspace, day_before))
    assert [a.kind for a in first.actions] == ["appointment_reminder"] * 2
    second = reminders.run(at(workspace, day_before + timedelta(hours=3)))
    assert second.actions == []
    (message, _) = sms_of(workspace, "appointment_reminder")
    assert "onsdag 22. april 2026 mellom kl. 08.00 og 09.00" in message.text


def test_no_appointment_reminder_when_confirmed_less_than_a_day_before(workspace):
    booked = letters_out(workspace, 1)
    confirm(workspace, [booked[0][0]], datetime(2026, 4, 21, 10, 0, tzinfo=UTC))  # 12:00
    result = reminders.run(at(workspace, datetime(2026, 4, 21, 11, 0, tzinfo=UTC)))
    assert result.actions == [] and len(result.skipped) == 1
    assert sms_of(workspace, "appointment_reminder") == []


def test_rescheduling_withdraws_the_old_reminder_and_the_new_time_gets_its_own(workspace):
    with (workspace.path / "amsplan.toml").open("a", encoding="utf-8") as f:
        f.write("\n[planning]\nchange_needs_answer = false\n")  # it stays confirmed
    ((order_no, _),) = letters_out(workspace, 1)
    confirm(workspace, [order_no], T0 + timedelta(days=1))
    day_before = datetime(2026, 4, 21, 6, 0, tzinfo=UTC)
    reminders.run(at(workspace, day_before - timedelta(hours=8)))  # 00:00 Oslo: queued for 09:00
    (old,) = sms_of(workspace, "appointment_reminder")
    assert old.status == "queued"
    planning.reschedule(at(workspace, day_before), order_no, date(2026, 4, 23), time(12))
    (old,) = sms_of(workspace, "appointment_reminder")
    assert old.status == "withdrawn"
    assert reminders.run(at(workspace, day_before)).actions == []  # not tomorrow any more
    new = reminders.run(at(workspace, day_before + timedelta(days=1)))
    assert [a.detail for a in new.actions] == ["23.04 12:00"]
    assert [m.status for m in sms_of(workspace, "appointment_reminder")] == [
        "withdrawn", "queued"
    ]  # fmt: skip


def test_hold_withdraws_unsent_reminders(workspace):
    ((order_no, _),) = letters_out(workspace, 1)
    confirm(workspace, [order_no], T0 + timedelta(days=1))
    reminders.run(at(workspace, datetime(2026, 4, 20, 22, 0, tzinfo=UTC)))
    result = booking.transition_orders(at(workspace, T0), [order_no], "hold",
                                       until=date(2026, 6, 1))  # fmt: skip
    assert result.refused == []
    assert [m.status for m in sms_of(workspace, "appointment_reminder")] == ["withdrawn"]


def test_dry_run_changes_nothing(workspace):
    letters_out(workspace, 2)
    result = reminders.run(at(workspace, T0 + timedelta(days=8)), dry_run=True)
    assert len(result.actions) == 2
    assert set(status_of(workspace).values()) == {"awaiting_response"}
    assert sms_of(workspace) == []


def test_a_dry_run_takes_no_write_lock_and_reports_what_the_real_run_does(workspace):
    import sqlite3

    booked = letters_out(workspace, 2)
    confirm(workspace, [booked[0][0]], T0 + timedelta(days=1))  # an appointment reminder
    url = workspace.context().settings.database_url
    moment = datetime(2026, 4, 21, 6, 0, tzinfo=UTC)  # the day before; AMS-00002 no answer
    holder = None
    if url.startswith("sqlite"):  # another writer holds the one write lock
        holder = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
    try:
        dry = reminders.run(at(workspace, moment), dry_run=True)
    finally:
        if holder is not None:
            holder.rollback()
            holder.close()
    assert sms_of(workspace) == []
    real = reminders.run(at(workspace, moment))
    assert (dry.actions, dry.skipped) == (real.actions, real.skipped)
    assert sorted(a.kind for a in real.actions) == ["appointment_reminder", "booking_reminder"]


def test_two_overlapping_runs_send_each_reminder_once(workspace):
    """Two real processes, started together, many times over."""
    booked = letters_out(workspace, 6)
    confirm(workspace, [n for n, _ in booked[:3]], T0 + timedelta(days=1))
    env = {**os.environ, "AMSPLAN_USER": "cron"}
    env.pop("AMSPLAN_CRASH_AT", None)
    for now in ("2026-04-21T08:00", "2026-04-21T08:05"):
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "amsplan", "reminders", "run", "--now", now],
                cwd=workspace.path,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )  # fmt: skip
            for _ in range(3)
        ]
        for p in procs:
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0, err.decode()
    kinds = sorted((m.kind, m.order_id) for m in sms_of(workspace))
    assert len(kinds) == len(set(kinds)) == 6  # 3 appointment + 3 booking reminders
    with workspace.context().session() as s:
        from amsplan.store.models import History

        reminded = [h for h in s.exec(select(History)) if h.transition == "booking_reminder"]
    assert len(reminded) == 3

"""Issue 11 (1, 2, 4, 5): the calendar tells the truth, dates are checked, moves in bulk,
fill a day. The suite's clock stands at 2026-04-01 08:00 (AMSPLAN_NOW)."""

from __future__ import annotations

from sqlmodel import select

from amsplan.store.models import Order, Sms
from tests.cli.support import data, error, ok, order, row, run, statuses
from tests.helpers import order_row, seed, write_orders

DATE = "2026-04-22"  # a Wednesday


def assign(*args: str):
    return ok("assign", *args)


def later(moment: str) -> dict[str, str]:
    return {"AMSPLAN_NOW": moment}


def queued(ws, order_no: str) -> list[Sms]:
    ctx = ws.context()
    with ctx.session(readonly=True) as s:
        query = select(Sms).join(Order, Order.id == Sms.order_id).where(Order.order_no == order_no)
        return list(s.exec(query.order_by(Sms.id)))


# --- 1. calendar truth ------------------------------------------------------------


def test_a_held_order_keeps_its_slot_it_is_shown_and_cannot_be_double_booked(workspace):
    seed(workspace, 2)
    assign("AMS-00001", "--tech", "T01", "--date", DATE, "--start", "11:30")
    ok("followup", "hold", "AMS-00001", "--until", "15.01.2027")

    day = ok("calendar", "--tech", "T01", "--date", DATE).stdout
    assert "On hold" in row(day, "AMS-00001", "11:30-12:30")
    assert not any("11:30-" in line and "ledig" in line for line in day.splitlines()), day

    err = error(5, "assign", "AMS-00002", "--tech", "T01", "--date", DATE, "--start", "11:30")
    assert "AMS-00002: 11:30-12:30 overlaps AMS-00001 (11:30-12:30)" in err
    assert order("AMS-00002")["status"] == "open"

    ok("followup", "resume", "AMS-00001")
    booked = data("sms", "book", "AMS-00001")
    assert [b["order_no"] for b in booked["booked"]] == ["AMS-00001"]


def test_sms_book_and_resume_refuse_a_slot_another_order_holds(workspace):
    """A double booking left by an older version: neither is booked into the same hour."""
    seed(workspace, 2)
    assign("AMS-00001", "--tech", "T01", "--date", DATE, "--start", "11:30")
    assign("AMS-00002", "--tech", "T01", "--date", DATE, "--start", "13:00")
    ok("followup", "hold", "AMS-00002", "--until", "15.01.2027")
    ctx = workspace.context()
    with ctx.session() as s:  # as an older version allowed it
        first, second = (s.exec(select(Order).where(Order.order_no == n)).one()
                         for n in ("AMS-00001", "AMS-00002"))  # fmt: skip
        second.planned_start = first.planned_start
        s.add(second)

    resumed = run("followup", "resume", "AMS-00002")
    assert resumed.exit_code == 1
    assert "taken by AMS-00001 (11:30-12:30)" in row(resumed.stdout, "AMS-00002", "refused")
    assert order("AMS-00002")["status"] == "on_hold"

    booked = run("sms", "book", "AMS-00001")
    assert booked.exit_code == 1
    assert "taken by AMS-00002" in row(booked.stdout, "AMS-00001", "refused")
    assert order("AMS-00001")["status"] == "planning"


# --- 2. dates ---------------------------------------------------------------------


def test_planning_in_the_past_is_refused(workspace):
    seed(workspace, 1)
    err = error(5, "assign", "AMS-00001", "--tech", "T01", "--date", "2025-11-01")
    assert "T01 Saturday 01.11.2025 is in the past" in err
    err = error(
        5, "assign", "AMS-00001", "--tech", "T01", "--date", "2026-04-01", "--start", "07:00"
    )
    assert "AMS-00001: 01.04.2026 07:00 is in the past (now 01.04.2026 08:00)" in err
    assign("AMS-00001", "--tech", "T01", "--date", "2026-04-01", "--start", "09:00")
    assert statuses() == {"planning": 1}


def test_weekends_need_a_working_day_or_allow_weekend(workspace):
    seed(workspace, 3)
    err = error(5, "assign", "AMS-00001", "--tech", "T01", "--date", "2026-04-25")
    assert "Saturday 25.04.2026 is not one of the technician's working days (Mon-Fri)" in err
    assert "--allow-weekend" in err
    assign("AMS-00001", "--tech", "T01", "--date", "2026-04-25", "--allow-weekend")
    ok("techs", "add", "T02", "--name", "Lørdagsmontør", "--days", "123456")
    assign("AMS-00002", "--tech", "T02", "--date", "2026-04-25")
    assert "Mon-Sat" in row(ok("techs", "list").stdout, "T02")
    assert error(5, "techs", "add", "T03", "--name", "X", "--days", "8").count("working days")


def test_public_holidays_are_refused_unless_allowed(workspace):
    seed(workspace, 2)
    err = error(5, "assign", "AMS-00001", "--tech", "T01", "--date", "25.12.2026")
    assert "Friday 25.12.2026 is a public holiday (Første juledag)" in err
    err = error(5, "assign", "AMS-00001", "--tech", "T01", "--date", "2026-05-01")
    assert "public holiday" in err
    assign("AMS-00001", "--tech", "T01", "--date", "2026-05-01", "--allow-holiday")
    assert order("AMS-00001")["planned_start_local"] == "2026-05-01T08:00:00+02:00"


def test_an_absence_closes_the_days_lists_booked_visits_and_can_be_removed(workspace):
    seed(workspace, 2)
    assign("AMS-00001", "--tech", "T01", "--date", "2026-04-23")
    out = ok(
        "techs", "absent", "T01", "--from", DATE, "--to", "2026-04-24", "--reason", "syk"
    ).stdout
    assert "T01 away 22.04.2026-24.04.2026" in out
    assert "23.04.2026 08:00" in row(out, "AMS-00001")

    err = error(5, "assign", "AMS-00002", "--tech", "T01", "--date", DATE)
    assert "T01 Wednesday 22.04.2026: the technician is away (syk)" in err
    day = ok("calendar", "--tech", "T01", "--date", DATE).stdout
    assert "Closed: away (syk)" in day and "ledig" not in day
    assert "away (syk)" in row(ok("calendar", "--date", DATE).stdout, "T01")
    listed = data("techs", "absences", "T01")
    assert [(a["first_day"], a["last_day"], a["reason"]) for a in listed] == [
        ("2026-04-22", "2026-04-24", "syk")
    ]

    ok("techs", "absence-remove", str(listed[0]["id"]))
    assign("AMS-00002", "--tech", "T01", "--date", DATE)
    assert "no absence 999" in error(4, "techs", "absence-remove", "999")


def test_lock_and_sms_book_refuse_an_appointment_in_the_past(workspace):
    seed(workspace, 2)
    assign("AMS-00001", "AMS-00002", "--tech", "T01", "--date", DATE)
    the_day_after = later("2026-04-23T08:00")

    locked = run("lock", "AMS-00001", env=the_day_after)
    assert locked.exit_code == 1
    assert "22.04.2026 08:00 is in the past" in row(locked.stdout, "AMS-00001", "refused")
    booked = run("sms", "book", "AMS-00002", env=the_day_after)
    assert booked.exit_code == 1
    assert "is in the past" in row(booked.stdout, "AMS-00002", "refused")
    assert statuses() == {"planning": 2}


def test_replanning_a_failed_visit_frees_its_slot(workspace):
    seed(workspace, 1)
    assign("AMS-00001", "--tech", "T01", "--date", DATE, "--start", "09:00")
    ok("lock", "AMS-00001")
    on_the_day = later("2026-04-22T10:00")
    ok("letters", "generate", env=later("2026-04-02T08:00"))
    ok("transition", "follow_up_manually", "AMS-00001", "--yes", env=on_the_day)
    ok("followup", "send-to-execution", "AMS-00001", env=on_the_day)
    ok("transition", "resolve", "AMS-00001", "--resolution", "Kunde ikke hjemme", "--yes",
       env=on_the_day)  # fmt: skip
    ok("orders", "reopen", "AMS-00001", env=on_the_day)

    ok("orders", "replan", "AMS-00001", env=on_the_day)

    shown = order("AMS-00001")
    assert (shown["status"], shown["technician_id"], shown["planned_start_local"]) == (
        "planning",
        None,
        None,
    )
    booked = run("sms", "book", "AMS-00001", env=on_the_day)
    assert booked.exit_code == 1 and "missing technician" in booked.stdout


# --- 4. moves in bulk -------------------------------------------------------------


def test_reschedule_takes_many_orders_asks_first_and_has_a_dry_run(workspace):
    seed(workspace, 3)
    assign("AMS-00001", "AMS-00002", "AMS-00003", "--tech", "T01", "--date", DATE)
    args = ("followup", "reschedule", "AMS-00001", "AMS-00002", "--date", "2026-04-23",
            "--start", "12:00")  # fmt: skip

    dry = ok(*args, "--dry-run").stdout
    assert "AMS-00002: 23.04.2026 13:00-14:00" in dry and "2 would be rescheduled" in dry
    assert order("AMS-00001")["planned_start_local"] == "2026-04-22T08:00:00+02:00"
    asked = run(*args)  # no answer: nothing changes
    assert "Reschedule 2 orders?" in asked.output and asked.exit_code == 1
    assert order("AMS-00001")["planned_start_local"] == "2026-04-22T08:00:00+02:00"
    ok(*args, "--yes")
    assert order("AMS-00001")["planned_start_local"] == "2026-04-23T12:00:00+02:00"
    assert order("AMS-00002")["planned_start_local"] == "2026-04-23T13:00:00+02:00"
    assert order("AMS-00003")["booking_seq"] == 1


def test_move_a_sick_technicians_day_keeps_the_times_all_or_nothing(workspace):
    seed(workspace, 3)
    ok("techs", "add", "T02", "--name", "Per Vikar", "--start", "07:00", "--end", "16:00")
    assign("AMS-00001", "AMS-00002", "--tech", "T01", "--date", DATE, "--start", "09:00")
    assign("AMS-00003", "--tech", "T02", "--date", DATE, "--start", "10:00")
    move = ("move", "--from-tech", "T01", "--date", DATE, "--to-tech", "T02")

    err = error(5, *move, "--yes")
    assert "AMS-00002: 10:00-11:00 overlaps AMS-00003 (10:00-11:00)" in err
    assert order("AMS-00001")["technician_id"] == "T01"

    out = ok(*move, "--to-date", "2026-04-23", "--dry-run").stdout
    assert "2 would move" in out and order("AMS-00001")["technician_id"] == "T01"
    ok(*move, "--to-date", "2026-04-23", "--yes")
    moved = order("AMS-00002")
    assert (moved["technician_id"], moved["planned_start_local"]) == (
        "T02", "2026-04-23T10:00:00+02:00",
    )  # fmt: skip

    assign("AMS-00003", "--tech", "T02", "--date", DATE, "--start", "08:00")
    ok("move", "--from-tech", "T02", "--date", "2026-04-23", "--to-tech", "T01",
       "--to-date", DATE, "--start", "12:00", "--yes")  # fmt: skip
    assert order("AMS-00001")["planned_start_local"] == "2026-04-22T12:00:00+02:00"
    assert order("AMS-00002")["planned_start_local"] == "2026-04-22T13:00:00+02:00"


def test_a_customer_whose_booked_time_changes_is_told(workspace):
    seed(workspace, 2)
    import_rows = [order_row(3, phone="62512345")]  # a landline: letters only
    from amsplan.services.orders import import_orders

    import_orders(workspace.context(), write_orders(workspace.path / "more.csv", import_rows))
    assign("AMS-00001", "AMS-00002", "AMS-00003", "--tech", "T01", "--date", DATE)
    ok("sms", "book", "AMS-00001", "AMS-00002")
    ok("lock", "AMS-00003")
    ok("letters", "generate")
    code3 = order("AMS-00003")["booking_code"]
    (workspace.path / "svar.csv").write_text(
        "Mottatt;Avsender;Melding\n"
        f"2026-04-01 10:00;+4740000002;{order('AMS-00002')['booking_code']} OK\n",
        encoding="utf-8",
    )
    ok("replies", "ingest", "svar.csv")
    assert order("AMS-00002")["status"] == "ready_for_execution"

    ok("move", "--from-tech", "T01", "--date", DATE, "--to-tech", "T01", "--to-date",
       "2026-04-23", "--yes")  # fmt: skip

    for n in ("AMS-00001", "AMS-00002"):
        shown = order(n)
        assert (shown["status"], shown["booking_channel"]) == ("awaiting_response", "sms")
        change = [m for m in queued(workspace, n) if m.kind == "change"]
        assert len(change) == 1 and "torsdag 23. april 2026" in change[0].text, change
    third = order("AMS-00003")
    assert (third["status"], third["booking_code"]) == ("ready_to_print", code3)


def test_a_change_sms_without_a_new_answer_when_configured(workspace):
    with (workspace.path / "amsplan.toml").open("a", encoding="utf-8") as f:
        f.write("\n[planning]\nchange_needs_answer = false\n")
    seed(workspace, 1)
    assign("AMS-00001", "--tech", "T01", "--date", DATE)
    ok("sms", "book", "AMS-00001")
    ok("followup", "reschedule", "AMS-00001", "--date", DATE, "--start", "13:00")
    assert order("AMS-00001")["status"] == "awaiting_response"
    assert [m.kind for m in queued(workspace, "AMS-00001")] == ["booking", "change"]
    # A confirmed customer is told, and not asked to confirm again.
    ok("followup", "manual", "AMS-00001")
    ok("followup", "send-to-execution", "AMS-00001")
    ok("followup", "reschedule", "AMS-00001", "--date", DATE, "--start", "14:00")
    assert order("AMS-00001")["status"] == "ready_for_execution"
    change = [m for m in queued(workspace, "AMS-00001") if m.kind == "change"][-1]
    assert "14.00" in change.text and "for å bekrefte" not in change.text
    assert "KONTAKT til" in change.text


def test_a_late_evening_move_to_early_next_morning_asks_the_planner_to_call(workspace):
    """At 21:30 (quiet hours until 09:00) a confirmed visit is moved to 07:00 tomorrow: an
    SMS could only go out after the visit starts, so none is queued, the order does not
    wait for an answer that cannot come, and the planner is told to call."""
    seed(workspace, 1)
    assign("AMS-00001", "--tech", "T01", "--date", DATE)
    ok("sms", "book", "AMS-00001")
    ok("followup", "manual", "AMS-00001")
    ok("followup", "send-to-execution", "AMS-00001")

    ok("followup", "reschedule", "AMS-00001", "--date", "2026-04-23", "--start", "07:00",
       env=later("2026-04-22T21:30"))  # fmt: skip

    shown = order("AMS-00001")
    assert shown["status"] == "ready_for_execution"
    assert "call the customer" in shown["followup_reason"]
    assert not [m for m in queued(workspace, "AMS-00001") if m.kind == "change"]
    listed = ok("followup", "list", env=later("2026-04-22T21:31")).stdout
    assert "AMS-00001" in listed


def test_unassign_and_unlock(workspace):
    seed(workspace, 3)
    assign("AMS-00001", "AMS-00002", "AMS-00003", "--tech", "T01", "--date", DATE)
    ok("lock", "AMS-00001", "AMS-00002")
    ok("followup", "hold", "AMS-00003", "--until", "2026-06-01")

    assert "1 unlocked, 0 refused" in ok("unlock", "AMS-00001", "--yes").stdout
    first = order("AMS-00001")
    assert (first["status"], first["booking_code"], first["technician_id"]) == (
        "planning",
        None,
        "T01",
    )
    dry = ok("unassign", "AMS-00002", "AMS-00003", "--dry-run").stdout
    assert "2 would be unassigned" in dry and order("AMS-00002")["technician_id"] == "T01"
    ok("unassign", "AMS-00002", "AMS-00003", "--yes")
    second, third = order("AMS-00002"), order("AMS-00003")
    assert (second["status"], second["technician_id"], second["booking_code"]) == (
        "open",
        None,
        None,
    )
    assert (third["status"], third["technician_id"]) == ("on_hold", None)
    assign("AMS-00002", "--tech", "T01", "--date", DATE, "--start", "09:00")


# --- 5. fill a day ----------------------------------------------------------------


def test_fill_places_in_street_order_until_the_day_is_full(workspace):
    streets = [12, 7, 3, 100, 21, 8, 9, 10, 11, 13, 14]
    ctx = workspace.context()
    from amsplan.services.orders import import_orders
    from amsplan.services.technicians import add_technician

    add_technician(ctx, "T02", "Kari Montør", "", "08:00", "12:00")  # four slots
    rows = [order_row(n, street=f"Stangevegen {s}", postcode="2335", city="STANGE")
            for n, s in enumerate(streets, start=1)]  # fmt: skip
    import_orders(ctx, write_orders(workspace.path / "orders.csv", rows))
    ok("orders", "list", "--postcode", "2335", "--save-as", "Stange åpne")
    seed_other = order_row(50, street="Annen vei 1")
    import_orders(ctx, write_orders(workspace.path / "o2.csv", [seed_other]))
    assign("AMS-00050", "--tech", "T02", "--date", DATE, "--start", "09:00")

    out = assign("--filter", "Stange åpne", "--tech", "T02", "--date", DATE, "--fill").stdout

    assert "placed 3, left 8 (day full)" in out
    assert "08:00-09:00" in row(out, "AMS-00003")  # Stangevegen 3
    assert "10:00-11:00" in row(out, "AMS-00002")  # Stangevegen 7 (09:00 is taken)
    assert "11:00-12:00" in row(out, "AMS-00006")  # Stangevegen 8
    assert order("AMS-00001")["status"] == "open"  # Stangevegen 12 did not fit
    assert statuses() == {"planning": 4, "open": 8}


def test_a_time_agreed_on_the_phone_needs_no_change_notice(workspace):
    seed(workspace, 1)
    assign("AMS-00001", "--tech", "T01", "--date", DATE)
    ok("sms", "book", "AMS-00001")
    ok("transition", "follow_up_manually", "AMS-00001", "--yes")
    ok("followup", "reschedule", "AMS-00001", "--date", DATE, "--start", "13:00", "--agreed")
    assert order("AMS-00001")["status"] == "manual_followup"
    assert [m.kind for m in queued(workspace, "AMS-00001")] == ["booking"]


def test_working_days_come_from_the_technicians_file(workspace):
    (workspace.path / "montorer.csv").write_text(
        "Montørnr;Navn;Telefon;Arbeidstid fra;Arbeidstid til;Arbeidsdager\n"
        "T01;Ola;41234567;07:00;15:00;123456\n"
        "T02;Kari;41234568;07:00;15:00;\n",
        encoding="utf-8",
    )
    ok("techs", "import", "montorer.csv")
    assert {t["id"]: t["working_days"] for t in data("techs", "list")} == {
        "T01": "123456", "T02": "12345"
    }  # fmt: skip
    (workspace.path / "bad.csv").write_text(
        "Montørnr;Navn;Arbeidsdager\nT03;Per;mandag\n", encoding="utf-8"
    )
    assert "working days" in error(5, "techs", "import", "bad.csv")


def test_moving_today_moves_the_rest_of_the_day(workspace):
    seed(workspace, 3)
    ok("techs", "add", "T02", "--name", "Per Vikar", "--start", "07:00", "--end", "16:00")
    assign("AMS-00001", "AMS-00002", "AMS-00003", "--tech", "T01", "--date", DATE)
    at_nine_thirty = later(f"{DATE}T09:30")
    out = ok("move", "--from-tech", "T01", "--date", DATE, "--to-tech", "T02", "--yes",
             env=at_nine_thirty).stdout  # fmt: skip
    assert "1 moved" in out
    assert [order(n)["technician_id"] for n in ("AMS-00001", "AMS-00002", "AMS-00003")] == [
        "T01", "T01", "T02"
    ]  # fmt: skip


def test_a_move_across_the_end_of_summer_time_keeps_the_wall_clock_times(workspace):
    seed(workspace, 2)
    friday, monday = "2026-10-23", "2026-10-26"  # summer time ends on Sunday 25 October
    assign("AMS-00001", "AMS-00002", "--tech", "T01", "--date", friday, "--start", "08:00")
    ok("move", "--from-tech", "T01", "--date", friday, "--to-tech", "T01", "--to-date", monday,
       "--yes")  # fmt: skip
    assert [order(n)["planned_start_local"] for n in ("AMS-00001", "AMS-00002")] == [
        "2026-10-26T08:00:00+01:00", "2026-10-26T09:00:00+01:00"
    ]  # fmt: skip
    day = ok("calendar", "--tech", "T01", "--date", monday).stdout
    assert "08:00-09:00" in row(day, "AMS-00001") and "09:00-10:00" in row(day, "AMS-00002")

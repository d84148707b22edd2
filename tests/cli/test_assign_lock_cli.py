"""amsplan assign and amsplan lock: slots, sequence, refusals, booking codes."""

from __future__ import annotations

import pytest

from amsplan.domain import codes
from amsplan.services.orders import import_orders
from amsplan.services.technicians import add_technician
from tests import jsondoc
from tests.cli.support import data, error, fails, ok, order, row, run, statuses
from tests.helpers import assign_all, order_row, seed, write_orders

DATE = "2026-04-22"


def assign(*args: str):
    return ok("assign", *args)


# --- assign --------------------------------------------------------------------


def test_assign_prints_the_day_with_sequence_and_plans_the_orders(workspace):
    seed(workspace, 3)

    out = assign("AMS-00001", "AMS-00002", "AMS-00003", "--tech", "T01", "--date", DATE).stdout

    assert "T01 Wednesday 22.04.2026" in out
    assert "1" in row(out, "AMS-00001", "08:00-09:00")
    assert "2" in row(out, "AMS-00002", "09:00-10:00")
    assert "3" in row(out, "AMS-00003", "10:00-11:00")
    assert statuses() == {"planning": 3}
    second = order("AMS-00002")
    assert second["technician_id"] == "T01"
    assert second["planned_start_local"] == "2026-04-22T09:00:00+02:00"
    assert (second["estimate_minutes"], second["booking_seq"]) == (60, 2)


def test_assign_json_norwegian_date_and_slot_length(workspace):
    seed(workspace, 2)
    slots = data(
        "assign", "AMS-00002", "AMS-00001", "--tech", "T01", "--date", "22.04.2026",
        "--start", "9.30", "--slot", "90m",
    )  # fmt: skip
    assert slots == [
        {
            "order_no": "AMS-00002",
            "start": "2026-04-22T09:30:00+02:00",
            "end": "2026-04-22T11:00:00+02:00",
            "sequence": 1,
        },
        {
            "order_no": "AMS-00001",
            "start": "2026-04-22T11:00:00+02:00",
            "end": "2026-04-22T12:30:00+02:00",
            "sequence": 2,
        },
    ]
    assert order("AMS-00001")["estimate_minutes"] == 90


def test_an_earlier_slot_renumbers_the_day(workspace):
    seed(workspace, 2)
    assign("AMS-00001", "--tech", "T01", "--date", DATE, "--start", "12:00")
    out = assign("AMS-00002", "--tech", "T01", "--date", DATE, "--start", "08:00").stdout
    assert "1" in row(out, "AMS-00002", "08:00-09:00")
    assert order("AMS-00001")["booking_seq"] == 2
    assert order("AMS-00002")["booking_seq"] == 1


def test_moving_an_order_to_another_day_renumbers_both_days(workspace):
    seed(workspace, 3)
    assign("AMS-00001", "AMS-00002", "AMS-00003", "--tech", "T01", "--date", DATE)
    assign("AMS-00001", "--tech", "T01", "--date", "2026-04-23")
    assert [order(n)["booking_seq"] for n in ("AMS-00001", "AMS-00002", "AMS-00003")] == [1, 1, 2]
    timeline = order("AMS-00001")["timeline"]
    assert any("was T01 2026-04-22 08:00" in e["text"] for e in timeline), timeline


def test_overlap_with_another_order_is_refused_naming_both(workspace):
    seed(workspace, 2)
    assign("AMS-00001", "--tech", "T01", "--date", DATE, "--start", "08:00")

    stderr = error(5, "assign", "AMS-00002", "--tech", "T01", "--date", DATE, "--start", "08:30")

    assert "nothing was assigned" in stderr
    problem = stderr.splitlines()[1]
    assert "AMS-00002" in problem and "AMS-00001" in problem and "overlaps" in problem
    assert "08:30-09:30" in problem and "08:00-09:00" in problem
    assert order("AMS-00002")["status"] == "open"


def test_back_to_back_slots_do_not_overlap(workspace):
    seed(workspace, 2)
    assign("AMS-00001", "--tech", "T01", "--date", DATE, "--start", "08:00")
    assign("AMS-00002", "--tech", "T01", "--date", DATE, "--start", "09:00")
    assert statuses() == {"planning": 2}


@pytest.mark.parametrize("start", ["06:00", "15:30"])
def test_slot_outside_working_hours_is_refused(workspace, start):
    seed(workspace, 1)  # T01 works 07:00-16:00
    stderr = error(5, "assign", "AMS-00001", "--tech", "T01", "--date", DATE, "--start", start)
    assert "outside" in stderr and "working hours 07:00-16:00" in stderr and start in stderr
    assert statuses() == {"open": 1}


def test_one_bad_slot_and_nothing_is_assigned(workspace):
    seed(workspace, 3)
    stderr = error(
        5, "assign", "AMS-00001", "AMS-00002", "AMS-00003",
        "--tech", "T01", "--date", DATE, "--start", "14:00",
    )  # fmt: skip
    assert "AMS-00003" in stderr and "16:00-17:00" in stderr
    assert statuses() == {"open": 3}


def test_unknown_technician_is_not_found(workspace):
    seed(workspace, 1)
    stderr = error(4, "assign", "AMS-00001", "--tech", "T99", "--date", DATE)
    assert "T99" in stderr and "techs list" in stderr
    assert statuses() == {"open": 1}


def test_unknown_order_is_not_found_and_nothing_is_assigned(workspace):
    seed(workspace, 1)
    stderr = error(4, "assign", "AMS-00001", "AMS-99999", "--tech", "T01", "--date", DATE)
    assert "AMS-99999" in stderr
    assert statuses() == {"open": 1}


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--date", "2026-13-01"),
        ("--date", "tomorrow"),
        ("--start", "25:00"),
        ("--start", "8am"),
        ("--slot", "abc"),
        ("--slot", "0"),
        ("--slot", "25h"),
    ],
)
def test_bad_date_start_or_slot_names_the_value(workspace, option, value):
    seed(workspace, 1)
    args = {"--date": DATE, "--start": "08:00", "--slot": "1h", option: value}
    stderr = error(5, "assign", "AMS-00001", "--tech", "T01", *sum(args.items(), ()))
    assert option in stderr and repr(value) in stderr
    assert statuses() == {"open": 1}


def test_an_order_given_twice_is_refused(workspace):
    seed(workspace, 1)
    stderr = error(5, "assign", "AMS-00001", "AMS-00001", "--tech", "T01", "--date", DATE)
    assert "AMS-00001" in stderr and "twice" in stderr


def test_a_locked_order_cannot_be_assigned(workspace):
    seed(workspace, 1)
    assign_all(workspace, ["AMS-00001"])
    ok("lock", "AMS-00001")
    stderr = error(5, "assign", "AMS-00001", "--tech", "T01", "--date", "2026-04-23")
    assert "AMS-00001" in stderr and "is Ready to print; only Open, Planning" in stderr
    assert order("AMS-00001")["planned_start_local"] == "2026-04-22T08:00:00+02:00"


def test_assign_without_technician_is_a_usage_error(workspace):
    seed(workspace, 1)
    result = run("assign", "AMS-00001", "--date", DATE)
    assert result.exit_code == 2
    assert "--tech" in result.output


# --- lock ------------------------------------------------------------------------


def test_lock_a_technicians_day(workspace):
    order_nos = seed(workspace, 3)
    assign_all(workspace, order_nos)

    out = ok("lock", "--tech", "T01", "--date", DATE).stdout

    assert "3 locked, 0 refused" in out
    assert statuses() == {"ready_to_print": 3}
    for order_no in order_nos:
        code = order(order_no)["booking_code"].replace("-", "")  # shown as ACDE-7FHA
        assert codes.is_valid(code)
        assert "locked" in row(out, order_no, codes.format_code(code))


def test_lock_named_orders_only(workspace):
    order_nos = seed(workspace, 3)
    assign_all(workspace, order_nos)
    out = ok("lock", "AMS-00001", "AMS-00003").stdout
    assert "2 locked, 0 refused" in out
    assert statuses() == {"ready_to_print": 2, "planning": 1}
    assert order("AMS-00002")["status"] == "planning"


def test_lock_json_gives_the_codes(workspace):
    order_nos = seed(workspace, 3)
    assign_all(workspace, order_nos)
    result = jsondoc.check(
        "lock", ok("lock", "--tech", "T01", "--date", "22.04.2026", "--json").stdout
    )
    assert result["refused"] == []
    assert [x["order_no"] for x in result["locked"]] == order_nos
    issued = [x["code"] for x in result["locked"]]  # as printed: ACDE-7FHA
    assert len(set(issued)) == 3 and all(codes.is_valid(c.replace("-", "")) for c in issued)
    assert [order(n)["booking_code"].replace("-", "") for n in order_nos] == [
        c.replace("-", "") for c in issued
    ]


def test_orders_without_street_and_postcode_are_refused_the_rest_locked(workspace):
    ctx = workspace.context()
    add_technician(ctx, "T01", "Ola Montør", "", "07:00", "16:00")
    rows = [order_row(1), order_row(2, street="", postcode=""), order_row(3)]
    import_orders(ctx, write_orders(workspace.path / "orders.csv", rows))
    assign_all(workspace, ["AMS-00001", "AMS-00002", "AMS-00003"])

    result = fails(1, "lock", "--tech", "T01", "--date", DATE)

    assert "refused" in row(result.stdout, "AMS-00002", "missing street, postcode")
    assert "2 locked, 1 refused" in result.stdout
    assert statuses() == {"ready_to_print": 2, "planning": 1}
    assert order("AMS-00002")["booking_code"] is None

    refused = jsondoc.check("lock", fails(1, "lock", "AMS-00002", "--json").stdout)
    assert refused == {"locked": [], "refused": [
        {"order_no": "AMS-00002", "reason": "missing street, postcode"}
    ]}  # fmt: skip


def test_an_order_not_in_planning_is_refused(workspace):
    order_nos = seed(workspace, 2)
    assign_all(workspace, order_nos[:1])
    result = fails(1, "lock", "AMS-00001", "AMS-00002")
    assert "refused" in row(result.stdout, "AMS-00002", "the order is Open; allowed from Planning")
    assert statuses() == {"ready_to_print": 1, "open": 1}

    again = fails(1, "lock", "AMS-00001")
    assert "the order is Ready to print" in row(again.stdout, "AMS-00001")
    assert "0 locked, 1 refused" in again.stdout


def test_a_day_with_nothing_to_lock(workspace):
    seed(workspace, 1)
    assert "0 locked, 0 refused" in ok("lock", "--tech", "T01", "--date", DATE).stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["AMS-00001", "--tech", "T01"], "not both"),
        ([], "name orders"),
        (["--tech", "T01"], "name orders"),
        (["--tech", "T01", "--date", "22/04/2026"], "'22/04/2026'"),
    ],
    ids=["orders-and-tech", "nothing", "tech-without-date", "bad-date"],
)
def test_lock_needs_orders_or_a_technicians_day(workspace, args, words):
    seed(workspace, 1)
    assert words in error(5, "lock", *args)


def test_lock_unknown_technician_or_order(workspace):
    order_nos = seed(workspace, 1)
    assign_all(workspace, order_nos)
    assert "T99" in error(4, "lock", "--tech", "T99", "--date", DATE)
    assert "AMS-99999" in error(4, "lock", "AMS-00001", "AMS-99999")
    assert statuses() == {"planning": 1}

"""The follow-up list's, the reports' and the letters' rules without a database
(amsplan.domain.followlist, .reports, .letters)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from amsplan.domain import followlist, letters
from amsplan.domain import reports as rules
from amsplan.domain.followlist import Flag
from amsplan.domain.reports import Crew, Event
from amsplan.domain.statuses import Status
from amsplan.errors import InputError

OSLO = ZoneInfo("Europe/Oslo")


def test_open_reasons_most_important_first_one_per_kind_and_reason():
    flags = [Flag("reply", "svarte JA?"), Flag("cancelled", "kansellert"),
             Flag("reply", "svarte JA?"), Flag("reply", "ring meg")]  # fmt: skip
    assert followlist.open_reasons(flags) == [
        Flag("cancelled", "kansellert"), Flag("reply", "svarte JA?"), Flag("reply", "ring meg")
    ]  # fmt: skip


def test_why_an_order_is_on_the_follow_up_list():
    held = followlist.why(Status.ON_HOLD, date(2026, 4, 1), None, None, False, [])
    assert (held.kind, held.reason) == ("hold_passed", "hold date 01.04.2026 has passed")
    rejected = followlist.why(Status.REJECTED_QUANT, None, None, None, False, [])
    assert (rejected.kind, rejected.reason) == ("rejected", "rejected by the meter-data system")
    flags = [Flag("cancelled", "kansellert"), Flag("reply", "ring meg")]
    mixed = followlist.why(Status.MANUAL_FOLLOWUP, None, "reply", "ring meg", True, flags)
    assert mixed.kind == "reply"
    assert mixed.reason == "cancelled; ring meg; also: cancelled: kansellert"
    assert mixed.kinds == ["reply", "cancelled"]
    plain = followlist.why(Status.MANUAL_FOLLOWUP, None, None, None, False, [])
    assert (plain.kind, plain.reason) == ("manual", "a planner stopped waiting")


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (("resolve", "in_progress", "Ikke hjemme", None), "failed"),
        (("resolve", "resolved", "OK", None), None),  # the close after it counts
        (("confirm", "ready_for_execution", None, None), "confirmed"),
        (("close", "closed", "OK", None), "closed_ok"),
        (("close", "closed", None, "OK"), "closed_ok"),  # an old row: the order's resolution
        (("close", "closed", "Annet", None), None),
    ],
)
def test_what_a_history_row_counts_as(row, expected):
    assert rules.event_kind(*row, ok="OK") == expected


def test_tally_and_every_week():
    events = [
        Event("closed_ok", datetime(2026, 4, 20, 8, tzinfo=UTC), 1, "T01", "OK"),
        Event("failed", datetime(2026, 4, 21, 8, tzinfo=UTC), 2, "T01", "Ikke hjemme"),
        Event("confirmed", datetime(2026, 5, 5, 8, tzinfo=UTC), 3, "T02", None),
    ]
    awaiting = [(4, datetime(2026, 4, 19, 22, 30, tzinfo=UTC))]  # Monday 00:30 in Oslo
    periods, total = rules.tally(events, awaiting, "week", OSLO)
    assert [(p.period, p.closed_ok, p.failed, p.confirmed, p.awaiting) for p in periods] == [
        ("2026-W17", 1, 1, 0, 1), ("2026-W19", 0, 0, 1, 0)
    ]  # fmt: skip
    assert (total.closed_ok, total.failed, total.confirmed, total.awaiting) == (1, 1, 1, 1)
    weeks = rules.every_week(periods, date(2026, 4, 22), date(2026, 5, 6))
    assert [w.period for w in weeks] == ["2026-W17", "2026-W18", "2026-W19"]
    assert rules.period_key(awaiting[0][1], "day", OSLO) == "2026-04-20"
    assert rules.period_key(awaiting[0][1], "month", OSLO) == "2026-04"


def test_dashboard_figures():
    events = [
        Event("closed_ok", datetime(2026, 4, 20, 8, tzinfo=UTC), 1, "T01", "OK"),
        Event("failed", datetime(2026, 4, 21, 8, tzinfo=UTC), 2, "T03", "Ikke hjemme"),
    ]
    data = rules.dashboard(
        "Testnett AS", datetime(2026, 4, 22, 12), OSLO, events, [],
        {"closed": 1, "ready_for_execution": 2, "open": 3},
        [(st, st.value.upper(), "#000000") for st in Status], 1, 1, {"T02": 4},
        {"T01": Crew("Ola", True), "T02": Crew("Kari", True), "T04": Crew("Per", False)},
    )  # fmt: skip
    assert [(t.tech_id, t.name, t.planned, t.done) for t in data.load] == [
        ("T01", "Ola", 0, 1), ("T02", "Kari", 4, 0)
    ]  # fmt: skip
    assert data.failed_by_reason == [("Ikke hjemme", 1)]
    assert (data.orders, data.ready_for_execution, data.done_share) == (6, 2, 0.2)
    assert [w.period for w in data.weeks] == ["2026-W17"]
    assert data.statuses[0].label == "OPEN" and data.statuses[0].count == 3


def test_letter_file_names_sort_in_print_order_and_stay_in_the_folder():
    name = letters.file_name(date(2026, 4, 22), "../T 01", 3, "AMS/../1")
    assert name == "2026-04-22_T_01_003_AMS_1.pdf"
    assert letters.file_name(None, None, None, "A").endswith("-01-01_x_000_A.pdf")


def test_which_orders_get_a_new_letter():
    assert letters.reprint_refusal("A", Status.AWAITING_RESPONSE, "letter") is None
    assert letters.reprint_refusal("A", Status.READY_TO_PRINT, None) is None
    assert letters.reprint_refusal("A", Status.AWAITING_RESPONSE, "sms") == (
        "A: is awaiting_response; only orders awaiting a reply by letter or ready to print "
        "get a new letter"
    )
    assert letters.reprint_refusal("A", Status.PLANNING, None) is not None


def test_failed_visits_counted_by_reason_tech_or_week():
    visits = [
        ("Ikke hjemme", "T01", datetime(2026, 4, 20, 8, tzinfo=UTC)),
        ("Ikke hjemme", None, datetime(2026, 4, 27, 8, tzinfo=UTC)),
        (None, "T01", datetime(2026, 4, 19, 22, 30, tzinfo=UTC)),  # Monday in Oslo
    ]
    assert rules.count_failed(visits, "reason", OSLO) == [("Ikke hjemme", 2), ("?", 1)]
    assert rules.count_failed(visits, "tech", OSLO) == [("T01", 2), ("-", 1)]
    assert rules.count_failed(visits, "week", OSLO) == [("2026-W17", 2), ("2026-W18", 1)]
    with pytest.raises(InputError, match="--by 'day': use reason, tech or week"):
        rules.count_failed(visits, "day", OSLO)

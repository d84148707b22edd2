"""The follow-up list's, the reports' and the letters' rules without a database
(amsplan.domain.followlist, .reports, .letters)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from amsplan.domain import followlist, letters
from amsplan.domain import reports as rules
from amsplan.domain.followlist import Flag
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
    assert mixed.reason == "cancelled; ring meg; also: kansellert"
    assert mixed.kinds == ["reply", "cancelled"]
    plain = followlist.why(Status.MANUAL_FOLLOWUP, None, None, None, False, [])
    assert (plain.kind, plain.reason) == ("manual", "a planner stopped waiting")


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

"""The calendar's pure rules (amsplan.domain.slots)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amsplan.domain.slots import (
    Busy,
    change_notice,
    day_reason,
    days_text,
    first_free,
    natural_key,
    parse_working_days,
)
from amsplan.domain.statuses import Status

TODAY = date(2026, 4, 1)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 4, 22, hour, minute)


def test_street_sort_is_natural():
    streets = ["Stangevegen 12", "Stangevegen 7", "Stangevegen 7B", "Stangevegen 100"]
    assert sorted(streets, key=natural_key) == [
        "Stangevegen 7", "Stangevegen 7B", "Stangevegen 12", "Stangevegen 100"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("day", "kwargs", "expected"),
    [
        (date(2026, 3, 31), {}, "Tuesday 31.03.2026 is in the past"),
        (date(2026, 4, 25), {}, "Saturday 25.04.2026 is not one of the technician's working days"),
        (date(2026, 4, 25), {"allow_weekend": True}, None),
        (date(2026, 4, 25), {"working_days": "123456"}, None),
        (date(2026, 12, 25), {"holiday": "Første juledag"}, "is a public holiday (Første juledag)"),
        (date(2026, 12, 25), {"holiday": "Første juledag", "allow_holiday": True}, None),
        (date(2026, 4, 22), {"absence": "syk", "allow_weekend": True}, "is away (syk)"),
        (date(2026, 4, 22), {}, None),
    ],
)
def test_day_reason(day, kwargs, expected):
    args = {"working_days": "12345", **kwargs}
    reason = day_reason(day, TODAY, **args)
    assert (reason is None) if expected is None else (expected in reason), reason


def test_first_free_skips_taken_slots_and_stops_at_the_end_of_the_day():
    taken = [Busy("A", at(9), at(10)), Busy("B", at(10), at(11, 30))]
    hour = timedelta(hours=1)
    assert first_free(at(8), hour, taken, at(16)) == at(8)
    assert first_free(at(8, 30), hour, taken, at(16)) == at(11, 30)
    assert first_free(at(15, 30), hour, taken, at(16)) is None


@given(
    st.lists(st.tuples(st.integers(0, 20), st.integers(1, 6)), max_size=6),
    st.integers(0, 20),
    st.integers(1, 6),
)
def test_first_free_never_overlaps(visits, cursor, length):
    busy = [Busy(str(i), at(7) + timedelta(minutes=30 * s), at(7) + timedelta(minutes=30 * (s + n)))
            for i, (s, n) in enumerate(visits)]  # fmt: skip
    slot = timedelta(minutes=30 * length)
    found = first_free(at(7) + timedelta(minutes=30 * cursor), slot, busy, at(18))
    if found is not None:
        assert all(found + slot <= b.start or b.end <= found for b in busy)
        assert found + slot <= at(18)


def test_change_notice():
    assert change_notice(Status.PLANNING, False, True, True) == "none"
    assert change_notice(Status.READY_TO_PRINT, True, True, True) == "none"
    assert change_notice(Status.MANUAL_FOLLOWUP, False, True, True) == "none"
    assert change_notice(Status.AWAITING_RESPONSE, True, True, True) == "sms_wait"
    assert change_notice(Status.READY_FOR_EXECUTION, True, True, False) == "sms"
    assert change_notice(Status.READY_FOR_EXECUTION, True, False, False) == "letter"


def test_days_and_reasons_in_norwegian():
    from amsplan import i18n

    i18n.use("nb")
    assert days_text("12345") == "man-fre" and days_text("135") == "man, ons, fre"
    reason = day_reason(date(2026, 4, 25), date(2026, 4, 1), "12345")
    assert reason == (
        "lørdag 25.04.2026 er ikke en av montørens arbeidsdager (man-fre); "
        "--allow-weekend for å planlegge likevel"
    )


def test_working_days():
    assert parse_working_days("54321") == "12345"
    assert parse_working_days("1-6") == "123456"
    assert days_text("12345") == "Mon-Fri" and days_text("135") == "Mon, Wed, Fri"
    with pytest.raises(ValueError):
        parse_working_days("mandag")

"""The sending window: messages go to customers only between send_from and send_until,
local time, whatever time they were due."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from amsplan.domain.sending import in_window, next_send_time

OSLO = ZoneInfo("Europe/Oslo")
START, END = time(9), time(21)


@pytest.mark.parametrize(
    ("utc_time", "inside"),
    [
        (datetime(2026, 4, 15, 6, 59), False),  # 08:59 summer time
        (datetime(2026, 4, 15, 7, 0), True),  # 09:00: opens
        (datetime(2026, 4, 15, 18, 55), True),  # 20:55
        (datetime(2026, 4, 15, 19, 0), False),  # 21:00: closed
        (datetime(2026, 4, 15, 21, 10), False),  # 23:10
        (datetime(2026, 1, 15, 8, 30), True),  # 09:30 winter time
    ],
)
def test_in_window_is_local_time_from_start_until_end(utc_time, inside):
    assert in_window(utc_time.replace(tzinfo=UTC), OSLO, START, END) is inside


def test_next_send_time_is_now_in_the_window_else_the_next_opening():
    noon = datetime(2026, 4, 15, 10, 0, tzinfo=UTC)
    assert next_send_time(noon, OSLO, START, END) == noon
    early = datetime(2026, 4, 15, 5, 0, tzinfo=UTC)  # 07:00
    assert next_send_time(early, OSLO, START, END) == datetime(2026, 4, 15, 7, 0, tzinfo=UTC)
    late = datetime(2026, 4, 15, 19, 30, tzinfo=UTC)  # 21:30
    assert next_send_time(late, OSLO, START, END) == datetime(2026, 4, 16, 7, 0, tzinfo=UTC)
    for at in (early, late):
        assert in_window(next_send_time(at, OSLO, START, END), OSLO, START, END)

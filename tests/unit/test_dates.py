from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, timedelta, timezone

import pytest

from amsplan.adapters.letters.dates import appointment_text, long_date


def test_tuesday_window() -> None:
    # 21 April 2026 is a Tuesday.
    start = datetime(2026, 4, 21, 10, 0)
    assert (
        appointment_text(start, start + timedelta(hours=1))
        == "tirsdag 21. april 2026 mellom kl. 10.00 og 11.00"
    )


def test_weekday_comes_from_the_calendar() -> None:
    # 22 April 2026 is a Wednesday (the spec's example sentence says "tirsdag"): the weekday
    # is always computed, never taken from anywhere else.
    assert (
        appointment_text(datetime(2026, 4, 22, 10, 0), datetime(2026, 4, 22, 11, 0))
        == "onsdag 22. april 2026 mellom kl. 10.00 og 11.00"
    )


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (
            datetime(2026, 1, 5, 8, 0),
            datetime(2026, 1, 5, 9, 30),
            "mandag 5. januar 2026 mellom kl. 08.00 og 09.30",
        ),
        (
            datetime(2026, 12, 31, 7, 5),
            datetime(2026, 12, 31, 7, 50),
            "torsdag 31. desember 2026 mellom kl. 07.05 og 07.50",
        ),
        (
            datetime(2026, 2, 28, 13, 0),
            datetime(2026, 2, 28, 15, 0),
            "lørdag 28. februar 2026 mellom kl. 13.00 og 15.00",
        ),
        (
            datetime(2026, 3, 1, 12, 0),
            datetime(2026, 3, 1, 12, 0),
            "søndag 1. mars 2026 mellom kl. 12.00 og 12.00",
        ),
        (
            datetime(2026, 6, 19, 16, 0),
            datetime(2026, 6, 19, 18, 0),
            "fredag 19. juni 2026 mellom kl. 16.00 og 18.00",
        ),
    ],
)
def test_other_days_and_months(start: datetime, end: datetime, expected: str) -> None:
    assert appointment_text(start, end) == expected


def test_window_over_midnight_names_both_days() -> None:
    assert (
        appointment_text(datetime(2026, 4, 21, 23, 0), datetime(2026, 4, 22, 0, 30))
        == "fra tirsdag 21. april 2026 kl. 23.00 til onsdag 22. april 2026 kl. 00.30"
    )


def test_end_before_start_is_refused() -> None:
    with pytest.raises(ValueError):
        appointment_text(datetime(2026, 4, 21, 11, 0), datetime(2026, 4, 21, 10, 0))


def test_aware_times_are_printed_as_given_not_converted() -> None:
    oslo_summer = timezone(timedelta(hours=2))
    start = datetime(2026, 4, 21, 10, 0, tzinfo=oslo_summer)
    assert appointment_text(start, start + timedelta(hours=1)).endswith("kl. 10.00 og 11.00")


def test_other_locales() -> None:
    start = datetime(2026, 4, 21, 10, 0)
    end = start + timedelta(hours=1)
    assert (
        appointment_text(start, end, "nn_NO") == "tysdag 21. april 2026 mellom kl. 10.00 og 11.00"
    )
    assert appointment_text(start, end, "en_GB").startswith("Tuesday 21. April 2026 between")


def test_long_date() -> None:
    assert long_date(date(2026, 4, 22)) == "22. april 2026"
    assert long_date(date(2026, 1, 5)) == "5. januar 2026"


def test_dates_module_does_not_import_weasyprint() -> None:
    code = "import sys, amsplan.adapters.letters.dates; assert 'weasyprint' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)

"""The reports' rules without a database: local periods of UTC moments (midnight, summer
time), status groups, the forecast's arithmetic and range, the follow-up backlog's age
buckets, the top rows and their summaries, and the status colours."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.color import Color, ColorSystem

from amsplan.domain import reports as rules
from amsplan.domain.reports import Breakdown, Crew, OrderCount, TechLoad
from amsplan.domain.statuses import DEFAULT_COLOURS, Status

OSLO = ZoneInfo("Europe/Oslo")


def weekdays(day: date) -> bool:
    return day.weekday() < 5


def test_events_count_on_their_local_day_across_midnight_and_summer_time():
    counts = [
        ("closed_ok", datetime(2026, 10, 25, 22, 30, tzinfo=UTC), 1),  # Sun 23:30 (winter)
        ("failed", datetime(2026, 10, 25, 23, 30, tzinfo=UTC), 1),  # Mon 00:30
        ("confirmed", datetime(2026, 3, 28, 23, 30, tzinfo=UTC), 2),  # Sun 00:30 (winter)
        ("confirmed", datetime(2026, 3, 29, 22, 30, tzinfo=UTC), 1),  # Tue 00:30 (summer)
        ("awaiting", datetime(2026, 4, 19, 22, 30, tzinfo=UTC), 1),  # Mon 20.04 00:30
    ]
    days = rules.daily(counts, OSLO)
    assert days["closed_ok"] == {date(2026, 10, 25): 1}
    assert days["failed"] == {date(2026, 10, 26): 1}
    assert days["confirmed"] == {date(2026, 3, 29): 2, date(2026, 3, 30): 1}
    periods, total = rules.tally(days, "week")
    assert [(p.period, p.closed_ok, p.failed, p.confirmed, p.awaiting) for p in periods] == [
        ("2026-W13", 0, 0, 2, 0), ("2026-W14", 0, 0, 1, 0), ("2026-W17", 0, 0, 0, 1),
        ("2026-W43", 1, 0, 0, 0), ("2026-W44", 0, 1, 0, 0),
    ]  # fmt: skip
    assert (total.closed_ok, total.failed, total.confirmed, total.awaiting) == (1, 1, 3, 1)
    assert [p.period for p in rules.tally(days, "month")[0]] == ["2026-03", "2026-04", "2026-10"]
    weeks = rules.every_week(periods[:2], date(2026, 3, 25), date(2026, 4, 8))
    assert [(w.period, w.confirmed) for w in weeks] == [
        ("2026-W13", 2), ("2026-W14", 1), ("2026-W15", 0)
    ]  # fmt: skip
    assert rules.period_key(datetime(2026, 4, 19, 22, 30, tzinfo=UTC), "day", OSLO) == (
        "2026-04-20"
    )


@pytest.mark.parametrize(
    ("status", "closed_ok", "cancelled", "group"),
    [
        (Status.CLOSED, True, False, "done"),
        (Status.CLOSED, False, False, "dropped"),  # closed with another code
        (Status.MANUAL_FOLLOWUP, False, True, "dropped"),  # cancelled, still to settle
        (Status.OPEN, False, False, "unplanned"),
        (Status.REOPENED, False, False, "unplanned"),
        (Status.AWAITING_RESPONSE, False, False, "booking"),
        (Status.RESOLVED, False, False, "followup"),  # a failed visit
        (Status.ON_HOLD, False, False, "followup"),
        (Status.IN_PROGRESS, False, False, "confirmed"),
    ],
)
def test_status_groups(status, closed_ok, cancelled, group):
    assert rules.status_group(status, closed_ok, cancelled) == group


def test_every_status_has_a_group():
    for status in Status:
        assert rules.status_group(status, False, False) in rules.GROUPS


def test_breakdown_per_stage_and_municipality_and_the_rest_summed():
    rows = [
        OrderCount("Etappe 2", "3403", "closed", True, False, 6),
        OrderCount("Etappe 1", "3403", "closed", False, True, 2),
        OrderCount("Etappe 1", "3405", "open", False, False, 4),
        OrderCount("", "3407", "ready_for_execution", False, False, 1),
    ]
    stages, total = rules.breakdown(rows, "stage")
    assert [(b.key, b.orders, b.done, b.to_do, b.remaining) for b in stages] == [
        ("-", 1, 0, 1, 1), ("Etappe 1", 6, 0, 4, 4), ("Etappe 2", 6, 6, 6, 0),
    ]  # fmt: skip
    assert (total.orders, total.done, total.to_do, round(total.done_share, 3)) == (13, 6, 11, 0.545)
    places, _ = rules.breakdown(rows, "municipality")
    shown = rules.top(places, 1, "{n} more")
    assert [(b.key, b.orders, b.done) for b in shown] == [("3403", 8, 6), ("2 more", 5, 0)]
    assert rules.top(places, 3, "{n} more") == places
    assert Breakdown("x").done_share == 0.0


@given(st.lists(st.tuples(st.sampled_from("abcdef"), st.integers(0, 50)), max_size=12),
       st.integers(0, 8))  # fmt: skip
def test_top_rows_keep_every_order(parts, n):
    rows = []
    for key, count in parts:
        row = Breakdown(key)
        row.add("done", count)
        rows.append(row)
    shown = rules.top(rows, n, "rest")
    assert sum(r.orders for r in shown) == sum(r.orders for r in rows)
    assert len(shown) == (len(rows) if len(rows) <= n else n + 1)


def test_load_most_first_and_the_rest_in_one_row():
    crew = {"T01": Crew("Ola", True), "T02": Crew("Kari", True), "T03": Crew("Per", False)}
    rows = rules.load(Counter({"T02": 4, "T04": 4}), Counter({"T01": 2, "T04": 1}), crew)
    assert [(r.tech_id, r.name, r.planned, r.done) for r in rows] == [
        ("T04", "", 4, 1), ("T02", "Kari", 4, 0), ("T01", "Ola", 0, 2),
    ]  # fmt: skip
    shown = rules.top_load(rows, 1, "{n} others")
    assert shown[1] == TechLoad("", "2 others", 4, 2, 2)
    assert rules.top_load(rows, 3, "{n} others") == rows


# -- the forecast -----------------------------------------------------------------------

TODAY = date(2026, 6, 1)  # a Monday


def test_forecast_from_the_last_four_weeks_with_the_slowest_and_fastest_week():
    # Weeks of 5 working days from 04.05: 10, 20, 30 and 40 done (2, 4, 6, 8 a day).
    done = {}
    for week, per_day in enumerate((2, 4, 6, 8)):
        for d in range(5):
            done[date(2026, 5, 4) + timedelta(days=7 * week + d)] = per_day
    done[date(2026, 5, 31)] = 100  # a Sunday is not a working day, but what was done counts
    done[TODAY] = 1000  # today is not over: not measured
    f = rules.forecast(done, 50, TODAY, weekdays)
    assert (f.first_day, f.last_day, f.working_days, f.done) == (
        date(2026, 5, 4), date(2026, 5, 31), 20, 200,
    )  # fmt: skip
    assert f.rate == 10.0
    assert f.week_rates == [2.0, 4.0, 6.0, 28.0]  # the Sunday's 100 in the last week
    assert f.finish == date(2026, 6, 5)  # 5 working days from today (Monday to Friday)
    assert f.earliest == date(2026, 6, 2)  # 28 a day: 2 days
    assert f.latest == date(2026, 7, 3)  # 2 a day: 25 days (weekends skipped)


def test_forecast_without_progress_or_without_anything_left():
    f = rules.forecast({}, 10, TODAY, weekdays)
    assert (f.rate, f.finish, f.earliest, f.latest) == (0.0, None, None, None)
    assert rules.forecast({}, 0, TODAY, weekdays).finish == TODAY
    assert rules.finish_day(10**9, 0.01, TODAY, weekdays) is None  # beyond the horizon


def test_a_week_without_working_days_is_no_rate():
    holidays = {date(2026, 5, 25) + timedelta(days=i) for i in range(5)}
    f = rules.forecast(
        {date(2026, 5, 20): 5}, 5, TODAY, lambda d: weekdays(d) and d not in holidays
    )
    assert len(f.week_rates) == 3 and f.working_days == 15


@given(
    st.dictionaries(st.integers(0, 40).map(lambda i: TODAY - timedelta(days=i)),
                    st.integers(0, 30), max_size=30),
    st.integers(0, 5000),
)  # fmt: skip
def test_the_forecast_lies_within_its_range(done, remaining):
    f = rules.forecast(done, remaining, TODAY, weekdays)
    if f.finish is not None:
        assert f.earliest is not None and f.earliest <= f.finish
        assert f.latest is None or f.finish <= f.latest
        assert f.finish >= TODAY and weekdays(f.finish) or f.finish == TODAY
    assert min(f.week_rates, default=0) <= f.rate <= max(f.week_rates, default=0) + 1e-9


@given(st.integers(1, 3000), st.floats(0.05, 500))
def test_finish_day_is_the_first_day_enough_is_done(remaining, rate):
    day = rules.finish_day(remaining, rate, TODAY, weekdays)
    if day is None:
        return
    days = rules.working_days(TODAY, day, weekdays)
    assert days * rate >= remaining - 1e-6
    assert (days - 1) * rate < remaining


# -- the follow-up backlog by age ---------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "bucket"),
    [
        (timedelta(0), "0-1"), (timedelta(hours=23, minutes=59), "0-1"), (timedelta(days=1), "1-3"),
        (timedelta(days=6, hours=23), "3-7"), (timedelta(days=7), "7-14"),
        (timedelta(days=14), "14+"), (timedelta(days=400), "14+"),
    ],
)  # fmt: skip
def test_age_buckets(age, bucket):
    assert rules.AGE_BUCKETS[rules.age_bucket(age)] == bucket


NOW = datetime(2026, 6, 1, 8, tzinfo=UTC)


@given(st.lists(st.integers(0, 30 * 24 * 60), max_size=40))
def test_backlog_from_counts_at_the_cutoffs_is_each_orders_bucket(minutes):
    """The store counts the orders waiting since each cutoff or longer; the buckets made
    of those counts are the buckets of the orders' ages, one by one."""
    since = [NOW - timedelta(minutes=m) for m in minutes]
    cutoffs = rules.age_cutoffs(NOW)
    at_least = [sum(s <= cutoff for s in since) for cutoff in cutoffs]
    expected = Counter(rules.AGE_BUCKETS[rules.age_bucket(NOW - s)] for s in since)
    assert rules.backlog(len(since), at_least) == {b: expected[b] for b in rules.AGE_BUCKETS}


# -- status colours ----------------------------------------------------------------------


def test_no_two_statuses_share_a_default_colour_in_any_terminal():
    """Klar til utførelse, Lukket and På vent were one grey in a 16-colour terminal."""
    assert set(DEFAULT_COLOURS) == set(Status)
    for system in (ColorSystem.TRUECOLOR, ColorSystem.EIGHT_BIT, ColorSystem.STANDARD):
        shown = {st: Color.parse(c).downgrade(system) for st, c in DEFAULT_COLOURS.items()}
        assert len({(c.number, c.triplet) for c in shown.values()}) == len(Status), system

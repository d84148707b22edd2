"""bench/plan.py's judge of a plan: it must catch a day over hours and an order planned
twice, and its baseline must fill a day only while the day with its drives fits."""

from __future__ import annotations

import importlib.util
import sys
from datetime import date
from pathlib import Path

from amsplan.domain.routes import Shift, Visit

_spec = importlib.util.spec_from_file_location(
    "bench_plan", Path(__file__).resolve().parents[2] / "bench" / "plan.py"
)
assert _spec and _spec.loader
plan = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = plan  # its dataclasses look the module up by name
_spec.loader.exec_module(plan)

DAY = date(2026, 6, 1)
# nodes 0, 1: orders; 2: home. 10 minutes (and km) between every two of them.
M = [[0.0, 10.0, 10.0], [10.0, 0.0, 10.0], [10.0, 10.0, 0.0]]
SHIFTS = {("M01", DAY): Shift(("M01", DAY), 2, 450, 930)}


def test_a_day_at_feasible_times_counts_its_km_and_length():
    route = [Visit(0, 0, 60, fixed=460), Visit(1, 1, 60, fixed=530)]
    r = plan.measure({("M01", DAY): route}, SHIFTS, M, M)
    assert (r.planned, r.km, r.days_over, r.twice) == (2, 30.0, 0, 0)
    assert r.max_day_min == 530 + 60 + 10 - 450


def test_a_visit_too_early_for_the_drive_is_a_day_over_hours():
    route = [Visit(0, 0, 60, fixed=455)]  # leaves at 07:30, needs 10 min: 07:40 at best
    assert plan.measure({("M01", DAY): route}, SHIFTS, M, M).days_over == 1


def test_a_day_back_after_closing_is_over_hours():
    route = [Visit(0, 0, 60, fixed=870)]  # ends 15:30, home at 15:40
    r = plan.measure({("M01", DAY): route}, SHIFTS, M, M)
    assert r.days_over == 1 and r.max_day_min == 490


def test_an_order_on_two_days_is_counted():
    other = ("M01", date(2026, 6, 2))
    shifts = {**SHIFTS, other: Shift(other, 2, 450, 930)}
    days = {("M01", DAY): [Visit(0, 0, 60)], other: [Visit(0, 0, 60)]}
    assert plan.measure(days, shifts, M, M).twice == 1


def test_the_baseline_fills_a_day_while_it_fits_with_its_drives():
    orders = [plan.Order(f"B-{i}", (60.0, 11.0), "2315", "Gate", i, 3600) for i in range(2)]
    visits = [Visit(0, 0, 230), Visit(1, 1, 230)]  # 10 + 230 + 10 + 230 + 10 = 490 > 480
    filled = plan.baseline(orders, visits, list(SHIFTS.values()), M)
    assert [v.key for v in filled[("M01", DAY)]] == [0]

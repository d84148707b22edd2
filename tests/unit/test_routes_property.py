"""Properties of `amsplan plan`'s core (adapters.solver.plan: candidates, OR-Tools, polish,
schedule) over random instances around Hamar, re-checked with the test's own arithmetic:
visits never overlap, every drive is booked in whole five minutes, the day is back home by
its end, no order is planned twice, visits already planned stay where they are, the same
input gives the same plan, and with room to spare every order is planned. And exactness:
a day's driving order is the optimum found by trying every order."""

from __future__ import annotations

import math
import random
from itertools import pairwise, permutations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amsplan.adapters import solver
from amsplan.domain import routes, travel
from amsplan.domain.routes import Shift, Visit

CENTRE = (60.8, 11.1)
HALF_KM = 15.0  # the box is 30 km across
FAST = settings(max_examples=35, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def point(rng: random.Random) -> travel.Point:
    lat, lon = CENTRE
    dlat = rng.uniform(-HALF_KM, HALF_KM) / 111.2
    dlon = rng.uniform(-HALF_KM, HALF_KM) / (111.2 * math.cos(math.radians(lat)))
    return (lat + dlat, lon + dlon)


def drive_booked(minutes: float) -> int:
    """The booked drive by the test's own arithmetic: thousandths of a minute, rounded up
    to the next multiple of five minutes."""
    thousandths = round(minutes * 1000)
    return -(-thousandths // 5000) * 5


class Instance:
    """Technicians with homes, days with working hours, orders to plan, and visits already
    planned on some days (laid out by walking a route, so they fit their day)."""

    def __init__(self, seed: int, techs: int, days: int, orders: int, fixed: bool) -> None:
        rng = random.Random(seed)
        points = [point(rng) for _ in range(techs)]  # homes are nodes 0..techs-1
        self.visits = []
        for key in range(1, orders + 1):
            points.append(point(rng))
            self.visits.append(Visit(key, len(points) - 1, rng.randint(30, 120)))
        laid: list[tuple[int, int, int, int]] = []  # (shift index, key, node, minutes)
        self.shape = []
        for day in range(days):
            for tech in range(techs):
                opens, closes = rng.choice([420, 450, 480]), rng.choice([870, 900, 930])
                self.shape.append(((tech, day), tech, opens, closes))
                if fixed and rng.random() < 0.6:
                    for _ in range(rng.randint(1, 3)):
                        points.append(point(rng))
                        key = 1000 + len(laid)
                        laid.append(
                            (len(self.shape) - 1, key, len(points) - 1, rng.randint(30, 120))
                        )
        self.minutes, self.km = travel.matrix(points)
        self.shifts = []
        for index, (skey, home, opens, closes) in enumerate(self.shape):
            at, clock, kept = home, opens, []
            for _, fkey, node, length in (f for f in laid if f[0] == index):
                start = clock + drive_booked(self.minutes[at][node]) + 5 * rng.randint(0, 12)
                if start + length + drive_booked(self.minutes[node][home]) > closes:
                    break
                kept.append(Visit(fkey, node, length, fixed=start))
                at, clock = node, start + length
            self.shifts.append(Shift(skey, home, opens, closes, tuple(kept)))
        self.rank = [s.key[1] for s in self.shifts]

    def plan(self) -> solver.Planned:
        return solver.plan(self.shifts, self.visits, self.minutes, self.rank)


def check_day(inst: Instance, day: routes.Day) -> None:
    """The schedule rule, by hand: each visit starts no earlier than the previous end (or
    the day's start) plus the booked drive; the technician is back by the day's end."""
    shift, mins = day.shift, inst.minutes
    assert len(day.route) == len(day.starts)
    at, free = shift.home, shift.opens
    for visit, start in zip(day.route, day.starts, strict=True):
        assert start >= free + drive_booked(mins[at][visit.node]), (shift.key, visit.key)
        at, free = visit.node, start + visit.minutes
    assert free + drive_booked(mins[at][shift.home]) <= shift.closes, shift.key
    ends = [s + v.minutes for s, v in zip(day.starts, day.route, strict=True)]
    assert all(b >= a for a, b in zip(ends, day.starts[1:], strict=False))  # no overlap


def as_plain(planned: solver.Planned) -> dict:
    return {k: ([v.key for v in d.route], d.starts) for k, d in planned.days.items()}


@FAST
@given(
    seed=st.integers(0, 2**32 - 1),
    techs=st.integers(1, 4),
    days=st.integers(1, 3),
    orders=st.integers(0, 25),
)
def test_a_plan_keeps_the_rules(seed: int, techs: int, days: int, orders: int) -> None:
    inst = Instance(seed, techs, days, orders, fixed=True)
    planned = inst.plan()
    assert not planned.hit_time_limit  # bounded by its solutions and branches, not the clock
    assert set(planned.days) == {s.key for s in inst.shifts}
    seen: list[int] = []
    for shift in inst.shifts:
        day = planned.days[shift.key]
        assert day.shift == shift
        check_day(inst, day)
        where = {v.key: t for v, t in zip(day.route, day.starts, strict=True)}
        for f in shift.fixed:  # stays on its day at its time
            assert where.get(f.key) == f.fixed, (shift.key, f.key)
        new = [v.key for v in day.route if v.fixed is None]
        assert set(new) <= {v.key for v in inst.visits}
        assert len(day.route) == len(shift.fixed) + len(new)  # no other day's fixed visit
        seen += new
    assert len(seen) == len(set(seen))  # no order planned twice
    assert as_plain(inst.plan()) == as_plain(planned)  # the same input, the same plan


@FAST
@given(seed=st.integers(0, 2**32 - 1), techs=st.integers(2, 4), days=st.integers(1, 3))
def test_with_room_to_spare_every_order_is_planned(seed: int, techs: int, days: int) -> None:
    """At most one order per technician-day: each fits a day alone (the longest drive
    across the box and back plus the longest visit is well under six hours)."""
    orders = random.Random(seed).randint(1, techs * days)
    inst = Instance(seed, techs, days, orders, fixed=False)
    planned = inst.plan()
    got = sorted(v.key for d in planned.days.values() for v in d.route)
    assert got == [v.key for v in inst.visits]
    for day in planned.days.values():
        check_day(inst, day)


def brute_force(home: int, nodes: list[int], cost: routes.Matrix) -> float:
    """The least driving from home through every node and back, trying every order."""
    best = math.inf
    for order in permutations(nodes):
        path = [home, *order, home]
        best = min(best, sum(cost[a][b] for a, b in pairwise(path)))
    return best


def driving(home: int, nodes: list[int], cost: routes.Matrix) -> float:
    return sum(cost[a][b] for a, b in pairwise([home, *nodes, home]))


def one_day(seed: int, n: int) -> tuple[Shift, list[Visit], routes.Matrix]:
    """One long day (06:00-22:00) with n short visits: all of them fit."""
    rng = random.Random(seed)
    minutes, _ = travel.matrix([point(rng) for _ in range(n + 1)])
    visits = [Visit(100 + i, i + 1, rng.randint(30, 60)) for i in range(n)]
    return Shift("day", 0, 360, 1320), visits, minutes


def check_route_order(seed: int, n: int) -> None:
    shift, visits, minutes = one_day(seed, n)
    nodes = [v.node for v in visits]
    order = routes.shortest_order(shift.home, nodes, minutes)
    assert sorted(order) == list(range(n))
    best = brute_force(shift.home, nodes, minutes)
    assert driving(shift.home, [nodes[i] for i in order], minutes) <= best * 1.02 + 1e-9


def check_plan_order(seed: int, n: int) -> None:
    shift, visits, minutes = one_day(seed, n)
    planned = solver.plan([shift], visits, minutes)
    assert not planned.hit_time_limit
    day = planned.days["day"]
    assert sorted(v.key for v in day.route) == [v.key for v in visits]  # all fit
    best = brute_force(shift.home, [v.node for v in visits], minutes)
    assert driving(shift.home, [v.node for v in day.route], minutes) <= best * 1.02 + 1e-9


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 7))
def test_route_puts_a_short_day_in_its_shortest_order(seed: int, n: int) -> None:
    check_route_order(seed, n)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 7))
def test_plan_puts_a_short_day_in_its_shortest_order(seed: int, n: int) -> None:
    check_plan_order(seed, n)


@pytest.mark.parametrize("seed", [9, 15])
def test_nine_visits_in_their_shortest_order(seed: int) -> None:
    """The largest day checked by trying all 362,880 orders, for route's and plan's path."""
    check_route_order(seed, 9)
    check_plan_order(seed, 9)

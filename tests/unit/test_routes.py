"""The rules of a technician's day as a route (domain.routes), on small hand-made
matrices whose answers can be worked out on paper."""

from __future__ import annotations

import math
import random
from itertools import pairwise, permutations

import pytest

from amsplan.domain import routes
from amsplan.domain.routes import Shift, Visit

# A line of nodes 10 driving minutes apart: node i is 10*i minutes (and km) from node 0.
LINE = [[10.0 * abs(i - j) for j in range(6)] for i in range(6)]


def test_a_drive_is_booked_in_whole_five_minutes_rounded_up() -> None:
    assert [routes.booked(m) for m in (0, 0.2, 4.99, 5, 5.01, 12, 15)] == [0, 5, 5, 5, 10, 15, 15]
    assert routes.booked(10.000000000001) == 10  # float noise does not add a step


def test_schedule_books_each_drive_after_the_previous_visit() -> None:
    shift = Shift("d", 0, 420, 900)
    route = [Visit(1, 1, 60), Visit(2, 3, 45)]
    # 07:00 + 10 -> 07:10-08:10, + 20 -> 08:30
    assert routes.schedule(shift, route, LINE) == [430, 510]
    odd = [[0.0, 7.5], [7.5, 0.0]]
    assert routes.schedule(shift, [Visit(1, 1, 30)], odd) == [430]  # 7.5 booked as 10


def test_schedule_waits_for_a_fixed_visit() -> None:
    shift = Shift("d", 0, 420, 900)
    route = [Visit(1, 1, 30), Visit(2, 2, 60, fixed=600)]
    assert routes.schedule(shift, route, LINE) == [430, 600]


def test_schedule_refuses_a_fixed_visit_it_cannot_reach_in_time() -> None:
    shift = Shift("d", 0, 420, 900)
    reachable = [Visit(1, 1, 30), Visit(2, 2, 60, fixed=470)]  # 430-460, +10 = 470
    assert routes.schedule(shift, reachable, LINE) == [430, 470]
    late = [Visit(1, 1, 30), Visit(2, 2, 60, fixed=465)]
    assert routes.schedule(shift, late, LINE) is None


def test_schedule_refuses_a_day_back_after_closing() -> None:
    route = [Visit(1, 5, 100)]  # 50 there, 100 on site, 50 back: 200 minutes
    assert routes.schedule(Shift("d", 0, 420, 620), route, LINE) == [470]
    assert routes.schedule(Shift("d", 0, 420, 619), route, LINE) is None


def test_figures_of_a_day() -> None:
    shift = Shift("d", 0, 420, 900)
    km = [[2 * m for m in row] for row in LINE]
    got = routes.figures(shift, [Visit(1, 1, 60), Visit(2, 3, 45)], LINE, km)
    assert got.visits == 2
    assert got.drive_minutes == pytest.approx(60)  # 10 + 20 + 30 back
    assert got.km == pytest.approx(120)
    assert got.idle_minutes == pytest.approx(480 - 105 - 60)
    assert got.back == 510 + 45 + 30
    empty = routes.figures(shift, [], LINE, km)
    assert (empty.visits, empty.km, empty.idle_minutes, empty.back) == (0, 0, 480, 420)


def test_visit_minutes() -> None:
    assert routes.visit_minutes(None, False, 60, 90) == 60
    assert routes.visit_minutes(None, True, 60, 90) == 90
    assert routes.visit_minutes(45, True, 60, 90) == 45  # its own estimate wins


def test_capacity_counts_free_minutes_over_a_typical_visit_and_drive() -> None:
    visits = [Visit(i, 1, m) for i, m in enumerate([30, 55, 120])]  # median 55, +5 = 60
    assert routes.capacity([Shift("a", 0, 420, 900)], visits) == 8
    busy = Shift("b", 0, 420, 900, (Visit(9, 2, 120, fixed=500),))
    assert routes.capacity([Shift("a", 0, 420, 900), busy], visits) == 8 + 6
    assert routes.capacity([Shift("a", 0, 420, 900)], []) == 0


def test_candidates_keeps_every_visit_when_the_days_have_room() -> None:
    visits = [Visit(i, 1 + i % 5, 60) for i in range(16)]  # room: 480 // 65 = 7, x2 = 14
    two_days = [Shift("a", 0, 420, 900), Shift("b", 0, 420, 900)]
    assert routes.candidates(two_days, visits, LINE) == visits


def test_candidates_gives_each_start_point_its_nearest() -> None:
    # Six orders at each node of the line, homes at both ends: room for 960 // 65 * 2.
    visits = [Visit(100 + 10 * r + i, i, 60) for r in range(6) for i in range(6)]  # 36
    shifts = [Shift("west", 0, 420, 900), Shift("east", 5, 420, 900)]  # room 28
    got = routes.candidates(shifts, visits, LINE)
    assert len(got) == 28
    assert got == sorted(got, key=lambda v: v.key)
    nodes = sorted(v.node for v in got)
    # Each end takes its 14 nearest: the 6 at its own node, 6 next door, 2 of the third.
    assert nodes.count(0) == nodes.count(5) == 6
    assert nodes.count(1) == nodes.count(4) == 6
    assert nodes.count(2) == nodes.count(3) == 2
    shuffled = visits[:]
    random.Random(1).shuffle(shuffled)
    assert routes.candidates(shifts, shuffled, LINE) == got  # the same choice, any order


def test_candidates_gives_a_start_point_with_more_days_more_turns() -> None:
    visits = [Visit(100 + 10 * r + i, i, 60) for r in range(6) for i in range(6)]
    shifts = [Shift("w1", 0, 420, 900), Shift("w2", 0, 420, 900), Shift("e", 5, 420, 540)]
    got = routes.candidates(shifts, visits, LINE)  # room 1080 // 65 * 2 = 32
    assert len(got) == 32
    # West takes two of every three turns: 22 (nodes 0-2, then 4 at node 3), east 10.
    assert [sum(1 for v in got if v.node == n) for n in range(6)] == [6, 6, 6, 4, 4, 6]


def _brute(home: int, nodes: list[int], cost: routes.Matrix) -> float:
    return min(
        sum(cost[a][b] for a, b in pairwise([home, *order, home])) for order in permutations(nodes)
    )


@pytest.mark.parametrize("n", range(0, 8))
def test_shortest_order_is_the_best_of_all_orders(n: int) -> None:
    rng = random.Random(n)
    cost = [[0.0 if i == j else rng.uniform(1, 50) for j in range(n + 1)] for i in range(n + 1)]
    nodes = list(range(1, n + 1))
    order = routes.shortest_order(0, nodes, cost)
    assert sorted(order) == list(range(n))
    got = sum(cost[a][b] for a, b in pairwise([0, *(nodes[i] for i in order), 0]))
    assert got == pytest.approx(_brute(0, nodes, cost) if n else 0.0)
    assert routes.shortest_order(0, nodes, cost) == order  # the same order again


def test_shortest_order_has_a_limit() -> None:
    with pytest.raises(ValueError):
        routes.shortest_order(0, list(range(1, routes.EXACT_UP_TO + 2)), [[1.0] * 12] * 12)


def test_polish_puts_a_day_without_fixed_visits_in_its_shortest_order() -> None:
    shift = Shift("d", 0, 420, 900)
    zigzag = [Visit(1, 3, 30), Visit(2, 1, 30), Visit(3, 2, 30)]
    assert [v.node for v in routes.polish(shift, zigzag, LINE)] in ([1, 2, 3], [3, 2, 1])
    kept = Shift("d", 0, 420, 900, (Visit(1, 3, 30, fixed=600),))
    assert routes.polish(kept, zigzag, LINE) == zigzag  # a fixed visit holds the order
    assert math.isfinite(routes.figures(shift, zigzag, LINE, LINE).km)


def test_booked_table_books_each_drive_as_booked_does():
    import numpy as np

    rng = random.Random(15)
    drives = [0.0, 5.0, 5.0 + 1e-12, 4.999999, 10.000000001, 0.3] + [
        rng.uniform(0, 90) for _ in range(200)
    ]
    table = routes.booked_table(np.asarray(drives).reshape(2, -1))
    assert table.flatten().tolist() == [routes.booked(d) for d in drives]


def test_fits_alone_finds_a_gap_between_the_fixed_visits() -> None:
    fixed = (Visit(1, 1, 60, fixed=430), Visit(2, 1, 60, fixed=500))  # 07:10-08:10, 08:20-09:20
    shift = Shift("d", 0, 420, 900, fixed)
    assert routes.fits_alone(shift, Visit(3, 1, 300), LINE)  # 09:20-14:20, home 14:30
    assert not routes.fits_alone(shift, Visit(4, 5, 300), LINE)  # 50 min away: back 16:00
    assert routes.fits_alone(Shift("d", 0, 420, 900), Visit(5, 2, 15), LINE)  # an empty day

"""A technician's day as a route: the schedule rule, the day's figures, the exact order of
a short day, and how long a visit takes.

Times are whole minutes since local midnight. A technician-day (`Shift`) leaves its start
point at `opens` and must be back by `closes`; a visit starts when the technician can be
there: the previous visit's end plus the drive, booked in whole `GRAIN` minutes (so a day
that starts on the hour keeps visits on five-minute marks), never before a visit that stays
where it is (`fixed`). The solver (adapters.solver) uses the same drive rule, and every
plan is re-checked here.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from itertools import cycle, pairwise
from typing import Any

GRAIN = 5  # minutes: a drive is booked in whole steps of this
Matrix = Sequence[Sequence[float]]


def booked(drive_minutes: float) -> int:
    """The drive as booked in the schedule: whole GRAIN minutes, rounded up."""
    return math.ceil(drive_minutes / GRAIN - 1e-9) * GRAIN


def booked_table(drive_minutes: Any) -> Any:
    """`booked` for a whole numpy table of drives at once (whole minutes, int64)."""
    import numpy as np

    return (np.ceil(drive_minutes / GRAIN - 1e-9) * GRAIN).astype(np.int64)


@dataclass(frozen=True)
class Visit:
    key: int  # the order's id
    node: int  # its position in the travel matrices
    minutes: int  # how long it takes
    fixed: int | None = None  # its start when it stays where it is (already planned)


@dataclass(frozen=True)
class Shift:
    """A technician-day: leaves `home` at `opens`, back by `closes`, with the visits it
    already has (`fixed`, in time order)."""

    key: Hashable  # (technician id, day)
    home: int  # node of the start point
    opens: int
    closes: int
    fixed: tuple[Visit, ...] = ()


@dataclass(frozen=True)
class Figures:
    visits: int
    km: float
    drive_minutes: float  # as driven (not booked)
    idle_minutes: float  # working time neither driving nor visiting
    back: int  # when the technician is back at the start point


def visit_minutes(estimate: int | None, difficult: bool, usual: int, hard: int) -> int:
    """How long a visit is planned for: its own estimate, else `hard` minutes for a
    difficult meter and `usual` for the rest."""
    if estimate:
        return estimate
    return hard if difficult else usual


def schedule(shift: Shift, route: Sequence[Visit], minutes: Matrix) -> list[int] | None:
    """Each visit's earliest start along the route, or None when the route breaks the day
    (a fixed visit cannot be reached in time, or the technician is back after `closes`)."""
    starts = []
    at, clock = shift.home, shift.opens
    for visit in route:
        arrive = clock + booked(minutes[at][visit.node])
        if visit.fixed is not None:
            if arrive > visit.fixed:
                return None
            arrive = visit.fixed
        starts.append(arrive)
        at, clock = visit.node, arrive + visit.minutes
    if clock + booked(minutes[at][shift.home]) > shift.closes:
        return None
    return starts


def fits_alone(shift: Shift, visit: Visit, minutes: Matrix) -> bool:
    """Whether the visit fits the day on its own, in one of the gaps the day's fixed
    visits leave (from the start point at `opens`, back by `closes`)."""
    fixed = list(shift.fixed)
    return any(
        schedule(shift, [*fixed[:i], visit, *fixed[i:]], minutes) is not None
        for i in range(len(fixed) + 1)
    )


def figures(shift: Shift, route: Sequence[Visit], minutes: Matrix, km: Matrix) -> Figures:
    """The day's km, driving and idle minutes along the route (start point and back)."""
    nodes = [shift.home, *(v.node for v in route), shift.home]
    drive = sum(minutes[a][b] for a, b in pairwise(nodes))
    service = sum(v.minutes for v in route)
    starts = schedule(shift, route, minutes)
    if starts and route:
        back = starts[-1] + route[-1].minutes + booked(minutes[route[-1].node][shift.home])
    else:
        back = shift.opens
    return Figures(
        visits=len(route),
        km=sum(km[a][b] for a, b in pairwise(nodes)),
        drive_minutes=drive,
        idle_minutes=max(0.0, shift.closes - shift.opens - service - drive),
        back=back,
    )


EXACT_UP_TO = 10  # stops; beyond this the solver orders the day


def shortest_order(home: int, nodes: Sequence[int], cost: Matrix) -> list[int]:
    """The order of `nodes` (indices into `nodes`) with the least total cost from `home`
    through every node and back: exact (Held-Karp) for up to EXACT_UP_TO nodes. Ties go
    to the first order found, so the same input gives the same order."""
    n = len(nodes)
    if n > EXACT_UP_TO:
        raise ValueError(f"exact order for at most {EXACT_UP_TO} stops, got {n}")
    if n <= 1:
        return list(range(n))
    # best[(mask, last)] = (cost of the cheapest path home -> mask's nodes ending at last, prev)
    best: dict[tuple[int, int], tuple[float, int]] = {
        (1 << i, i): (cost[home][nodes[i]], -1) for i in range(n)
    }
    for mask in range(1, 1 << n):
        for last in range(n):
            entry = best.get((mask, last))
            if entry is None:
                continue
            for nxt in range(n):
                if mask & (1 << nxt):
                    continue
                key = (mask | (1 << nxt), nxt)
                total = entry[0] + cost[nodes[last]][nodes[nxt]]
                if key not in best or total < best[key][0] - 1e-9:
                    best[key] = (total, last)
    full = (1 << n) - 1
    last = min(range(n), key=lambda i: (best[(full, i)][0] + cost[nodes[i]][home], i))
    order, mask = [], full
    while last != -1:
        order.append(last)
        _, prev = best[(mask, last)]
        mask &= ~(1 << last)
        last = prev
    return order[::-1]


@dataclass
class Day:
    """A technician-day in a plan: the route (fixed and new visits in driving order) and
    each visit's start."""

    shift: Shift
    route: list[Visit] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)


def polish(shift: Shift, route: list[Visit], minutes: Matrix) -> list[Visit]:
    """A short day without fixed visits in its exact shortest order (when that order fits
    the day; it always does when driving is shorter, but the booked drive is checked)."""
    if shift.fixed or not 1 < len(route) <= EXACT_UP_TO:
        return route
    order = shortest_order(shift.home, [v.node for v in route], minutes)
    better = [route[i] for i in order]
    return better if schedule(shift, better, minutes) is not None else route


CANDIDATES = 2.0  # plan considers at most this many orders per visit the days can hold


def capacity(shifts: Sequence[Shift], visits: Sequence[Visit]) -> int:
    """About how many more visits the shifts can hold: their free minutes over a typical
    visit plus one booked drive."""
    if not visits:
        return 0
    typical = sorted(v.minutes for v in visits)[len(visits) // 2] + GRAIN
    free = sum(s.closes - s.opens - sum(f.minutes for f in s.fixed) for s in shifts)
    return max(0, free) // typical


def candidates(shifts: Sequence[Shift], visits: Sequence[Visit], minutes: Matrix) -> list[Visit]:
    """The visits worth offering the solver: all of them, or when there are far more
    than the shifts can hold (over CANDIDATES times), each shift's nearest in turn (ties
    by key), so that days are planned neighbourhood by neighbourhood around where the
    technicians start, and the search does not drown in orders it must leave out."""
    room = math.ceil(capacity(shifts, visits) * CANDIDATES)
    if len(visits) <= room:
        return list(visits)
    homes = list(dict.fromkeys(s.home for s in shifts))
    shares = {h: sum(1 for s in shifts if s.home == h) for h in homes}
    queues = {h: iter(sorted(visits, key=lambda v: (minutes[h][v.node], v.key))) for h in homes}
    turns = [h for h in homes for _ in range(shares[h])]  # more shifts, more turns
    chosen: dict[int, Visit] = {}
    for h in cycle(turns):  # every queue holds every visit: room is always reached
        if len(chosen) == room:
            break
        for v in queues[h]:
            if v.key not in chosen:
                chosen[v.key] = v
                break
    return sorted(chosen.values(), key=lambda v: v.key)

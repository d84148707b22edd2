"""Planning routes with OR-Tools: technician-days are the vehicles, orders optional stops.

Why OR-Tools and not VROOM: bench/SOLVER-15.md (on 2,000 orders, 25 technicians, 10 days
it kept its time limit on two cores and drove 12-21% less). The model follows the schedule
rule of domain.routes exactly: a visit starts no earlier than the previous one's end plus
the booked drive; the day leaves its start point at `opens` and is back by `closes`; visits
already planned stay on their day at their time; a new order may be left out (at a cost
far above any drive). The cost is driving time, plus a little for each day used (days are
filled rather than spread thin, earlier days before later ones).

The search is bounded by a number of solutions and of branches (the same input gives the
same plan), with a wall-clock limit only as a safety net. `plan` is what `amsplan plan`
runs: the candidates, the search, each day polished and timed by domain.routes.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from time import monotonic

from amsplan.domain import routes as rules
from amsplan.domain.routes import Day, Matrix, Shift, Visit

DROP_COST = 10_000_000  # seconds of driving an order left out costs (more than any route)
DAY_COST = 3_600  # seconds of driving a used technician-day costs: fill days, not spread
LATER_DAY_COST = 600  # and this much more per position of its day in the range


@dataclass(frozen=True)
class Limits:
    solutions: int = 100  # local-search solutions: the bound that keeps plans repeatable
    seconds: float = 30.0  # wall-clock safety net
    branches: int = 100_000  # stops a search with no move left (see solve)


@dataclass
class Solved:
    routes: dict[Hashable, list[int]]  # shift key -> visit keys (fixed and new) in route order
    hit_time_limit: bool = False  # stopped by the clock: a rerun may give another plan


@dataclass
class Planned:
    days: dict[Hashable, Day]  # every shift's key -> its day (fixed and new visits, starts)
    hit_time_limit: bool = False  # stopped by the clock: a rerun may give another plan


def plan(
    shifts: Sequence[Shift],
    visits: Sequence[Visit],
    minutes: Matrix,
    day_rank: Sequence[int] | None = None,
    limits: Limits = Limits(),
) -> Planned:
    """What `amsplan plan` proposes: the candidates offered to `solve`, each day's route
    polished and timed by the schedule rule. The shifts' fixed visits must fit their day.
    Raises RuntimeError when the solver's route breaks the rule (a bug, not an input)."""
    solved = solve(shifts, rules.candidates(shifts, visits, minutes), minutes, day_rank, limits)
    by_key = {v.key: v for v in visits}
    days: dict[Hashable, Day] = {}
    for shift in shifts:
        fixed = {f.key: f for f in shift.fixed}
        route = [fixed.get(k) or by_key[k] for k in solved.routes.get(shift.key, [])]
        route = rules.polish(shift, route, minutes)
        starts = rules.schedule(shift, route, minutes)
        if starts is None:
            raise RuntimeError(f"the solver's plan for {shift.key} breaks the schedule rule")
        days[shift.key] = Day(shift, route, starts)
    return Planned(days, solved.hit_time_limit)


def solve(
    shifts: Sequence[Shift],
    visits: Sequence[Visit],
    minutes: Matrix,
    day_rank: Sequence[int] | None = None,
    limits: Limits = Limits(),
) -> Solved:
    """Routes for `shifts` through as many of `visits` as fit. `minutes`: driving minutes
    between matrix nodes; `day_rank[v]`: the position of shift v's day in the range."""
    import numpy as np
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    if not shifts:
        return Solved({})
    # Only days that can take a visit, and visits one of them can take, go to the search:
    # the rest only slow it (a full day's pinned visits), and with nothing to place,
    # guided local search would wait for the time limit (a late "today").
    ranks = list(day_rank) if day_rank else [0] * len(shifts)
    kept = {s.key: [f.key for f in s.fixed] for s in shifts}  # a day as it is
    holds = [[rules.fits_alone(s, v, minutes) for v in visits] for s in shifts]
    open_days = [i for i in range(len(shifts)) if any(holds[i])]
    visits = [v for j, v in enumerate(visits) if any(holds[i][j] for i in open_days)]
    if not visits:
        return Solved(kept)
    shifts, day_rank = [shifts[i] for i in open_days], [ranks[i] for i in open_days]
    fixed = [f for shift in shifts for f in shift.fixed]
    if len(shifts) == 1 and len(visits) == 1 and not fixed:  # it fits: nothing to search
        return Solved(kept | {shifts[0].key: [visits[0].key]})
    homes = sorted({s.home for s in shifts})
    stops = [*visits, *fixed]
    nodes = [v.node for v in stops] + homes  # solver node -> matrix node
    service = [v.minutes for v in stops] + [0] * len(homes)
    home_index = {h: len(stops) + i for i, h in enumerate(homes)}
    starts = [home_index[s.home] for s in shifts]

    # The solver's tables in whole seconds of driving (cost) and booked minutes of visit
    # plus drive (time), built with numpy (2,275 nodes: 0.6 s instead of 4 s).
    table = np.asarray(minutes, dtype=float)[np.ix_(nodes, nodes)]
    drive_s = np.rint(table * 60).astype(np.int64).tolist()
    busy = (np.asarray(service, dtype=np.int64)[:, None] + rules.booked_table(table)).tolist()
    del table

    manager = pywrapcp.RoutingIndexManager(len(nodes), len(shifts), starts, starts)
    routing = pywrapcp.RoutingModel(manager)
    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitMatrix(drive_s))
    day = 24 * 60
    # Cumuls count from each day's `opens`; waiting is only needed before a fixed visit.
    routing.AddDimensionWithVehicleCapacity(
        routing.RegisterTransitMatrix(busy), day if fixed else 0,
        [s.closes - s.opens for s in shifts], True, "time",
    )  # fmt: skip
    time = routing.GetDimensionOrDie("time")
    for v in range(len(shifts)):
        rank = day_rank[v] if day_rank else 0
        routing.SetFixedCostOfVehicle(DAY_COST + LATER_DAY_COST * rank, v)
    for i in range(len(visits)):
        routing.AddDisjunction([manager.NodeToIndex(i)], DROP_COST)
    at = len(visits)
    for v, shift in enumerate(shifts):
        for f in shift.fixed:
            index = manager.NodeToIndex(at)
            routing.VehicleVar(index).SetValue(v)  # (SetAllowedVehiclesForIndex fails in 9.15)
            assert f.fixed is not None
            time.CumulVar(index).SetRange(f.fixed - shift.opens, f.fixed - shift.opens)
            at += 1

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.solution_limit = limits.solutions
    # When no move is left that guided local search accepts (a day with a single order,
    # say), it does not stop: it branches on until the clock does. A normal search takes
    # a few hundred branches (525 on bench/solver_choice.py's 2,000 orders); this bound
    # stops a stalled one just as surely, and the same way every time.
    routing.AddSearchMonitor(routing.solver().BranchesLimit(limits.branches))
    # Cheapest arc builds each day by a tree search that, with visits pinned to their
    # times, can backtrack until the clock stops it; insertion places them directly.
    strategy = routing_enums_pb2.FirstSolutionStrategy
    firsts = [strategy.PATH_CHEAPEST_ARC, strategy.PARALLEL_CHEAPEST_INSERTION]
    if fixed:
        firsts.reverse()
    solution = None
    began = monotonic()
    for first in firsts:  # the second only if the first finds nothing, in the time left
        left = limits.seconds - (monotonic() - began)
        if left <= 0:
            break
        params.time_limit.FromMilliseconds(max(1, int(left * 1000)))
        params.first_solution_strategy = first
        solution = routing.SolveWithParameters(params)
        if solution is not None:
            break
    if solution is None:
        raise RuntimeError("the planning solver found no plan (not even one leaving all out)")
    routes: dict[Hashable, list[int]] = {}
    for v, shift in enumerate(shifts):
        route = []
        index = solution.Value(routing.NextVar(routing.Start(v)))
        while not routing.IsEnd(index):
            route.append(stops[manager.IndexToNode(index)].key)
            index = solution.Value(routing.NextVar(index))
        routes[shift.key] = route
    return Solved(kept | routes, monotonic() - began >= limits.seconds * 0.98)

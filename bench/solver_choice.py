"""Issue 15: which solver for `amsplan plan`, VROOM (pyvroom) or OR-Tools routing?

Standalone: builds the issue's benchmark instance (bench/instance15.py: 2,000 open orders
over Hamar, Stange, Løten, Elverum and Ringsaker; 25 technicians with start points in those
towns; 10 working days 07:30-15:30; visits 60 min, difficult meters 90 min), travel times from
amsplan.domain.travel (straight line × 1.3 ÷ 60 km/h), and plans it with

- the baseline: technician-days filled in postcode-and-street order, each day taking the
  next orders while they fit (what `assign --filter … --sort postcode` does today);
- VROOM through pyvroom, technician-days as vehicles (250), and per day (25 vehicles);
- OR-Tools routing, technician-days as vehicles, cheapest arc + guided local search with a
  time limit, and per day.

Every plan is checked by the same evaluator (km, driving minutes, day length, orders
planned once). Each solver runs twice to check that the same input gives the same plan.

    .venv/bin/pip install pyvroom ortools   # not project dependencies
    .venv/bin/python bench/solver_choice.py [--only vroom,ortools,...] [--limits 30,60]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from amsplan.domain import travel

sys.path.insert(0, str(Path(__file__).resolve().parent))
from instance15 import SEED, Order, generate  # noqa: E402  (bench/instance15.py)

DAY_S = 8 * 3600  # 07:30-15:30
N_DAYS = 10
DROP_PENALTY = 10_000_000  # seconds of driving: dropping an order is never cheaper


@dataclass(frozen=True)
class Instance:
    orders: list[Order]
    homes: list[travel.Point]  # one per technician
    minutes: list[list[float]]  # nodes: orders 0..n-1, then homes n..n+t-1
    km: list[list[float]]
    secs: list[list[int]]  # solver matrix: whole seconds, rounded up


Plan = dict[tuple[int, int], list[int]]  # (technician, day) -> order indices in route order


def build(seed: int = SEED) -> Instance:
    orders, homes = generate(seed)
    minutes, km = travel.matrix([o.point for o in orders] + homes)
    secs = [[math.ceil(m * 60) for m in row] for row in minutes]
    return Instance(orders, homes, minutes, km, secs)


# --- evaluation -------------------------------------------------------------------------


@dataclass
class Figures:
    planned: int
    km: float
    drive_min: float
    max_day_min: float
    days_over: int
    days_used: int


def evaluate(inst: Instance, plan: Plan) -> Figures:
    n = len(inst.orders)
    seen: set[int] = set()
    km = drive = max_day = 0.0
    over = used = 0
    for (tech, _day), route in plan.items():
        if not route:
            continue
        assert not seen & set(route), "an order planned twice"
        seen |= set(route)
        used += 1
        nodes = [n + tech, *route, n + tech]
        d_km = sum(inst.km[a][b] for a, b in pairwise(nodes))
        d_min = sum(inst.minutes[a][b] for a, b in pairwise(nodes))
        length = d_min + sum(inst.orders[o].service_s for o in route) / 60
        km, drive, max_day = km + d_km, drive + d_min, max(max_day, length)
        over += length > DAY_S / 60 + 1e-9
    return Figures(len(seen), km, drive, max_day, over, used)


# --- the baseline: postcode-and-street order ---------------------------------------------


def fits(inst: Instance, tech: int, route: list[int]) -> bool:
    n = len(inst.orders)
    nodes = [n + tech, *route, n + tech]
    drive = sum(inst.minutes[a][b] for a, b in pairwise(nodes))
    return drive + sum(inst.orders[o].service_s for o in route) / 60 <= DAY_S / 60


def baseline(inst: Instance, _limit: float) -> Plan:
    queue = sorted(
        range(len(inst.orders)),
        key=lambda i: (inst.orders[i].postcode, inst.orders[i].street, inst.orders[i].number),
    )
    plan: Plan = {}
    k = 0
    for day in range(N_DAYS):
        for tech in range(len(inst.homes)):
            route: list[int] = []
            while k < len(queue) and fits(inst, tech, [*route, queue[k]]):
                route.append(queue[k])
                k += 1
            plan[(tech, day)] = route
    return plan


# --- VROOM --------------------------------------------------------------------------------


def vroom_solve(
    inst: Instance, vehicles: list[tuple[int, int]], todo: list[int], level: int, limit: float
) -> Plan:
    from datetime import timedelta

    import numpy as np
    import vroom

    n = len(inst.orders)
    problem = vroom.Input()
    problem.set_durations_matrix("car", np.array(inst.secs, dtype=np.uint32))
    for v, (tech, _day) in enumerate(vehicles):
        problem.add_vehicle(
            vroom.Vehicle(v, start=n + tech, end=n + tech, time_window=vroom.TimeWindow(0, DAY_S))
        )
    for o in todo:
        problem.add_job(vroom.Job(o, location=o, default_service=inst.orders[o].service_s))
    timeout = timedelta(seconds=limit) if limit else None
    sol = problem.solve(exploration_level=level, nb_threads=2, timeout=timeout)
    plan: Plan = {key: [] for key in vehicles}
    jobs = sol.routes[sol.routes["type"] == "job"]
    for v, o in zip(jobs["vehicle_id"], jobs["id"], strict=True):
        plan[vehicles[int(v)]].append(int(o))
    return plan


def all_vehicles(inst: Instance) -> list[tuple[int, int]]:
    return [(t, d) for d in range(N_DAYS) for t in range(len(inst.homes))]


def vroom_all(level: int) -> Callable[[Instance, float], Plan]:
    def solve(inst: Instance, limit: float) -> Plan:
        return vroom_solve(inst, all_vehicles(inst), list(range(len(inst.orders))), level, limit)

    return solve


def per_day(one_day: Callable[[Instance, list[tuple[int, int]], list[int], float], Plan]):
    """Day after day: plan the first day from all open orders, the next from what is left."""

    def solve(inst: Instance, limit: float) -> Plan:
        plan: Plan = {}
        todo = list(range(len(inst.orders)))
        for day in range(N_DAYS):
            vehicles = [(t, day) for t in range(len(inst.homes))]
            plan.update(one_day(inst, vehicles, todo, limit / N_DAYS))
            done = {o for key in vehicles for o in plan[key]}
            todo = [o for o in todo if o not in done]
        return plan

    return solve


# --- OR-Tools -----------------------------------------------------------------------------


def ortools_solve(inst: Instance, vehicles: list[tuple[int, int]], todo: list[int], limit: float):
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    n = len(inst.orders)
    techs = sorted({t for t, _ in vehicles})
    nodes = todo + [n + t for t in techs]  # solver node -> instance node
    depot = {t: len(todo) + i for i, t in enumerate(techs)}
    starts = [depot[t] for t, _ in vehicles]
    manager = pywrapcp.RoutingIndexManager(len(nodes), len(vehicles), starts, starts)
    routing = pywrapcp.RoutingModel(manager)
    drive = [[inst.secs[a][b] for b in nodes] for a in nodes]
    service = [inst.orders[a].service_s if a < n else 0 for a in nodes]
    time_m = [[d + service[i] for d in row] for i, row in enumerate(drive)]
    cost = routing.RegisterTransitMatrix(drive)
    routing.SetArcCostEvaluatorOfAllVehicles(cost)
    busy = routing.RegisterTransitMatrix(time_m)
    routing.AddDimension(busy, 0, DAY_S, True, "time")
    for i in range(len(todo)):
        routing.AddDisjunction([manager.NodeToIndex(i)], DROP_PENALTY)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(int(limit * 1000))
    sol = routing.SolveWithParameters(params)
    plan: Plan = {key: [] for key in vehicles}
    if sol is None:
        return plan
    for v, key in enumerate(vehicles):
        index = sol.Value(routing.NextVar(routing.Start(v)))
        while not routing.IsEnd(index):
            plan[key].append(nodes[manager.IndexToNode(index)])
            index = sol.Value(routing.NextVar(index))
    return plan


def ortools_all(inst: Instance, limit: float) -> Plan:
    return ortools_solve(inst, all_vehicles(inst), list(range(len(inst.orders))), limit)


# --- the run ------------------------------------------------------------------------------

SOLVERS: dict[str, tuple[Callable[[Instance, float], Plan], list[float]]] = {
    "baseline": (baseline, [0]),
    "vroom-x0": (vroom_all(0), [0]),
    "vroom-x2": (vroom_all(2), [30]),
    "vroom": (vroom_all(5), [30, 60]),
    "vroom-day": (per_day(lambda i, v, t, s: vroom_solve(i, v, t, 5, s)), [30, 60]),
    "ortools": (ortools_all, [30, 60]),
    "ortools-day": (per_day(ortools_solve), [30, 60]),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", default=",".join(SOLVERS), help="comma-separated solvers")
    ap.add_argument("--limits", default="", help="override the time limits, e.g. 30,60")
    ap.add_argument("--repeat", type=int, default=2, help="runs per solver (determinism)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    inst = build()
    print(f"instance: {len(inst.orders)} orders, {len(inst.homes)} technicians, {N_DAYS} days, "
          f"matrix built in {time.perf_counter() - t0:.1f} s")  # fmt: skip
    base = evaluate(inst, baseline(inst, 0))
    head = "| solver | limit s | wall s | CPU s | planned | km | drive min | km/visit "
    print(head + "| max day min | days over | less driving than baseline (km, km/visit) | same |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for name in args.only.split(","):
        solve, limits = SOLVERS[name]
        if args.limits and limits != [0]:
            limits = [float(x) for x in args.limits.split(",")]
        for limit in limits:
            plans, times = [], []
            for _ in range(args.repeat):
                w, c = time.perf_counter(), time.process_time()
                plans.append(solve(inst, limit))
                times.append((time.perf_counter() - w, time.process_time() - c))
            f = evaluate(inst, plans[0])
            same = all(p == plans[0] for p in plans[1:])
            less = 1 - f.km / base.km
            less_per = 1 - (f.km / f.planned) / (base.km / base.planned)
            print(
                f"| {name} | {limit or '-'} | {times[0][0]:.1f} | {times[0][1]:.1f} "
                f"| {f.planned} | {f.km:,.0f} | {f.drive_min:,.0f} | {f.km / f.planned:.2f} "
                f"| {f.max_day_min:.0f} of {DAY_S // 60} | {f.days_over} "
                f"| {less:.0%}, {less_per:.0%} | {'yes' if same else 'NO'} |",
                flush=True,
            )


if __name__ == "__main__":
    main()

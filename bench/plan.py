"""Issue 15: `amsplan plan` at the issue's scale against postcode-and-street order.

    .venv/bin/python bench/plan.py [--keep] [--profile DIR] [--no-write]
    .venv/bin/python bench/run.py plan                 # the same, from the suite

One run, side by side, on one instance (bench/instance15.py: 2,000 open orders over five
municipalities, ~10% difficult meters, 25 technicians with start points, seed 15):

1. A fresh workspace (`amsplan init`), the technicians and orders written as the CSV files
   amsplan imports (`techs import`, `orders import`), working hours 07:30-15:30, and the
   clock (AMSPLAN_NOW) set before ten working days: Monday 1 to Friday 12 June 2026, two
   weeks without a Norwegian public holiday.
2. **amsplan plan** as one whole process: `amsplan plan --from D1 --to D10 --stage
   "Etappe 1" --yes --json`: wall time, CPU time and peak RSS (os.wait4 of exactly that
   process, bench/run.py's `run`).
3. **The baseline**, in this process: the same technician-days filled in
   postcode-and-street order (what `assign --filter … --sort postcode --fill` does), each
   day taking the next order while the day, with the drives booked as
   `amsplan.domain.routes.schedule` books them (whole 5 minutes, from and back to the start
   point), still fits its working hours.
4. **amsplan's plan read back from the database** (the store's `day_orders` per
   technician-day), each day rebuilt in time order at the times amsplan gave it; the
   visits' own times are checked with `routes.schedule` (each start reachable from the
   previous visit, back home by the end of the day) and no order may be planned twice.

Both plans are measured with `amsplan.domain.routes.figures` on the same travel matrix
(amsplan.domain.travel with the workspace's [routing] settings). The table goes to the
terminal and, unless --no-write, between the markers of bench/PLAN-15.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import pstats
import re
import shlex
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import gen  # noqa: E402  (bench/gen.py: metering point ids)
import run  # noqa: E402  (bench/run.py: processes, workspace, machine line)
from instance15 import SEED, TOWNS, Order, generate  # noqa: E402

from amsplan import clock  # noqa: E402
from amsplan.config import load_settings  # noqa: E402
from amsplan.domain import routes, travel  # noqa: E402
from amsplan.domain.routes import Shift, Visit  # noqa: E402
from amsplan.services.context import Context  # noqa: E402
from amsplan.store.orders import day_orders  # noqa: E402

NOW = "2026-05-29T08:00"  # a Friday; the days follow it
FIRST = date(2026, 6, 1)  # Monday; 1-12 June 2026 hold no Norwegian public holiday
DAYS = [FIRST + timedelta(days=d) for d in range(12) if (FIRST + timedelta(days=d)).weekday() < 5]
OPENS, CLOSES = 7 * 60 + 30, 15 * 60 + 30
STAGE = "Etappe 1"
PLAN_MD = BENCH / "PLAN-15.md"
GOAL_WALL_S = 60
GOAL_LESS_DRIVING = 0.25

Plan = dict[tuple[str, date], list[Visit]]  # (technician, day) -> visits in time order


# --- the instance as amsplan's import files ------------------------------------------------


def tech_id(t: int) -> str:
    return f"M{t + 1:02d}"


def decimal(x: float) -> str:
    return f"{x:.5f}".replace(".", ",")


def metering_point(i: int) -> str:
    body = f"707057500{i:08d}"
    return body + gen.sample.gsrn_check_digit(body)


def write_files(folder: Path, orders: list[Order], homes: list[travel.Point]) -> None:
    """technicians.csv and orders.csv in the columns of sample_data/."""
    with open(folder / "technicians.csv", "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["Montørnr", "Navn", "Telefon", "Arbeidstid fra", "Arbeidstid til",
                    "Breddegrad", "Lengdegrad"])  # fmt: skip
        for t, (lat, lon) in enumerate(homes):
            w.writerow([tech_id(t), f"Montør {t + 1}", f"400 00 {t:03d}", "07:30", "15:30",
                        decimal(lat), decimal(lon)])  # fmt: skip
    with open(folder / "orders.csv", "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["Ordrenr", "Målepunkt-ID", "Målernr", "Navn", "Adresse", "Postnr",
                    "Poststed", "Kommunenr", "Telefon", "Etappe", "Breddegrad", "Lengdegrad",
                    "Beskrivelse", "Viktig info", "Vanskelig måler"])  # fmt: skip
        for i, o in enumerate(orders):
            w.writerow([
                o.no, metering_point(i), f"{60_000_000 + i}", f"Kunde {i}",
                f"{o.street} {o.number}", o.postcode, o.town, o.municipality, "", STAGE,
                decimal(o.point[0]), decimal(o.point[1]), "", "",
                "Ja" if o.service_s > 3600 else "",
            ])  # fmt: skip


# --- the figures of a plan -----------------------------------------------------------------


@dataclass
class Result:
    planned: int = 0
    km: float = 0.0
    drive_min: float = 0.0
    max_day_min: int = 0  # from leaving the start point to being back
    days_over: int = 0  # days whose visits and drives do not fit their working hours
    days_used: int = 0
    twice: int = 0  # orders planned more than once

    @property
    def km_per_visit(self) -> float:
        return self.km / self.planned if self.planned else 0.0


def measure(plan: Plan, shifts: dict[tuple[str, date], Shift], m: list, km: list) -> Result:
    """Figures of the plan: each day at its visits' own times (`fixed`, else the earliest)."""
    r = Result()
    seen: set[int] = set()
    for key, route in plan.items():
        if not route:
            continue
        shift = shifts[key]
        r.twice += len({v.key for v in route} & seen)
        seen |= {v.key for v in route}
        f = routes.figures(shift, route, m, km)
        starts = routes.schedule(shift, route, m)
        if starts is None:
            r.days_over += 1
            starts = [v.fixed if v.fixed is not None else shift.opens for v in route]
        back = starts[-1] + route[-1].minutes + routes.booked(m[route[-1].node][shift.home])
        r.planned += len(route)
        r.km += f.km
        r.drive_min += f.drive_minutes
        r.max_day_min = max(r.max_day_min, back - shift.opens)
        r.days_used += 1
    return r


def baseline(orders: list[Order], visits: list[Visit], shifts: list[Shift], m: list) -> Plan:
    """Postcode-and-street order: each technician-day (day by day, technician by
    technician) takes the next orders while the day with its booked drives still fits."""
    queue = sorted(
        range(len(orders)), key=lambda i: (orders[i].postcode, orders[i].street, orders[i].number)
    )
    plan: Plan = {}
    k = 0
    for shift in shifts:
        route: list[Visit] = []
        while k < len(queue) and routes.schedule(shift, [*route, visits[queue[k]]], m) is not None:
            route.append(visits[queue[k]])
            k += 1
        plan[shift.key] = route
    return plan


def read_back(ws: run.Workspace, index: dict[str, int], n_techs: int) -> tuple[Plan, int, int]:
    """amsplan's plan from the database: each technician-day's visits in time order, at
    the time and length amsplan gave them. Also: visits of another length than the
    [planning] rule gives, and planned orders outside the bench's days."""
    settings = load_settings(ws.path / "amsplan.toml")
    ctx = Context(settings, "bench")
    plan: Plan = {}
    wrong_length = 0
    try:
        with ctx.session(readonly=True) as s:
            for day in DAYS:
                for t in range(n_techs):
                    route = []
                    for o in day_orders(s, settings.tz, tech_id(t), day, lock=False):
                        assert o.planned_start is not None
                        local = clock.to_local(o.planned_start, settings.tz)
                        i = index[o.order_no]
                        length = routes.visit_minutes(
                            None, o.difficult_meter,
                            settings.plan_visit_minutes, settings.plan_difficult_minutes,
                        )  # fmt: skip
                        wrong_length += (o.estimate_minutes or 0) != length
                        route.append(Visit(i, i, o.estimate_minutes or 0,
                                           fixed=local.hour * 60 + local.minute))  # fmt: skip
                    plan[(tech_id(t), day)] = route
    finally:
        ctx.close()
    in_days = sum(len(r) for r in plan.values())
    total = ws.count("SELECT count(*) FROM work_order WHERE planned_start IS NOT NULL")
    return plan, wrong_length, total - in_days


# --- the run -------------------------------------------------------------------------------


def table(rows: list[tuple[str, Result, str]], base: Result) -> list[str]:
    out = [
        "| plan | planned orders | km | driving min | km per visit | max day min "
        "| days over hours | orders twice | less km than baseline (total, per visit) | wall s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for name, r, wall in rows:
        less = (
            "-"
            if r is base
            else f"{1 - r.km / base.km:.0%}, {1 - r.km_per_visit / base.km_per_visit:.0%}"
        )
        out.append(
            f"| {name} | {r.planned:,} | {r.km:,.0f} | {r.drive_min:,.0f} "
            f"| {r.km_per_visit:.2f} | {r.max_day_min} of {CLOSES - OPENS} | {r.days_over} "
            f"| {r.twice} | {less} | {wall} |"
        )
    return out


def top_functions(prof: Path, n: int = 25) -> str:
    import io

    buf = io.StringIO()
    pstats.Stats(str(prof), stream=buf).sort_stats("cumulative").print_stats(n)
    return buf.getvalue()


def write_md(body: str) -> None:
    begin, end = "<!-- plan.py -->", "<!-- /plan.py -->"
    text = PLAN_MD.read_text(encoding="utf-8") if PLAN_MD.exists() else ""
    block = f"{begin}\n{body.rstrip()}\n{end}"
    if begin in text and end in text:
        text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, text,
                      flags=re.S)  # fmt: skip
    else:
        text = "# Issue 15: `amsplan plan` against postcode-and-street order\n\n" + block + "\n"
    PLAN_MD.write_text(text, encoding="utf-8")
    print(f"\nwrote {PLAN_MD}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--keep", action="store_true", help="keep the workspace folder")
    ap.add_argument("--workdir", type=Path, default=None, help="where the workspace goes")
    ap.add_argument("--profile", type=Path, default=None, metavar="DIR",
                    help="run amsplan plan under cProfile (DIR/plan.prof; wall time then "
                         "includes its overhead, PLAN-15.md is not written)")  # fmt: skip
    ap.add_argument("--no-write", action="store_true", help="do not touch PLAN-15.md")
    ap.add_argument("--orders", type=int, default=None, help="only the first N orders (a try)")
    ap.add_argument("--days", type=int, default=len(DAYS), help="only the first N days (a try)")
    args = ap.parse_args(argv)
    os.environ["AMSPLAN_NOW"] = NOW
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"amsplan: {' '.join(run.AMSPLAN)}\nmachine: {run.machine()}")
    orders, homes = generate(SEED)
    orders = orders[: args.orders]
    days = DAYS[: args.days]
    full = args.orders is None and args.days == len(DAYS)
    ws = run.Workspace(args.workdir, "plan15", args.keep, args.profile)
    try:
        write_files(ws.path, orders, homes)
        ws.amsplan("techs", "import", "technicians.csv")
        imported = ws.amsplan("orders", "import", "orders.csv")
        print(f"workspace {ws.path}: {len(orders):,} orders ({imported.wall:.1f} s to import), "
              f"{len(homes)} technicians, {days[0]}..{days[-1]}")  # fmt: skip
        plan_argv = ["plan", "--from", days[0].isoformat(), "--to", days[-1].isoformat(),
                     "--stage", STAGE, "--yes", "--json"]  # fmt: skip
        m = ws.amsplan(*plan_argv, profile_as="plan")
        (ws.path / "plan.json").write_text(m.out, encoding="utf-8")
        print(f"amsplan plan: {m.wall:.1f} s wall, {m.cpu:.1f} s CPU, {m.rss_mb:.0f} MB peak RSS")
        settings = load_settings(ws.path / "amsplan.toml")
        model = travel.Model(settings.routing_detour, settings.routing_speed_kmh)
        minutes, km = travel.matrix([o.point for o in orders] + homes, model)
        n = len(orders)
        shifts = {
            (tech_id(t), day): Shift((tech_id(t), day), n + t, OPENS, CLOSES)
            for day in days
            for t in range(len(homes))
        }
        lengths = [
            routes.visit_minutes(None, o.service_s > 3600,
                                 settings.plan_visit_minutes, settings.plan_difficult_minutes)
            for o in orders
        ]  # fmt: skip
        visits = [Visit(i, i, lengths[i]) for i in range(n)]
        w = time.perf_counter()
        base_plan = baseline(orders, visits, list(shifts.values()), minutes)
        base_wall = time.perf_counter() - w
        base = measure(base_plan, shifts, minutes, km)
        index = {o.no: i for i, o in enumerate(orders)}
        ams_plan, wrong_length, outside = read_back(ws, index, len(homes))
        ams_plan = {k: v for k, v in ams_plan.items() if k[1] in days}
        ams = measure(ams_plan, shifts, minutes, km)
    finally:
        ws.close()
    answer = json.loads(m.out)
    hit = answer["proposal"].get("hit_time_limit")
    applied = {k: len(v) for k, v in answer["applied"].items()}
    rows = [
        ("baseline: postcode-and-street order (in-process)", base, f"{base_wall:.2f}"),
        ("**amsplan plan** (whole process, read back from the database)", ams, f"{m.wall:.1f}"),
    ]
    less_km = 1 - ams.km / base.km
    less_per = 1 - ams.km_per_visit / base.km_per_visit
    goals = [
        f"- `amsplan plan` ≤ {GOAL_WALL_S} s on two cores: {m.wall:.1f} s wall "
        f"({m.cpu:.1f} s CPU, peak RSS {m.rss_mb:.0f} MB): "
        f"**{'met' if m.wall <= GOAL_WALL_S else 'NOT met'}**",
        f"- ≥ {GOAL_LESS_DRIVING:.0%} less driving than the baseline: {less_km:.0%} less km in "
        f"total, {less_per:.0%} less per visit: "
        f"**{'met' if min(less_km, less_per) >= GOAL_LESS_DRIVING else 'NOT met'}**",
        f"- no technician-day over its working hours (drives included): {ams.days_over} over, "
        f"longest {ams.max_day_min} of {CLOSES - OPENS} min; orders planned twice: "
        f"{ams.twice}: **{'met' if ams.days_over == 0 and ams.twice == 0 else 'NOT met'}**",
        f"- checks: visits of another length than [planning] gives: {wrong_length}; "
        f"planned orders outside the days: {outside}; applied by amsplan: "
        f"{applied.get('placed', 0):,} placed, {applied.get('skipped', 0)} skipped, "
        f"{len(answer['proposal']['left']):,} left over; solver stopped by its time limit: "
        f"{'yes' if hit else 'no'}",
    ]
    towns = ", ".join(t.title() for t in TOWNS)
    body = "\n".join([
        f"Run {started} with `bench/plan.py`"
        + ("" if full else f" (a try: {len(orders)} orders, {len(days)} days)") + ".",
        "",
        f"Machine: {run.machine()}.",
        "",
        f"Instance (bench/instance15.py, seed {SEED}): {len(orders):,} open orders in stage "
        f"\"{STAGE}\" over five municipalities (Hamar, Ringsaker, Løten, Stange, Elverum; "
        f"houses near the sample orders and around {towns}), "
        f"{sum(o.service_s > 3600 for o in orders)} difficult meters; {len(homes)} "
        f"technicians with start points, 07:30-15:30; {len(days)} working days "
        f"{days[0]}..{days[-1]} (AMSPLAN_NOW={NOW}). Travel: amsplan.domain.travel "
        f"(straight line × {model.detour} ÷ {model.speed_kmh:g} km/h), so km equal "
        "driving minutes.",
        "",
        f"`amsplan {shlex.join(plan_argv)}`",
        "",
        *table(rows, base),
        "",
        *goals,
        "",
        run.load_line(),
    ])  # fmt: skip
    print()
    print(body)
    if args.profile:
        print(top_functions(args.profile / "plan.prof"))
    elif full and not args.no_write:
        write_md(body)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Baseline against current: the same scenario on two amsplan trees, step by step, ABAB.

    .venv/bin/python bench/compare.py --baseline /work/base --current . \\
        --orders 50000 --rounds 3 --out bench/compare-50000.md

Each tree is a git checkout with its own `.venv`; every command runs as
`TREE/.venv/bin/python -m amsplan ...` in a fresh bench folder per tree (own amsplan.toml
and SQLite database). The data is the same for both (bench/gen.py: valid GSRN metering
point ids, which both trees accept); replies are written per tree from its own database
(booking codes are random), with the same seed. A measured step runs `--rounds` times per
tree, alternating baseline and current; before each round the database of a step that
writes is put back to the state before it (a copy of the SQLite files), so every round
does the same work. Reported: the median over rounds of wall and CPU time (user + sys,
os.wait4, bench/run.py's `run`) of the step's processes, and current / baseline.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import gen  # noqa: E402  (bench/gen.py)
import run as suite  # noqa: E402  (bench/run.py: run(), machine(), fmt_s(), _local_iso())

TZ = suite.TZ
SLOTS = suite.SLOTS  # a technician-day of the locked day: 8 one-hour slots
HISTORY_SLOTS = 4  # a technician-day of the SMS-booked history: the first 4 slots


# --------------------------------------------------------------------------- trees


@dataclass
class Tree:
    label: str  # baseline | current
    root: Path
    folder: Path  # its bench folder (cwd of every command)
    python: Path = field(init=False)
    commit: str = field(init=False)

    def __post_init__(self) -> None:
        self.python = self.root / ".venv" / "bin" / "python"
        if not self.python.exists():
            raise SystemExit(f"compare: {self.python} is missing (make .venv/.installed)")
        probe = subprocess.run(
            [str(self.python), "-c", "import amsplan; print(amsplan.__file__)"],
            capture_output=True,
            text=True,
            cwd=self.root,
        )
        if probe.returncode or not probe.stdout.strip().startswith(str(self.root)):
            raise SystemExit(
                f"compare: {self.python} does not import amsplan from {self.root}: "
                f"{(probe.stdout + probe.stderr).strip()[-300:]}"
            )
        git = ["git", "-C", str(self.root), "--no-optional-locks"]
        sha = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        dirty = subprocess.run([*git, "status", "--porcelain", "--", "src"], capture_output=True)
        self.commit = sha.stdout.strip() + (" + uncommitted changes" if dirty.stdout else "")
        self.folder.mkdir(parents=True)

    def amsplan(self, *args: str, ok=(0,)) -> suite.Measure:
        return suite.run([str(self.python), "-m", "amsplan", *args], self.folder, ok=ok)

    def script(self, name: str, *args: str) -> suite.Measure:
        """A bench script of this tree (its own, else the current one) with its Python."""
        path = self.root / "bench" / name
        if not path.exists():
            path = BENCH / name
        return suite.run([str(self.python), str(path), *args], self.folder)

    def query(self, sql: str, *params) -> list[tuple]:
        with sqlite3.connect(f"file:{self.folder / 'amsplan.db'}?mode=ro", uri=True) as con:
            return con.execute(sql, params).fetchall()

    def save(self, name: str) -> None:
        """A consistent copy of the database (SQLite's backup API: copying the WAL and
        shared-memory files beside it can give a malformed database)."""
        target = self.folder / ".states" / name
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        src = sqlite3.connect(self.folder / "amsplan.db")
        dst = sqlite3.connect(target / "amsplan.db")
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()

    def restore(self, name: str) -> None:
        for f in self.folder.glob("amsplan.db*"):
            f.unlink()
        for f in (self.folder / ".states" / name).iterdir():
            shutil.copy2(f, self.folder / f.name)


# --------------------------------------------------------------------------- steps


@dataclass
class Result:
    step: str
    wall: dict[str, float]  # tree label -> median over rounds (sum over the step's processes)
    cpu: dict[str, float]
    note: dict[str, str]


def measure(
    trees: list[Tree],
    step: str,
    commands: Callable[[Tree], list[list[str]]],
    rounds: int,
    writes: bool = True,
    check: Callable[[Tree, list[suite.Measure]], str] | None = None,
) -> Result:
    """Run the step's commands `rounds` times per tree, baseline and current in turn."""
    argv = {t.label: commands(t) for t in trees}
    if writes:
        for t in trees:
            t.save("before")
    walls: dict[str, list[float]] = {t.label: [] for t in trees}
    cpus: dict[str, list[float]] = {t.label: [] for t in trees}
    last: dict[str, list[suite.Measure]] = {}
    for r in range(rounds):
        if writes and r:
            for t in trees:
                t.restore("before")
        done: dict[str, list[suite.Measure]] = {t.label: [] for t in trees}
        for i in range(max(len(a) for a in argv.values())):
            for t in trees:  # command by command: A B A B ...
                if i < len(argv[t.label]):
                    done[t.label].append(t.amsplan(*argv[t.label][i]))
        for t in trees:
            walls[t.label].append(sum(m.wall for m in done[t.label]))
            cpus[t.label].append(sum(m.cpu for m in done[t.label]))
        last = done
    result = Result(
        step,
        {k: statistics.median(v) for k, v in walls.items()},
        {k: statistics.median(v) for k, v in cpus.items()},
        {t.label: check(t, last[t.label]) if check else "" for t in trees},
    )
    show(result)
    return result


def ratio(b: float, c: float) -> str:
    return f"{c / b:.2f}x" if b > 0 else ""


def cells(r: Result) -> list[str]:
    b, c = "baseline", "current"
    return [
        r.step,
        suite.fmt_s(r.wall[b]),
        suite.fmt_s(r.cpu[b]),
        suite.fmt_s(r.wall[c]),
        suite.fmt_s(r.cpu[c]),
        f"{ratio(r.wall[b], r.wall[c])} (CPU {ratio(r.cpu[b], r.cpu[c])})",
    ]


def show(r: Result) -> None:
    c = cells(r)
    print(f"  {c[0]:<60} base {c[1]:>7} {c[2]:>7}  cur {c[3]:>7} {c[4]:>7}  {c[5]}", flush=True)
    for label, note in r.note.items():
        if note:
            print(f"      {label}: {note}", flush=True)


def markdown(results: list[Result]) -> str:
    head = [
        "step",
        "baseline wall s",
        "baseline CPU s",
        "current wall s",
        "current CPU s",
        "current / baseline",
    ]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for r in results:
        lines.append("| " + " | ".join(x.replace("|", "\\|") for x in cells(r)) + " |")
    return "\n".join(lines)


# --------------------------------------------------------------------------- data


def changed_rows(n: int, seed: int, share: float) -> tuple[list[list[str]], int]:
    """The n orders again with `share` of them changed upstream (phone, street, name, text)."""
    rows = [list(r) for r in gen.order_rows(n, 1, seed)]
    rng = random.Random(f"changed:{seed}:{n}")
    picked = rng.sample(range(n), max(1, round(n * share)))
    for k, i in enumerate(picked):
        row = rows[i]
        kind = k % 4
        if kind == 0:  # a new mobile number
            # a series phonenumbers knows as mobile: a random 4x/9x number may be none,
            # and then it would blank a booked order's mobile (refused)
            d = rng.choice(("41", "46", "48", "90", "92", "93", "95", "98"))
            d += f"{rng.randrange(10**6):06d}"
            row[8] = f"{d[:3]} {d[3:5]} {d[5:]}"
        elif kind == 1 and row[4]:  # another house number
            row[4] = row[4].rsplit(" ", 1)[0] + f" {rng.randrange(1, 200)}"
        elif kind == 2:  # the customer's name
            row[3] = row[3] + " Jr."
        else:  # the work description
            row[12] = (row[12] + " Ny nøkkelboks.").strip()
    return rows, len(picked)


def reply_targets(t: Tree, now_local: datetime, n_replies: int) -> list[gen.Target]:
    """Orders waiting for an answer (and a few not yet waiting), as bench/run.py picks them."""
    targets = [
        gen.Target(
            no,
            code,
            mobile,
            suite._local_iso(since, now_local - timedelta(hours=3)),
            status == "awaiting_response",
        )  # fmt: skip
        for no, code, mobile, status, since in t.query(
            "SELECT order_no, booking_code, mobile, status, awaiting_since "
            "FROM work_order WHERE booking_code IS NOT NULL ORDER BY id"
        )
    ]
    early = [x for x in targets if not x.awaiting][: max(1, n_replies // 200)]
    return [x for x in targets if x.awaiting] + early


def count_json(m: suite.Measure, key: str | None = None) -> int | str:
    try:
        data = json.loads(m.out)
    except ValueError:
        return "?"
    if key:
        data = data.get(key, []) if isinstance(data, dict) else []
    return len(data)


# --------------------------------------------------------------------------- scenario


def compare(args) -> str:
    n = args.orders
    n_replies = args.replies if args.replies is not None else min(10_000, n // 5)
    waiting = args.waiting if args.waiting is not None else n_replies
    day_orders = args.day_orders
    n_techs = math.ceil(day_orders / SLOTS)
    if waiting + day_orders > n * 0.8:
        raise SystemExit("compare: --orders too small for --waiting and --day-orders")
    now_local = datetime.now(TZ).replace(tzinfo=None, second=0, microsecond=0)
    os.environ["AMSPLAN_NOW"] = now_local.isoformat(timespec="minutes")
    for var in ("PYTHONPATH", "VIRTUAL_ENV", "AMSPLAN_CONFIG"):
        os.environ.pop(var, None)
    started = f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z}"
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
    base = Path(tempfile.mkdtemp(prefix=f"amsplan-compare-{n}-", dir=args.workdir))
    trees = [
        Tree("baseline", args.baseline.resolve(), base / "baseline"),
        Tree("current", args.current.resolve(), base / "current"),
    ]
    print(f"compare: {base}\nmachine: {suite.machine()}")
    for t in trees:
        print(f"{t.label}: {t.root} at {t.commit}")
    results: list[Result] = []
    try:
        # Data, the same for both trees.
        t0 = time.perf_counter()
        techs = gen.technicians(n_techs, args.seed)
        data = base / "data"
        data.mkdir()
        gen.write_techs(data / "technicians.csv", techs)
        gen.write_orders(data / "orders.csv", n, 1, args.seed)
        rows, n_changed = changed_rows(n, args.seed, args.changed)
        gen._write(data / "orders-changed.csv", gen.ORDER_HEADERS, rows)
        phone = next(r[8] for r in rows if r[8].count(" ") >= 2 and not r[8].startswith("+"))
        print(f"data: {n:,} orders, {n_techs} technicians ({time.perf_counter() - t0:.0f} s)")

        # Days both trees plan: future weekdays that are not public holidays.
        history_days = math.ceil(waiting / (n_techs * HISTORY_SLOTS))
        days = gen.working_days(now_local.date() + timedelta(days=2), history_days + 1)
        history_days_list, lock_day = days[:-1], days[-1]
        reminders_now = datetime.combine(days[0] - timedelta(days=1), datetime.min.time())
        reminders_now += timedelta(hours=10)

        for t in trees:
            t.amsplan("init", "--company", "Hedmark Nett AS")
            t.amsplan("techs", "import", str(data / "technicians.csv"))

        def rows_note(t: Tree, ms) -> str:
            return f"{t.query('SELECT count(*) FROM work_order')[0][0]:,} orders"

        results.append(
            measure(
                trees,
                f"orders import {n:,} into an empty database",
                lambda t: [["orders", "import", str(data / "orders.csv")]],
                args.rounds,
                check=rows_note,
            )
        )

        # Set-up (not measured): `waiting` orders booked by SMS over the last 10 days,
        # appointments on the next working days (4 per technician-day): who answers.
        rng = random.Random(f"compare:{args.seed}")
        ids = [
            r[0]
            for r in trees[1].query(
                "SELECT order_no FROM work_order WHERE street != '' AND mobile IS NOT NULL "
                "AND no_sms = 0 ORDER BY id"
            )
        ]
        chosen = rng.sample(ids, waiting + day_orders)
        history, day1 = chosen[:waiting], chosen[waiting:]
        now_utc = now_local.replace(tzinfo=TZ).astimezone(UTC)
        plans = []
        per_day = n_techs * HISTORY_SLOTS
        for d, day in enumerate(history_days_list):
            for j, tech in enumerate(techs):
                i = d * per_day + j * HISTORY_SLOTS
                batch = history[i : i + HISTORY_SLOTS]
                if not batch:
                    break
                at = now_utc - timedelta(days=10) * (1 - i / len(history))
                plans.append(
                    {
                        "tech": tech.id,
                        "date": day.isoformat(),
                        "start": tech.start,
                        "slot_minutes": 60,
                        "orders": batch,
                        "at": at.isoformat(),
                    }
                )
        spec = data / "history.json"
        spec.write_text(json.dumps({"action": "sms_book", "plans": plans}))
        for t in trees:
            t0 = time.perf_counter()
            out = json.loads(t.script("fixture.py", str(spec)).out.strip().splitlines()[-1])
            print(
                f"  set-up {t.label}: {out['done']:,} orders booked by SMS "
                f"({len(plans):,} technician-days, {time.perf_counter() - t0:.0f} s)"
            )

        def import_note(t: Tree, ms) -> str:
            lines = [x.strip() for x in ms[-1].out.splitlines() if x.strip()]
            said = [x for x in lines if "unchanged" in x] or lines[-1:]  # the summary line
            return " / ".join(x.split("): ", 1)[-1] for x in said)[:200]

        results.append(
            measure(
                trees,
                f"orders import {n:,} again, unchanged",
                lambda t: [["orders", "import", str(data / "orders.csv")]],
                args.rounds,
                check=import_note,
            )
        )
        results.append(
            measure(
                trees,
                f"orders import {n:,} again, {n_changed:,} changed ({args.changed:.0%})",
                lambda t: [["orders", "import", str(data / "orders-changed.csv")]],
                args.rounds,
                check=import_note,
            )
        )

        # A day of `day_orders` orders, 8 a technician, then ONE lock naming them all.
        def assign_calls(t: Tree) -> list[list[str]]:
            return [
                ["assign", *day1[j * SLOTS : (j + 1) * SLOTS], "--tech", tech.id,
                 "--date", lock_day.isoformat(), "--start", tech.start, "--slot", "1h"]
                for j, tech in enumerate(techs)
                if day1[j * SLOTS : (j + 1) * SLOTS]
            ]  # fmt: skip

        n_assign = len(assign_calls(trees[0]))
        results.append(
            measure(
                trees,
                f"assign {len(day1):,} orders ({n_assign} processes, one per technician-day)",
                assign_calls,
                args.rounds,
            )
        )

        def lock_note(t: Tree, ms) -> str:
            out = json.loads(ms[-1].out)
            return f"locked {len(out['locked']):,}, refused {len(out['refused']):,}"

        results.append(
            measure(
                trees,
                f"lock {len(day1):,} orders named on one command line",
                lambda t: [["lock", *day1, "--json"]],
                args.rounds,
                check=lock_note,
            )
        )

        # Replies, per tree from its own booking codes (same seed, same mix).
        for t in trees:
            targets = reply_targets(t, now_local, n_replies)
            gen.write_replies(t.folder / "svar.csv", gen.reply_rows(targets, n_replies, now_local))

        def replies_note(t: Tree, ms) -> str:
            out = json.loads(ms[-1].out)
            outcomes = out.get("outcomes", [])
            if isinstance(outcomes, list):
                tally: dict[str, int] = {}
                for o in outcomes:
                    tally[str(o)] = tally.get(str(o), 0) + 1
                outcomes = tally
            top = sorted(outcomes.items(), key=lambda kv: -kv[1])[:4]
            return f"new {out.get('new', '?')}: " + ", ".join(f"{k} {v}" for k, v in top)

        results.append(
            measure(
                trees,
                f"replies ingest {n_replies:,} replies",
                lambda t: [["replies", "ingest", "svar.csv", "--json"]],
                args.rounds,
                check=replies_note,
            )
        )
        results.append(
            measure(
                trees,
                "replies ingest, the same file again",
                lambda t: [["replies", "ingest", "svar.csv", "--json"]],
                args.rounds,
                check=lambda t, ms: f"new {json.loads(ms[-1].out).get('new', '?')}",
            )
        )

        def reminders_note(t: Tree, ms) -> str:
            out = json.loads(ms[-1].out)
            kinds: dict[str, int] = {}
            for a in out.get("actions", []):
                kinds[a["kind"]] = kinds.get(a["kind"], 0) + 1
            return ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) or "nothing due"

        at = reminders_now.isoformat(timespec="minutes")
        results.append(
            measure(
                trees,
                f"reminders run (cron, at {at})",
                lambda t: [["reminders", "run", "--now", at, "--json"]],
                args.rounds,
                check=reminders_note,
            )
        )
        results.append(
            measure(
                trees,
                "followup list --json",
                lambda t: [["followup", "list", "--json"]],
                args.rounds,
                writes=False,
                check=lambda t, ms: f"{count_json(ms[-1])} orders",
            )
        )
        results.append(measure(trees, "status", lambda t: [["status"]], args.rounds, writes=False))

        def found(t: Tree, ms) -> str:
            m = t.amsplan("orders", "list", "--text", phone, "--json")
            return f"{count_json(m)} found"

        results.append(
            measure(
                trees,
                f'orders list --text "{phone}"',
                lambda t: [["orders", "list", "--text", phone]],
                args.rounds,
                writes=False,
                check=found,
            )
        )
    finally:
        if args.keep:
            print(f"  (kept {base})")
        else:
            shutil.rmtree(base, ignore_errors=True)

    notes = [
        f"- {r.step}: " + "; ".join(f"{k}: {v}" for k, v in r.note.items() if v)
        for r in results
        if any(r.note.values())
    ]
    return "\n".join(
        [
            f"## Baseline vs current: {n:,} orders",
            "",
            f"Run {started}, {args.rounds} round(s) per step, baseline and current in turn "
            f"(median of the rounds; a step of several processes is their sum). Clock "
            f"AMSPLAN_NOW={os.environ['AMSPLAN_NOW']} (the baseline predates AMSPLAN_NOW "
            "and runs on the real clock; `reminders run` gets `--now` in both).",
            "",
            f"- baseline: `{trees[0].root}` at {trees[0].commit}",
            f"- current: `{trees[1].root}` at {trees[1].commit}",
            f"- machine: {suite.machine()}",
            "",
            f"Scenario: {n_techs} technicians; {waiting:,} orders booked by SMS over the last "
            f"10 days ({HISTORY_SLOTS} a technician-day from {days[0]}, set-up, not measured) "
            f"before the re-imports; the day {lock_day} assigned and locked; replies written "
            "from each tree's own booking codes (same seed).",
            "",
            markdown(results),
            "",
            "What each tree did:",
            "",
            *notes,
            "",
            suite.load_line(),
        ]
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--baseline", type=Path, required=True, help="baseline tree (with .venv)")
    parser.add_argument("--current", type=Path, required=True, help="current tree (with .venv)")
    parser.add_argument("--orders", type=int, default=50_000, help="default 50,000")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each step per tree")
    parser.add_argument(
        "--replies", type=int, default=None, help="replies (default 10,000, at most orders/5)"
    )
    parser.add_argument(
        "--waiting", type=int, default=None, help="orders booked by SMS (default: replies)"
    )
    parser.add_argument("--day-orders", type=int, default=1000, help="orders in the locked day")
    parser.add_argument("--changed", type=float, default=0.01, help="share changed (0.01)")
    parser.add_argument("--seed", type=int, default=gen.SEED)
    parser.add_argument("--workdir", type=Path, default=None, help="where the folders go")
    parser.add_argument("--keep", action="store_true", help="keep the bench folders")
    parser.add_argument("--out", type=Path, default=None, help="write the Markdown here")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    text = compare(args)
    print("\n" + text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
        print(f"\nwrote {args.out}")
    print(f"compare done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()

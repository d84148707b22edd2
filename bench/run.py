#!/usr/bin/env python3
"""The amsplan benchmark suite (issue 6): whole CLI processes at roll-out scale.

    python bench/run.py startup                      # start-up vs `import typer, sqlmodel`
    python bench/run.py letters --sizes 1000,5000    # letters generate vs naive and reportlab
    python bench/run.py db --orders 1000000          # import, lock, replies, reminders, lists
    python bench/run.py all                          # all three, default scales
    python bench/run.py plan [--keep ...]            # issue 15: bench/plan.py

Every measured step is one `amsplan ...` process (the console script next to this
Python, else `python -m amsplan`) in a fresh folder with its own amsplan.toml and SQLite
database: wall time, CPU time (user + sys of the process and the children it waited
for, from os.wait4) and peak RSS (ru_maxrss: the largest single process). Letters also
sample the RSS of the whole process tree (a process pool would otherwise hide memory).
Each run rewrites its section of bench/RESULTS.md with the machine and the goals of
issue 6 (letters: issue 17) next to each figure. See bench/README.md.
"""

from __future__ import annotations

import argparse
import ctypes.util
import json
import math
import os
import platform
import random
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import gen  # noqa: E402  (bench/gen.py, next to this file)

PY = Path(sys.executable)
_SCRIPT = PY.with_name("amsplan")
AMSPLAN = [str(_SCRIPT)] if _SCRIPT.exists() else [str(PY), "-m", "amsplan"]
RESULTS = BENCH / "RESULTS.md"
CHILD_ENV: dict[str, str] = {}  # PYTHONPATH of a --snapshot
SNAPSHOT: list[str] = []  # what the snapshot is, for the machine line
TZ = ZoneInfo("Europe/Oslo")
SLOTS = 8  # a technician's day: 8 one-hour slots (07:30-15:30, as in sample_data)

# Letters: goals of issue 17 (they replace issue 6's 90 letters/s, 3x the naive loop and
# 400 MB, which they imply).
GOAL_LETTERS_AT = 5000  # the rate goal is stated for a batch of this size
GOAL_LETTERS_PER_S = 300
GOAL_LETTERS_VS_REPORTLAB = 1.0
GOAL_LETTERS_VS_NAIVE = 20.0
GOAL_LETTERS_TREE_MB = 300
GOAL_LETTERS_GROWTH = 1.25  # peak memory from the smallest to the largest size: "flat"

# Goals of issue 6.
GOAL_IMPORT_S = 30  # 500,000 orders into a database of 500,000
GOAL_LOCK_S = 2  # a day of 1,000 orders
GOAL_REPLIES_S = 10  # 100,000 replies
GOAL_REMINDERS_S = 5
GOAL_LIST_S = 1  # followup list, status, a filtered orders list
GOAL_STARTUP_RATIO = 1.5


# --------------------------------------------------------------------------- processes


@dataclass
class Measure:
    argv: list[str]
    wall: float
    cpu: float
    rss_mb: float  # ru_maxrss: the largest single process
    rc: int
    out: str
    err: str
    tree_rss_mb: float | None = None  # sampled sum over the process tree


def _tree_rss_kb(root: int) -> int:
    """RSS of `root` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read().decode(errors="replace")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, ()))
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
        except OSError:
            pass
    return total


def run(
    argv: Sequence[str],
    cwd: Path,
    *,
    ok: Sequence[int] = (0,),
    sample_tree: bool = False,
    timeout: float | None = None,
) -> Measure:
    """Run one process to the end and measure it (rusage of exactly this child, by wait4)."""
    env = {k: v for k, v in os.environ.items() if k != "AMSPLAN_CONFIG"}
    env["AMSPLAN_USER"] = "bench"
    env.update(CHILD_ENV)
    peak = [0]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(argv), cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err
        )
        done = threading.Event()
        timer = None
        if timeout:
            timer = threading.Timer(timeout, lambda: os.kill(proc.pid, signal.SIGTERM))
            timer.start()
        sampler = None
        if sample_tree:

            def sample() -> None:
                while not done.wait(0.25):
                    peak[0] = max(peak[0], _tree_rss_kb(proc.pid))

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        done.set()
        if timer:
            timer.cancel()
        if sampler:
            sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        m = Measure(
            list(argv),
            wall,
            usage.ru_utime + usage.ru_stime,
            usage.ru_maxrss / 1024,
            proc.returncode,
            out.read().decode(errors="replace"),
            err.read().decode(errors="replace"),
            max(peak[0] / 1024, usage.ru_maxrss / 1024) if sample_tree else None,
        )
    if m.rc not in ok:
        tail = (m.err or m.out)[-3000:]
        raise SystemExit(f"bench: {' '.join(argv[:6])} ... exited {m.rc}\n{tail}")
    return m


class Workspace:
    """A fresh folder with amsplan.toml (via `amsplan init`) and a SQLite database."""

    def __init__(self, base: Path | None, name: str, keep: bool, profile: Path | None = None):
        if base:
            base.mkdir(parents=True, exist_ok=True)
        self.path = Path(tempfile.mkdtemp(prefix=f"amsplan-bench-{name}-", dir=base))
        self.keep = keep
        self.profile = profile
        self.profiled: list[Path] = []
        self.amsplan("init", "--company", "Hedmark Nett AS")

    def amsplan(self, *args: str, profile_as: str | None = None, **kw) -> Measure:
        argv = AMSPLAN + list(args)
        if self.profile and profile_as:
            self.profile.mkdir(parents=True, exist_ok=True)
            out = self.profile / f"{profile_as}.prof"
            argv = [str(PY), "-m", "cProfile", "-o", str(out), "-m", "amsplan", *args]
            self.profiled.append(out)
        return run(argv, self.path, **kw)

    def parallel(self, calls: list[list[str]], jobs: int, **kw) -> list[Measure]:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            return list(pool.map(lambda args: self.amsplan(*args, **kw), calls))

    def db(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.path / 'amsplan.db'}?mode=ro", uri=True)

    def count(self, sql: str, *params) -> int:
        with self.db() as con:
            return con.execute(sql, params).fetchone()[0]

    def close(self) -> None:
        if self.keep:
            print(f"  (kept {self.path})")
        else:
            shutil.rmtree(self.path, ignore_errors=True)


def take_snapshot(base: Path | None, tries: int = 20) -> Path:
    """Copy src/amsplan (and templates/, as in the wheel) so edits during a run do not count.

    The children import the copy (PYTHONPATH comes before the editable install). A tree
    that does not start (someone is in the middle of an edit) is copied again later.
    """
    if base:
        base.mkdir(parents=True, exist_ok=True)
    for attempt in range(tries):
        folder = Path(tempfile.mkdtemp(prefix="amsplan-snapshot-", dir=base))
        package = folder / "amsplan"
        shutil.copytree(
            ROOT / "src" / "amsplan", package, ignore=shutil.ignore_patterns("__pycache__")
        )
        shutil.copytree(ROOT / "templates", package / "templates")
        env = {**os.environ, "PYTHONPATH": str(folder)}
        probe = subprocess.run(
            [str(PY), "-c", "import amsplan.cli, sys; print(amsplan.cli.__file__)"],
            env=env,
            capture_output=True,
            text=True,
            cwd=folder,
        )
        if probe.returncode == 0 and probe.stdout.startswith(str(folder)):
            CHILD_ENV["PYTHONPATH"] = str(folder)
            SNAPSHOT.append(f"snapshot of the working tree taken {datetime.now():%H:%M}")
            print(f"snapshot: {folder}")
            return folder
        shutil.rmtree(folder, ignore_errors=True)
        print(
            f"snapshot: the working tree does not start ({probe.stderr.strip()[-200:]}); "
            f"trying again in 30 s ({attempt + 1}/{tries})",
            flush=True,
        )
        time.sleep(30)
    raise SystemExit("bench: the working tree never started; no snapshot")


# --------------------------------------------------------------------------- results


@dataclass
class Row:
    step: str
    m: Measure | None = None
    rate: str = ""
    goal: str = ""
    met: bool | None = None
    wall: float | None = None  # overrides m.wall (e.g. a median)
    cpu: float | None = None
    rss: float | None = None
    note: str = ""


def fmt_s(x: float | None) -> str:
    if x is None:
        return ""
    return f"{x:.2f}" if x < 100 else f"{x:.0f}"


def row_cells(r: Row) -> list[str]:
    wall = r.wall if r.wall is not None else (r.m.wall if r.m else None)
    cpu = r.cpu if r.cpu is not None else (r.m.cpu if r.m else None)
    rss = r.rss if r.rss is not None else (r.m.rss_mb if r.m else None)
    if r.m and r.m.tree_rss_mb and r.m.tree_rss_mb > (rss or 0) * 1.05:
        rss_text = f"{rss:.0f} (tree {r.m.tree_rss_mb:.0f})"
    else:
        rss_text = f"{rss:.0f}" if rss is not None else ""
    met = {True: "**met**", False: "**not met**", None: ""}[r.met]
    step = r.step + (f" ({r.note})" if r.note else "")
    return [step, fmt_s(wall), fmt_s(cpu), rss_text, r.rate, r.goal, met]


def table(rows: list[Row]) -> str:
    head = ["step", "wall s", "CPU s", "peak RSS MB", "rate", "goal (issue 6)", "met"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in row_cells(r)) + " |")
    return "\n".join(lines)


def _run_text(argv: list[str]) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def harfbuzz_subset() -> str:
    status = _run_text(
        ["dpkg-query", "-W", "-f=${db:Status-Status} ${Version}", "libharfbuzz-subset0"]
    )
    if status.startswith("installed"):
        return f"libharfbuzz-subset0 {status.split()[-1]} installed"
    lib = ctypes.util.find_library("harfbuzz-subset")
    return f"libharfbuzz-subset found ({lib})" if lib else "libharfbuzz-subset0 NOT installed"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[1])
    except (OSError, TypeError):
        mem_kb = 0
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count()
    from importlib.metadata import PackageNotFoundError, version

    def ver(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "?"

    commit = _run_text(["git", "--no-optional-locks", "rev-parse", "--short", "HEAD"]).strip()
    dirty = _run_text(["git", "--no-optional-locks", "status", "--porcelain", "--", "src"])
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{cpu}, {cores} cores, {mem_kb / 1024 / 1024:.1f} GiB RAM; "
        f"Python {platform.python_version()}, WeasyPrint {ver('weasyprint')}, "
        f"SQLAlchemy {ver('sqlalchemy')}, SQLite {sqlite3.sqlite_version}; {harfbuzz_subset()}; "
        f"amsplan {ver('amsplan')} at commit {commit or '?'}"
        f"{' + uncommitted changes in src/' if dirty.strip() else ''}"
        f"{' (' + SNAPSHOT[0] + ')' if SNAPSHOT else ''}; "
        f"load average at start {load}"
    )


_SECTION = re.compile(r"<!-- bench:(?P<key>[\w.-]+) -->\n.*?<!-- /bench:(?P=key) -->\n", re.S)
_HEADER = """# amsplan benchmark results

Written by `bench/run.py` (see `bench/README.md`); each section is replaced when its
benchmark runs again, so this file holds the latest run of each part. Every step is one
whole `amsplan` process: **wall** = elapsed seconds, **CPU** = user + sys seconds of the
process (and the children it waited for), **peak RSS** = the largest single process
(`ru_maxrss`; "tree" = sampled sum over the process tree when that is larger). Goals are
those of issue 6 (a two-core machine).

"""


def _section_order(key: str) -> tuple:
    kind, _, scale = key.partition("-")
    order = {"startup": 0, "letters": 1, "db": 2}.get(kind, 3)
    return (order, int(scale.split("-")[0]) if scale.split("-")[0].isdigit() else 0, key)


def write_section(key: str, body: str, path: Path = RESULTS) -> None:
    sections: dict[str, str] = {}
    if path.exists():
        for m in _SECTION.finditer(path.read_text(encoding="utf-8")):
            sections[m["key"]] = m[0]
    sections[key] = f"<!-- bench:{key} -->\n{body.rstrip()}\n<!-- /bench:{key} -->\n"
    text = _HEADER + "\n".join(sections[k] for k in sorted(sections, key=_section_order))
    path.write_text(text, encoding="utf-8")
    print(f"\nwrote section {key!r} of {path}")


def load_line() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"Load average at the end: {load} (1, 5, 15 min; on {os.cpu_count()} cores, other "
        "work on the machine shows as wall time above CPU time)."
    )


def show(r: Row) -> None:
    cells = row_cells(r)
    print(
        f"  {cells[0]:<58} wall {cells[1]:>7}  cpu {cells[2]:>7}  rss {cells[3]:>6}  "
        f"{cells[4]}  {cells[6]}",
        flush=True,
    )


def median_row(step: str, ms: list[Measure], jobs: int = 1) -> Row:
    """One row for many runs of a set-up command (run `jobs` at a time)."""
    return Row(
        f"{step}, median of {len(ms)}",
        wall=statistics.median(m.wall for m in ms),
        cpu=statistics.median(m.cpu for m in ms),
        rss=max(m.rss_mb for m in ms),
        rate=f"sum of walls {sum(m.wall for m in ms):.0f} s",
        note=f"{jobs} at a time: wall includes waiting for the other's write lock"
        if jobs > 1
        else "",
    )


def report_profiles(ws: Workspace) -> None:
    import pstats

    for prof in ws.profiled:
        text_path = prof.with_suffix(".txt")
        with open(text_path, "w") as f:
            stats = pstats.Stats(str(prof), stream=f).strip_dirs()
            f.write("== by internal time ==\n")
            stats.sort_stats("tottime").print_stats(30)
            f.write("== by cumulative time ==\n")
            stats.sort_stats("cumulative").print_stats(40)
        print(f"  profile: {prof} (top functions in {text_path})")


# --------------------------------------------------------------------------- calendar


def workdays(start: date, count: int) -> list[date]:
    """`count` weekdays from `start` on that are not Norwegian public holidays (amsplan
    refuses to plan those; the same lookup as amsplan's)."""
    from amsplan.domain.holidays import public_holiday

    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5 and not public_holiday("NO", day):
            days.append(day)
        day += timedelta(days=1)
    return days


def today() -> date:
    return datetime.now(TZ).date()


# --------------------------------------------------------------------------- startup


def run_line() -> str:
    """When and where: taken at the start of a benchmark."""
    return f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z} on: {machine()}"


def bench_startup(args) -> None:
    started = run_line()
    print("\n== startup ==", flush=True)
    ws = Workspace(args.workdir, "startup", args.keep)
    try:
        ws.amsplan("techs", "import", str(ROOT / "sample_data" / "technicians.csv"))
        ws.amsplan("orders", "import", str(ROOT / "sample_data" / "orders.csv"))
        commands = {
            'python -c "import typer, sqlmodel"': [str(PY), "-c", "import typer, sqlmodel"],
            "amsplan --version": AMSPLAN + ["--version"],
            "amsplan status (360 orders)": AMSPLAN + ["status"],
        }
        for argv in commands.values():  # warm the page cache and .pyc files
            run(argv, ws.path)
        runs: dict[str, list[Measure]] = {k: [] for k in commands}
        for _ in range(args.runs):  # interleaved, so drifting load hits all alike
            for name, argv in commands.items():
                runs[name].append(run(argv, ws.path))
        base_name = next(iter(commands))
        base = statistics.median(m.wall for m in runs[base_name])
        rows = []
        for name, ms in runs.items():
            wall = statistics.median(m.wall for m in ms)
            r = Row(
                f"{name}, median of {len(ms)}",
                wall=wall,
                cpu=statistics.median(m.cpu for m in ms),
                rss=max(m.rss_mb for m in ms),
            )
            if name != base_name:
                r.rate = f"{wall / base:.2f}x the import"
                r.goal = f"≤ {GOAL_STARTUP_RATIO}x the import"
                r.met = wall / base <= GOAL_STARTUP_RATIO
            rows.append(r)
            show(r)
        first_order = "AMS-2026-000116"
        checks = {
            "--version": ["--version"],
            "status": ["status"],
            "followup list": ["followup", "list"],
            "techs list": ["techs", "list"],
            "orders show": ["orders", "show", first_order],
            "reminders run --dry-run": ["reminders", "run", "--dry-run"],
            "sms list": ["sms", "list"],
            "replies unmatched": ["replies", "unmatched"],
            "letters pending": ["letters", "pending"],
            "workflow show": ["workflow", "show"],
        }
        imports: dict[str, dict[str, int]] = {}
        for name, cmd in checks.items():
            m = run([str(PY), "-X", "importtime", "-m", "amsplan", *cmd], ws.path, ok=(0, 1, 4))
            imports[name] = parse_importtime(m.err)
        heavy = ("weasyprint", "pypdf", "pydyf", "fontTools", "cssselect2", "tinycss2", "psycopg")
        lines = []
        all_ok = True
        for name, mods in imports.items():
            found = [h for h in heavy if h in mods]
            if "weasyprint" in found:
                all_ok = False
            lines.append(f"| `amsplan {name}` | {', '.join(found) or '–'} |")
            print(f"  imports of amsplan {name}: heavy: {', '.join(found) or 'none'}")
        status_mods = imports["status"]
        top = sorted(status_mods.items(), key=lambda kv: -kv[1])[:12]
        body = [
            "## Start-up",
            "",
            f"Run {started}.",
            "",
            f"Median of {args.runs} interleaved runs each, after one warm-up run; small "
            "database (sample_data: 360 orders, 6 technicians).",
            "",
            table(rows),
            "",
            load_line(),
            "",
            "Goal: a command that renders nothing never imports WeasyPrint: "
            + ("**met**" if all_ok else "**not met**")
            + " (`python -X importtime -m amsplan ...`; heavy packages each command imports):",
            "",
            "| command | heavy packages imported |",
            "|---|---|",
            *lines,
            "",
            f"Heaviest packages imported by `amsplan status` (own import time of their "
            f"modules, `-X importtime`, which itself slows imports down; all packages "
            f"together {sum(status_mods.values()) / 1000:.0f} ms):",
            "",
            "| package | ms |",
            "|---|---|",
            *[f"| {mod} | {us / 1000:.0f} |" for mod, us in top],
        ]
        for mod, us in top:
            print(f"    {mod:<30} {us / 1000:7.0f} ms")
        if not args.no_write:
            write_section("startup", "\n".join(body))
    finally:
        ws.close()


def parse_importtime(stderr: str) -> dict[str, int]:
    """{top-level package: µs spent importing its modules} from `-X importtime` output.

    Sums each module's own ("self") time under its top-level package, so the figures
    add up to the whole import time and a package imported by another counts as itself.
    """
    out: dict[str, int] = {}
    for line in stderr.splitlines():
        parts = line.split("|")
        if not line.startswith("import time:") or len(parts) != 3 or "cumulative" in line:
            continue
        try:
            own = int(parts[0].removeprefix("import time:"))
        except ValueError:
            continue
        top = parts[2].strip().split(".")[0]
        out[top] = out.get(top, 0) + own
    return out


# --------------------------------------------------------------------------- letters


def letters_setup(ws: Workspace, n: int, n_techs: int, args) -> list[Row]:
    """n orders on technician-days of 8, assigned and locked: n letters ready to print."""
    rows: list[Row] = []
    techs = gen.technicians(n_techs, args.seed)
    gen.write_techs(ws.path / "technicians.csv", techs)
    gen.write_orders(ws.path / "orders.csv", n, seed=args.seed, empty_address_share=0)
    ws.amsplan("techs", "import", "technicians.csv")
    m = ws.amsplan("orders", "import", "orders.csv")
    rows.append(Row(f"orders import {n:,}", m, rate=f"{n / m.wall:,.0f} orders/s"))
    days = workdays(today() + timedelta(days=14), math.ceil(n / (SLOTS * n_techs)))
    plans, serial = [], 1
    for day in days:
        for t in techs:
            if serial > n:
                break
            batch = [gen.order_no(s) for s in range(serial, min(serial + SLOTS, n + 1))]
            serial += len(batch)
            plans.append((t, day, batch))
    if args.setup == "fixture":
        spec = {
            "action": "lock",
            "plans": [
                {
                    "tech": t.id,
                    "date": day.isoformat(),
                    "start": t.start,
                    "slot_minutes": 60,
                    "orders": batch,
                    "at": datetime.now(UTC).isoformat(),
                }
                for t, day, batch in plans
            ],
        }
        (ws.path / "plans.json").write_text(json.dumps(spec))
        m = run([str(PY), str(BENCH / "fixture.py"), "plans.json"], ws.path)
        rows.append(Row(f"assign + lock {len(plans)} technician-days in one process", m))
    else:
        assign = ws.parallel(
            [
                [
                    "assign",
                    *batch,
                    "--tech",
                    t.id,
                    "--date",
                    day.isoformat(),
                    "--start",
                    t.start,
                    "--slot",
                    "1h",
                ]
                for t, day, batch in plans
            ],
            args.jobs,
        )
        rows.append(median_row("amsplan assign (8 orders, one technician-day)", assign, args.jobs))
        lock = ws.parallel(
            [["lock", "--tech", t.id, "--date", day.isoformat()] for t, day, _ in plans],
            args.jobs,
        )
        rows.append(median_row("amsplan lock --tech --date (8 orders)", lock, args.jobs))
    ready = ws.count("SELECT count(*) FROM work_order WHERE status = 'ready_to_print'")
    if ready != n:
        raise SystemExit(f"bench: {ready} orders ready to print, expected {n}")
    return rows


@dataclass
class Contender:
    """One way of making the letters, measured (the round with the median wall time)."""

    name: str
    letters: int
    m: Measure
    load: float  # 1-minute load average just before
    mean_bytes: float
    max_bytes: int
    walls: list[float]  # of every round

    @property
    def rate(self) -> float:
        return self.letters / self.m.wall

    @property
    def per_cpu(self) -> float:
        return self.letters / self.m.cpu

    @property
    def peak_mb(self) -> float:
        return max(self.m.rss_mb, self.m.tree_rss_mb or 0)


def pdf_sizes(folder: Path) -> list[int]:
    return [p.stat().st_size for p in folder.glob("*.pdf")]


BEFORE_LETTERS = "amsplan.db.before-letters"  # the bench database before letters generate


@dataclass
class LetterRun:
    """A contender to measure: `argv` writes `expected` letters into `out`."""

    name: str
    argv: list[str]
    out: Path
    expected: int


def restore_db(db: Path) -> None:
    """The bench database as it was before letters were made (from BEFORE_LETTERS)."""
    for extra in ("-wal", "-shm", "-journal"):
        Path(f"{db}{extra}").unlink(missing_ok=True)
    shutil.copyfile(db.with_name(BEFORE_LETTERS), db)


def measure_letters(runs: list[LetterRun], cwd: Path, rounds: int, db: Path) -> list[Contender]:
    """Each contender `rounds` times, interleaved (round after round, so drifting load
    hits all alike), each time into an empty folder and on the database `db` as it was
    before letters were made, checking the number of letters; of each, the round with the
    median wall time (for an even count, the slower middle one)."""
    done: dict[str, list[tuple[Measure, float, list[int]]]] = {r.name: [] for r in runs}
    for _ in range(rounds):
        for r in runs:
            shutil.rmtree(r.out, ignore_errors=True)
            restore_db(db)
            load = os.getloadavg()[0]
            m = run(r.argv, cwd, sample_tree=True)
            sizes = pdf_sizes(r.out)
            if len(sizes) != r.expected:
                raise SystemExit(f"bench: {r.name} wrote {len(sizes)} letters, not {r.expected}")
            done[r.name].append((m, load, sizes))
            print(
                f"  {r.name:<34} {r.expected:>6,} letters  wall {m.wall:7.2f}  cpu {m.cpu:7.2f}"
                f"  {r.expected / m.wall:7.1f} letters/s  tree {m.tree_rss_mb:4.0f} MB  "
                f"mean {statistics.mean(sizes):,.0f} B  load {load:.2f}",
                flush=True,
            )
    out = []
    for r in runs:
        walls = [m.wall for m, _, _ in done[r.name]]
        m, load, sizes = sorted(done[r.name], key=lambda x: x[0].wall)[len(walls) // 2]
        out.append(
            Contender(r.name, r.expected, m, load, statistics.mean(sizes), max(sizes), walls)
        )
    return out


def contenders_table(cs: list[Contender]) -> str:
    head = [
        "contender",
        "letters",
        "wall s",
        "CPU s",
        "cores busy",
        "letters/s",
        "per CPU-s",
        "peak tree MB",
        "mean file B",
        "max file B",
        "load before",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for c in cs:
        walls = "" if len(c.walls) < 2 else " (" + ", ".join(fmt_s(w) for w in c.walls) + ")"
        cells = [
            c.name,
            f"{c.letters:,}",
            fmt_s(c.m.wall) + walls,
            fmt_s(c.m.cpu),
            f"{c.m.cpu / c.m.wall:.2f}",
            f"**{c.rate:.1f}**",
            f"{c.per_cpu:.1f}",
            f"{c.peak_mb:.0f}",
            f"{c.mean_bytes:,.0f}",
            f"{c.max_bytes:,}",
            f"{c.load:.2f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def goals_table(goals: list[tuple[str, str, bool | None]]) -> str:
    lines = ["| goal (issue 17) | measured | met |", "|---|---|---|"]
    for goal, measured, met in goals:
        verdict = {True: "**met**", False: "**not met**", None: "not compared"}[met]
        lines.append(f"| {goal} | {measured} | {verdict} |")
    return "\n".join(lines)


def letters_goals(
    n: int, naive: Contender, rl: Contender, ams: Contender, baseline_bytes: int
) -> list[tuple[str, str, bool | None]]:
    """Issue 17's letters goals that one size decides (the growth needs two sizes)."""
    at = "" if n == GOAL_LETTERS_AT else f"; the goal is at {GOAL_LETTERS_AT:,}, indicative"
    vs_rl, vs_naive = ams.rate / rl.rate, ams.rate / naive.rate
    size_goal = (
        f"mean letter file ≤ today's ({baseline_bytes:,} B)"
        if baseline_bytes
        else ("letter files no larger than today's (`--baseline-file-size`)")
    )
    return [
        (
            f"≥ {GOAL_LETTERS_PER_S} letters/s at {GOAL_LETTERS_AT:,} letters",
            f"{ams.rate:.1f} letters/s at {n:,}{at}",
            ams.rate >= GOAL_LETTERS_PER_S,
        ),
        (
            f"≥ {GOAL_LETTERS_VS_REPORTLAB:.1f}x the reportlab baseline",
            f"{vs_rl:.2f}x (per CPU-second {ams.per_cpu / rl.per_cpu:.2f}x)",
            vs_rl >= GOAL_LETTERS_VS_REPORTLAB,
        ),
        (
            f"≥ {GOAL_LETTERS_VS_NAIVE:.0f}x the naive loop",
            f"{vs_naive:.1f}x (per CPU-second {ams.per_cpu / naive.per_cpu:.1f}x; the naive "
            f"rate on {naive.letters:,} letters)",
            vs_naive >= GOAL_LETTERS_VS_NAIVE,
        ),
        (
            f"peak memory of the process tree < {GOAL_LETTERS_TREE_MB} MB",
            f"{ams.peak_mb:.0f} MB (reportlab {rl.peak_mb:.0f}, naive {naive.peak_mb:.0f})",
            ams.peak_mb < GOAL_LETTERS_TREE_MB,
        ),
        (
            size_goal,
            f"mean {ams.mean_bytes:,.0f} B, max {ams.max_bytes:,} B",
            round(ams.mean_bytes) <= baseline_bytes if baseline_bytes else None,
        ),
    ]


def bench_letters(args) -> None:
    started = run_line()
    sizes = [int(s) for s in args.sizes.split(",")]
    key = "letters-" + "-".join(str(s) for s in sizes)
    peaks: dict[int, float] = {}
    rounds = max(1, args.rounds)
    body = [
        f"## Letters (goals of issue 17): {', '.join(f'{s:,}' for s in sizes)} letters",
        "",
        f"Run {started}.",
        "",
        "Set-up per size: N orders (all with full address), "
        f"{args.techs} technicians, 8 one-hour slots a day, each technician-day "
        + (
            "assigned and locked by `bench/fixture.py` (the same service calls in one process)"
            if args.setup == "fixture"
            else f"assigned with `amsplan assign` and locked with `amsplan lock --tech --date` "
            f"({args.jobs} at a time)"
        )
        + ". Then, on the same ready-to-print orders, one after the other"
        + (
            f", {rounds} rounds interleaved (the round with the median wall time is shown, "
            "with every round's wall time)"
            if rounds > 1
            else ""
        )
        + ": the naive loop `bench/naive_letters.py` (one Jinja render + one WeasyPrint "
        "`write_pdf` per letter, same template and CSS, one process"
        + (f", timed on at most {args.baseline_limit:,} letters" if args.baseline_limit else "")
        + "); the reportlab baseline `bench/reportlab_letters.py` (the same page drawn by "
        "hand with reportlab, DejaVu fonts embedded and subset, a process pool of the "
        "usable CPUs, fsync per chunk of 50); `amsplan letters generate"
        + (" --combined" if args.combined else "")
        + "`; each run on a copy of the database as it was before. Each is one whole "
        "process: letters/s = letters / wall time; per CPU-s = letters / CPU time (user + "
        "sys of the process and its children: what one busy core makes, less affected by "
        "other work on the machine); peak tree = the largest sum of RSS over the process "
        "and its children, sampled every 0.25 s; file sizes of the PDFs written.",
    ]
    for n in sizes:
        print(f"\n== letters {n:,} ==", flush=True)
        ws = Workspace(args.workdir, f"letters{n}", args.keep, args.profile)
        try:
            setup = letters_setup(ws, n, args.techs, args)
            for r in setup:
                show(r)
            limit = min(n, args.baseline_limit) if args.baseline_limit else n
            naive_argv = [
                str(PY),
                str(BENCH / "naive_letters.py"),
                str(ws.path),
                str(ws.path / "naive"),
                "--limit",
                str(limit),
            ]
            db = ws.path / "amsplan.db"
            shutil.copyfile(db, ws.path / BEFORE_LETTERS)
            gen_args = ["letters", "generate"] + (["--combined"] if args.combined else [])
            if ws.profile:
                ws.amsplan(*gen_args, profile_as=f"letters-{n}")
            runs = [
                LetterRun(
                    "naive loop (WeasyPrint per letter)", naive_argv, ws.path / "naive", limit
                )
            ]
            if args.css_once:
                runs.append(
                    LetterRun(
                        "naive loop, CSS parsed once",
                        naive_argv + ["--css-once"],
                        ws.path / "naive",
                        limit,
                    )
                )
            rl_argv = [
                str(PY),
                str(BENCH / "reportlab_letters.py"),
                str(ws.path),
                str(ws.path / "rl"),
            ]
            runs += [
                LetterRun("reportlab, drawn by hand", rl_argv, ws.path / "rl", n),
                LetterRun(
                    "**amsplan letters generate**", AMSPLAN + gen_args, ws.path / "letters", n
                ),
            ]
            contenders = measure_letters(runs, ws.path, rounds, db)
            naive, rl, ams = contenders[0], contenders[-2], contenders[-1]
            rl_info = json.loads(rl.m.out.strip().splitlines()[-1])
            notes = []
            if rl_info["not_fitting"]:
                notes.append(
                    f"reportlab: {rl_info['not_fitting']:,} letters had a field too long for "
                    "its place (drawn cut or running over; amsplan lays such letters out whole)."
                )
            if not rl_info["rl_accel"]:
                notes.append(
                    "reportlab ran WITHOUT its C accelerator (rl_accel): a slower baseline "
                    "than it should be; `pip install -e '.[bench]'`."
                )
            for note in notes:
                print(f"  {note}")
            peaks[n] = ams.peak_mb
            goals = letters_goals(n, naive, rl, ams, args.baseline_file_size)
            for goal, measured, met in goals:
                print(f"  {goal:<58} {measured}  {met}")
            body += [
                "",
                f"### {n:,} letters",
                "",
                "Set-up: "
                + "; ".join(
                    f"{r.step}: {fmt_s(r.wall if r.wall is not None else r.m.wall)} s"
                    for r in setup
                )
                + ".",
                "",
                contenders_table(contenders),
                "",
                *([" ".join(notes), ""] if notes else []),
                goals_table(goals),
                "",
                load_line(),
            ]
            if ws.profile:
                report_profiles(ws)
        finally:
            ws.close()
    if len(peaks) > 1:
        small, large = min(peaks), max(peaks)
        growth = peaks[large] / peaks[small]
        body += [
            "",
            goals_table(
                [
                    (
                        f"peak tree memory flat from {small:,} to {large:,} letters "
                        f"(< {GOAL_LETTERS_GROWTH - 1:.0%} growth)",
                        f"{peaks[small]:.0f} → {peaks[large]:.0f} MB ({growth:.2f}x)",
                        growth < GOAL_LETTERS_GROWTH,
                    )
                ]
            ),
        ]
        print(f"  peak memory {small} -> {large}: {growth:.2f}x")
    if not args.no_write and not args.profile:
        write_section(key, "\n".join(body))


# --------------------------------------------------------------------------- db


def _local_iso(stored: str | None, fallback: datetime) -> datetime:
    if not stored:
        return fallback
    moment = datetime.fromisoformat(stored)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(TZ).replace(tzinfo=None)


def bench_db(args) -> None:
    started = run_line()
    n = args.orders
    half = n // 2
    n_replies = args.replies if args.replies is not None else min(100_000, n // 10)
    waiting = args.waiting if args.waiting is not None else n_replies
    day_orders = args.day_orders
    n_techs = math.ceil(day_orders / SLOTS)
    if waiting + 2 * day_orders > n * 0.8:
        raise SystemExit("bench: --orders too small for --waiting and --day-orders")
    print(f"\n== db {n:,} orders ==", flush=True)
    ws = Workspace(args.workdir, f"db{n}", args.keep, args.profile)
    rows: list[Row] = []
    notes: list[str] = []
    scale_note = "" if n >= 1_000_000 else f" (goal is at 1,000,000; here {n:,})"
    try:
        t0 = time.perf_counter()
        techs = gen.technicians(n_techs, args.seed)
        gen.write_techs(ws.path / "technicians.csv", techs)
        gen.write_orders(ws.path / "orders-a.csv", half, 1, args.seed)
        gen.write_orders(ws.path / "orders-b.csv", n - half, half + 1, args.seed)
        notes.append(
            f"Generating the two order files ({n:,} rows) took {time.perf_counter() - t0:.0f} s "
            f"({(ws.path / 'orders-a.csv').stat().st_size / 1e6:.0f} MB each)."
        )
        ws.amsplan("techs", "import", "technicians.csv")

        m = ws.amsplan("orders", "import", "orders-a.csv", profile_as="import-a")
        rows.append(
            Row(
                f"orders import {half:,} into an empty database",
                m,
                rate=f"{half / m.wall:,.0f} orders/s",
            )
        )
        show(rows[-1])
        m = ws.amsplan("orders", "import", "orders-b.csv", profile_as="import-b")
        rate = (n - half) / m.wall
        goal_rate = 500_000 / GOAL_IMPORT_S
        rows.append(
            Row(
                f"**orders import {n - half:,} into a database of {half:,}**",
                m,
                rate=f"{rate:,.0f} orders/s",
                goal=f"500,000 in ≤ {GOAL_IMPORT_S} s (≥ {goal_rate:,.0f} orders/s)",
                met=rate >= goal_rate,
            )
        )
        show(rows[-1])

        # Who gets booked: orders with a street (lock needs one) and a mobile (SMS booking).
        rng = random.Random(f"db:{args.seed}")
        with ws.db() as con:
            ids = [
                r[0]
                for r in con.execute(
                    "SELECT order_no FROM work_order WHERE street != '' AND mobile IS NOT NULL "
                    "AND no_sms = 0 ORDER BY id"
                )
            ]
        chosen = rng.sample(ids, waiting + 2 * day_orders)
        history, day1, day2 = (
            chosen[:waiting],
            chosen[waiting : waiting + day_orders],
            chosen[waiting + day_orders :],
        )

        # History: `waiting` orders booked by SMS over the last 10 days, appointments from
        # tomorrow on (working days that are not public holidays, as amsplan plans them;
        # 8 per technician), written in bulk in one process (see fixture.py).
        now_utc = datetime.now(UTC)
        per_day = n_techs * SLOTS
        days = gen.working_days(today() + timedelta(days=1), math.ceil(waiting / per_day) + 2)
        plans = []
        for day, i in zip(days, range(0, len(history), per_day), strict=False):
            for j, t in enumerate(techs):
                batch = history[i + j * SLOTS : i + (j + 1) * SLOTS]
                if not batch:
                    break
                at = now_utc - timedelta(days=10) + timedelta(days=10) * (i / len(history))
                plans.append(
                    {
                        "tech": t.id,
                        "date": day.isoformat(),
                        "start": t.start,
                        "slot_minutes": 60,
                        "orders": batch,
                        "at": at.isoformat(),
                    }
                )
        (ws.path / "history.json").write_text(json.dumps({"action": "sms_book", "plans": plans}))
        m = run([str(PY), str(BENCH / "fixture.py"), "history.json"], ws.path)
        summary = json.loads(m.out.strip().splitlines()[-1])
        rows.append(
            Row(
                f"set-up: {summary['done']:,} orders booked by SMS over 10 days "
                f"({len(plans):,} technician-days, in bulk in one process)",
                m,
            )
        )
        show(rows[-1])

        # The day to lock: 1,000 orders on n_techs technicians (the next two working days).
        d1, d2 = days[-2:]

        def assign_calls(orders: list[str], d: date) -> list[list[str]]:
            return [
                [
                    "assign",
                    *orders[j * SLOTS : (j + 1) * SLOTS],
                    "--tech",
                    t.id,
                    "--date",
                    d.isoformat(),
                    "--start",
                    t.start,
                    "--slot",
                    "1h",
                ]
                for j, t in enumerate(techs)
                if orders[j * SLOTS : (j + 1) * SLOTS]
            ]

        ms = ws.parallel(assign_calls(day1, d1), args.jobs)
        rows.append(median_row("amsplan assign (8 orders, one technician-day)", ms, args.jobs))
        show(rows[-1])
        m = ws.amsplan("lock", *day1, "--json", profile_as="lock-day")
        locked = json.loads(m.out)
        rows.append(
            Row(
                f"**amsplan lock** of a day: {len(locked['locked']):,} orders named on one "
                "command line",
                m,
                rate=f"{len(locked['locked']) / m.wall:,.0f} orders/s",
                goal=f"≤ {GOAL_LOCK_S} s",
                met=m.wall <= GOAL_LOCK_S and not locked["refused"],
            )
        )
        show(rows[-1])
        if not args.no_per_tech_lock:
            ws.parallel(assign_calls(day2, d2), args.jobs)
            t_lock = time.perf_counter()
            ms = ws.parallel(
                [["lock", "--tech", t.id, "--date", d2.isoformat()] for t in techs], args.jobs
            )
            t_lock = time.perf_counter() - t_lock
            r = median_row(
                f"amsplan lock --tech --date (8 orders; the next day, {len(ms)} technicians)",
                ms,
                args.jobs,
            )
            r.rate += f"; the whole day locked in {t_lock:.0f} s"
            rows.append(r)
            show(rows[-1])

        # Replies: codes from the database (SMS-booked orders wait; locked ones do not yet).
        now_local = datetime.now(TZ).replace(tzinfo=None)
        with ws.db() as con:
            targets = [
                gen.Target(
                    no,
                    code,
                    mobile,
                    _local_iso(since, now_local - timedelta(hours=3)),
                    status == "awaiting_response",
                )
                for no, code, mobile, status, since in con.execute(
                    "SELECT order_no, booking_code, mobile, status, awaiting_since "
                    "FROM work_order WHERE booking_code IS NOT NULL ORDER BY id"
                )
            ]
        # Only a few early answers to letters not yet sent.
        early = [t for t in targets if not t.awaiting][: max(1, n_replies // 200)]
        targets = [t for t in targets if t.awaiting] + early
        reply_rows = gen.reply_rows(targets, n_replies, now_local, args.seed)
        gen.write_replies(ws.path / "svar.csv", reply_rows)
        m = ws.amsplan("replies", "ingest", "svar.csv", "--json", profile_as="replies")
        outcome = json.loads(m.out)
        rate = outcome["new"] / m.wall
        goal_rate = 100_000 / GOAL_REPLIES_S
        rows.append(
            Row(
                f"**amsplan replies ingest** {len(reply_rows):,} replies",
                m,
                rate=f"{rate:,.0f} replies/s",
                goal=f"100,000 in ≤ {GOAL_REPLIES_S} s (≥ {goal_rate:,.0f}/s)",
                met=rate >= goal_rate,
            )
        )
        show(rows[-1])
        notes.append(
            "Reply outcomes: "
            + ", ".join(f"{k} {v:,}" for k, v in Counter(outcome["outcomes"]).most_common())
            + "."
        )
        m = ws.amsplan("replies", "ingest", "svar.csv", "--json")
        rows.append(
            Row(
                "amsplan replies ingest, the same file again",
                m,
                rate=f"{len(reply_rows) / m.wall:,.0f} lines/s",
            )
        )
        show(rows[-1])

        # Reminders, as cron runs them (no terminal: quiet on success).
        before = ws.count("SELECT count(*) FROM history WHERE transition = 'booking_reminder'")
        sms_before = ws.count("SELECT count(*) FROM sms WHERE kind = 'appointment_reminder'")
        m = ws.amsplan("reminders", "run", profile_as="reminders")
        booking = (
            ws.count("SELECT count(*) FROM history WHERE transition = 'booking_reminder'") - before
        )
        appointment = (
            ws.count("SELECT count(*) FROM sms WHERE kind = 'appointment_reminder'") - sms_before
        )
        rows.append(
            Row(
                f"**amsplan reminders run**: {booking:,} booking + {appointment:,} appointment "
                "reminders",
                m,
                goal=f"≤ {GOAL_REMINDERS_S} s",
                met=m.wall <= GOAL_REMINDERS_S,
            )
        )
        show(rows[-1])
        m = ws.amsplan("reminders", "run", profile_as="reminders-again")
        rows.append(
            Row(
                "**amsplan reminders run** again (nothing due)",
                m,
                goal=f"≤ {GOAL_REMINDERS_S} s",
                met=m.wall <= GOAL_REMINDERS_S,
            )
        )
        show(rows[-1])

        m = ws.amsplan("followup", "list", profile_as="followup-list")
        found = re.search(r"(\d+) orders need follow-up", m.out)
        rows.append(
            Row(
                f"**amsplan followup list** ({int(found[1]) if found else '?':,} orders)",
                m,
                goal=f"≤ {GOAL_LIST_S} s",
                met=m.wall <= GOAL_LIST_S,
            )
        )
        show(rows[-1])
        m = ws.amsplan("status", profile_as="status")
        rows.append(
            Row("**amsplan status**", m, goal=f"≤ {GOAL_LIST_S} s", met=m.wall <= GOAL_LIST_S)
        )
        show(rows[-1])
        filtered, label = filtered_list(ws, techs[0].id, d1)
        m = ws.amsplan(*filtered, profile_as="filtered-list")
        rows.append(Row(f"**{label}**", m, goal=f"≤ {GOAL_LIST_S} s", met=m.wall <= GOAL_LIST_S))
        show(rows[-1])
        m = ws.amsplan("followup", "list", "--tech", techs[0].id)
        rows.append(Row(f"amsplan followup list --tech {techs[0].id}", m))
        show(rows[-1])
        m = ws.amsplan("sms", "export", "sms-out/")
        queued = ws.count("SELECT count(*) FROM sms WHERE status = 'exported'")
        rows.append(Row(f"amsplan sms export ({queued:,} messages)", m))
        show(rows[-1])

        with ws.db() as con:
            counts = con.execute(
                "SELECT status, count(*) FROM work_order GROUP BY status ORDER BY 2 DESC"
            ).fetchall()
            totals = {
                t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608
                for t in ("history", "booking_code", "reply", "sms", "comment")
            }
        size_mb = sum(p.stat().st_size for p in ws.path.glob("amsplan.db*")) / 1e6
        notes.append(
            f"Database at the end: {size_mb:,.0f} MB; orders by status: "
            + ", ".join(f"{s} {c:,}" for s, c in counts)
            + "; rows: "
            + ", ".join(f"{t} {c:,}" for t, c in totals.items())
            + "."
        )
        body = [
            f"## Database: {n:,} orders",
            "",
            f"Run {started}.",
            "",
            f"Scenario: import {half:,} orders (`bench/gen.py`, the customer system's "
            f"format), then {n - half:,} more into that database; {len(techs)} technicians; "
            f"a history of {waiting:,} orders booked by SMS over the last 10 days, built "
            "with the same service calls in one process (`bench/fixture.py`, not a goal); a "
            f"day of {day_orders:,} orders assigned with `amsplan assign` per technician "
            "and locked with ONE `amsplan lock ORDER...` (what a planner does for a whole day"
            + ("" if args.no_per_tech_lock else "; the next day locked per technician")
            + f"); {n_replies:,} replies "
            "with codes from the database; then the cron and the planner's views."
            + (
                " Goals are stated for 1,000,000 orders; at this scale met/not met is indicative."
                if scale_note
                else ""
            ),
            "",
            table(rows),
            "",
            *notes,
            "",
            load_line(),
        ]
        for line in notes:
            print(f"  {line}")
        if ws.profile:
            report_profiles(ws)
        if not args.no_write and not args.profile:
            write_section(f"db-{n}", "\n".join(body))
    finally:
        ws.close()


def filtered_list(ws: Workspace, tech: str, day: date) -> tuple[list[str], str]:
    """`amsplan orders list` with filters when it exists, else `followup list --tech --date`."""
    probe = run(AMSPLAN + ["orders", "list", "--help"], ws.path, ok=(0, 1, 2))
    if probe.rc == 0:
        argv = ["orders", "list"]
        if "--tech" in probe.out:
            argv += ["--tech", tech]
        if "--status" in probe.out:
            argv += ["--status", "ready_to_print"]
        if "--date" in probe.out:
            argv += ["--date", day.isoformat()]
        return argv, "amsplan " + " ".join(argv)
    argv = ["followup", "list", "--tech", tech, "--date", day.isoformat()]
    return argv, "amsplan " + " ".join(argv) + " (no `orders list` yet)"


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="where the bench folders go (default: the system temp folder)",
    )
    common.add_argument("--keep", action="store_true", help="keep the bench folders")
    common.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="set-up commands run this many at a time (default: cores)",
    )
    common.add_argument("--seed", type=int, default=gen.SEED)
    common.add_argument(
        "--snapshot",
        action="store_true",
        help="run a copy of src/ and templates/ taken at the start, so edits during a "
        "long run do not change what is measured",
    )
    common.add_argument("--no-write", action="store_true", help="do not touch RESULTS.md")
    common.add_argument(
        "--profile",
        type=Path,
        default=None,
        metavar="DIR",
        help="run the measured amsplan commands under cProfile, write "
        "DIR/*.prof and *.txt (timings then include its overhead; "
        "RESULTS.md is not written)",
    )
    sub = parser.add_subparsers(dest="bench", required=True)

    def letters_opts(p):
        p.add_argument("--sizes", default="1000,5000", help="letters per run (default 1000,5000)")
        p.add_argument("--techs", type=int, default=25, help="technicians (default 25)")
        p.add_argument(
            "--setup",
            choices=("cli", "fixture"),
            default="cli",
            help="assign+lock through the CLI per technician-day (default) or "
            "in one process (bench/fixture.py)",
        )
        p.add_argument(
            "--baseline-limit",
            type=int,
            default=None,
            help="time the naive loop on at most this many letters (the others make all)",
        )
        p.add_argument(
            "--css-once",
            action="store_true",
            help="also time the baseline with the CSS parsed once",
        )
        p.add_argument("--combined", action="store_true", help="letters generate --combined")
        p.add_argument(
            "--rounds",
            type=int,
            default=1,
            help="measure each contender this many times, show the median (default 1)",
        )
        p.add_argument(
            "--baseline-file-size",
            type=int,
            default=0,
            metavar="BYTES",
            help="today's mean letter file size, before issue 17 (0: not compared)",
        )

    def db_opts(p):
        p.add_argument("--orders", type=int, default=1_000_000, help="default 1,000,000")
        p.add_argument(
            "--replies",
            type=int,
            default=None,
            help="replies to ingest (default: orders/10, at most 100,000)",
        )
        p.add_argument(
            "--waiting",
            type=int,
            default=None,
            help="orders booked by SMS beforehand (default: as many as replies)",
        )
        p.add_argument("--day-orders", type=int, default=1000, help="orders in the locked day")
        p.add_argument(
            "--no-per-tech-lock",
            action="store_true",
            help="skip locking a second day per technician",
        )

    def startup_opts(p):
        p.add_argument("--runs", type=int, default=10, help="runs of each command (default 10)")

    letters_opts(sub.add_parser("letters", parents=[common], help="letters generate vs naive"))
    db_opts(sub.add_parser("db", parents=[common], help="database scale"))
    startup_opts(sub.add_parser("startup", parents=[common], help="start-up time and imports"))
    p = sub.add_parser("all", parents=[common], help="startup, letters and db")
    letters_opts(p)
    db_opts(p)
    startup_opts(p)
    sub.add_parser("plan", help="issue 15: amsplan plan vs postcode order (bench/plan.py)")
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["plan"]:  # its own options: bench/run.py plan --help
        import plan

        plan.main(argv[1:])
        return
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.snapshot:
        snapshot = take_snapshot(args.workdir)
    print(f"amsplan: {' '.join(AMSPLAN)}\nmachine: {machine()}")
    if args.bench in ("startup", "all"):
        bench_startup(args)
    if args.bench in ("letters", "all"):
        bench_letters(args)
    if args.bench in ("db", "all"):
        bench_db(args)
    if args.snapshot and not args.keep:
        shutil.rmtree(snapshot, ignore_errors=True)
    print(f"\nbench {args.bench} done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()

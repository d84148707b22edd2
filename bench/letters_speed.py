#!/usr/bin/env python3
"""Letter rendering speed alone (no database, no CLI): naive loop vs old vs new renderer.

Each measurement is a fresh process that makes N letters from seeded synthetic data
(``bench/gen.py``: Norwegian names and addresses, all with a full address) and writes one
PDF file per letter, as the service does. Modes:

- ``naive``: one Jinja render + one WeasyPrint ``HTML(string).write_pdf()`` per letter,
  stylesheet given by file name (as ``bench/naive_letters.py``), shipped template;
- ``old``: the renderer and template before the fast path (``git show REV:...``, REV the
  commit before ``src/amsplan/letters/compose.py`` was added, or ``--old-rev``; skipped
  without git): chunks of 50 letters laid out as one document and split with pypdf;
- ``new-1``: this working tree's renderer in one process (``processes=1``);
- ``new``: this working tree's renderer with its default process pool (the usable CPUs),
  one ``render_batch`` call per ``--call-size`` letters (what the service does today);
- ``new-pipe``: the same through ``render_batches`` (the workers render the next batch
  while this process writes the files of the current one);
- ``new-slow``: this renderer with ``fast=False`` in one process (whole letters, no
  background/overlay).

``--call-size`` is how many letters each ``render_batch`` call gets (the service: 50).

    python bench/letters_speed.py --sizes 200,1000
    python bench/letters_speed.py --sizes 1000 --modes new,new-1 --call-size 200

Wall and CPU time (user + sys, the process and its children), peak RSS of the process
(ru_maxrss) and of the whole process tree (sampled from /proc every 0.1 s), the load
average before each run, and the mean and largest file size in bytes (the "today's" letter
size of issue 17's goal: ``--modes new`` on the renderer before it).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODES = ("naive", "old", "new-slow", "new-1", "new", "new-pipe")


# -- data -------------------------------------------------------------------------------


def letters(n: int, seed: int = 2026) -> list:
    """N LetterData from bench/gen.py's orders and technicians (deterministic)."""
    import random

    from amsplan.adapters.letters.render import LetterData
    from amsplan.domain import codes

    spec = importlib.util.spec_from_file_location("bench_gen", ROOT / "bench" / "gen.py")
    gen = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = gen
    spec.loader.exec_module(gen)
    techs = gen.technicians(max(1, n // 40), seed=seed)
    rng = random.Random(seed)
    out = []
    day0 = date(2026, 5, 4)
    for i, row in enumerate(gen.order_rows(n, seed=seed, empty_address_share=0.0)):
        order_no, mpid, meter, name, street, postcode, city = row[:7]
        day = day0 + timedelta(days=i // 200)
        start = datetime.combine(day, datetime.min.time()) + timedelta(hours=8 + i % 8)
        out.append(
            LetterData(
                order_no=order_no,
                customer_name=name,
                street=street,
                postcode=postcode,
                city=city,
                meter_point_id=mpid,
                meter_number=meter,
                start=start,
                end=start + timedelta(hours=1),
                technician_name=techs[i % len(techs)].name,
                booking_code=codes.format_code(codes.generate(rng.randrange)),
                company_name="Hedmark Nett AS",
                reply_number="2222",
                keyword_ok="OK",
                keyword_contact="KONTAKT",
                letter_date=date(2026, 4, 20),
                company_address="Postboks 100, 2301 Hamar",
                company_phone="62 00 00 00",
            )
        )
    return out


# -- one measured run (child process) -----------------------------------------------------


def old_revision() -> str | None:
    """The commit before the one that added compose.py (the fast path), else HEAD."""
    try:
        added = subprocess.run(
            [
                "git",
                "-C",
                str(ROOT),
                "log",
                "--diff-filter=A",
                "--format=%H",
                "--",
                "src/amsplan/letters/compose.py",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{added[-1]}^" if added else "HEAD"


def _old_renderer_module(tmp: Path, rev: str | None):
    """The old render.py and templates (git revision `rev`), in `tmp` (None without git)."""
    if rev is None:
        return None
    files = {
        "render_head.py": "src/amsplan/letters/render.py",
        "letters/booking.html": "templates/letters/booking.html",
        "letters/booking.css": "templates/letters/booking.css",
    }
    (tmp / "letters").mkdir(exist_ok=True)
    for target, source in files.items():
        try:
            text = subprocess.run(
                ["git", "-C", str(ROOT), "show", f"{rev}:{source}"],
                check=True,
                capture_output=True,
            ).stdout
        except (OSError, subprocess.CalledProcessError):
            return None
        (tmp / target).write_bytes(text)
    spec = importlib.util.spec_from_file_location("render_head", tmp / "render_head.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def child(mode: str, n: int, call_size: int, out_dir: Path, old_rev: str | None) -> dict:
    started = time.perf_counter()
    data = letters(n)
    setup = time.perf_counter() - started
    info: dict = {}
    if mode == "naive":
        import jinja2
        import weasyprint

        from amsplan.adapters.letters.dates import appointment_text, long_date
        from amsplan.paths import shipped_templates_dir

        templates = shipped_templates_dir()
        css = str(templates / "letters" / "booking.css")
        base_url = (templates / "letters").as_uri() + "/"
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(templates)),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
        for i, letter in enumerate(data):
            ctx = dict(letter.__dict__)
            ctx["appointment"] = appointment_text(letter.start, letter.end, "nb_NO")
            ctx["letter_date_text"] = long_date(letter.letter_date, "nb_NO")
            ctx["anchor"] = f"amsplan-letter-{i}"
            html = env.get_template("letters/booking.html").render(letters=[ctx])
            weasyprint.HTML(string=html, base_url=base_url).write_pdf(
                out_dir / f"{i:06d}.pdf", stylesheets=[css]
            )
    else:
        if mode == "old":
            tmp = Path(tempfile.mkdtemp(prefix="letters-old-"))
            module = _old_renderer_module(tmp, old_rev)
            if module is None:
                return {"skipped": "no git"}
            renderer = module.LetterRenderer(template_dir=Path(module.__file__).parent)
            info["old_rev"] = old_rev
        else:
            from amsplan.adapters.letters.render import LetterRenderer

            options = {
                "new": {},
                "new-pipe": {},
                "new-1": {"processes": 1},
                "new-slow": {"processes": 1, "fast": False},
            }
            renderer = LetterRenderer(**options[mode])
            info["processes"] = renderer.processes
        firsts = range(0, n, call_size)
        if mode == "new-pipe":
            results = renderer.render_batches(data[f : f + call_size] for f in firsts)
        else:
            results = (renderer.render_batch(data[f : f + call_size]) for f in firsts)
        for first, pdfs in zip(firsts, results, strict=True):
            for i, pdf in enumerate(pdfs, start=first):
                (out_dir / f"{i:06d}.pdf").write_bytes(pdf)
        if hasattr(renderer, "stats"):
            info["stats"] = vars(renderer.stats)
        if hasattr(renderer, "close"):
            renderer.close()
    sizes = [p.stat().st_size for p in out_dir.glob("*.pdf")]
    return {
        "files": len(sizes),
        "mean_bytes": round(sum(sizes) / len(sizes)) if sizes else None,
        "max_bytes": max(sizes, default=None),
        "setup_s": round(setup, 2),
        **info,
    }


# -- the parent: one fresh process per run ----------------------------------------------


def _tree_rss_kb(root: int) -> int:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    stat = f.read().decode(errors="replace")
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
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


def measure(mode: str, n: int, call_size: int, old_rev: str | None = None) -> dict:
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="letters-speed-") as tmp:
        argv = [sys.executable, __file__, "--child", mode, str(n), str(call_size), tmp]
        argv.append(old_rev or "")
        peak = [0]
        done = threading.Event()
        started = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

        def sample() -> None:
            while not done.wait(0.1):
                peak[0] = max(peak[0], _tree_rss_kb(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        stdout = proc.stdout.read()
        stderr = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        done.set()
        sampler.join()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{mode} {n}: failed\n{stderr.decode(errors='replace')[-3000:]}")
    result = json.loads(stdout.decode().strip().splitlines()[-1])
    cpu = usage.ru_utime + usage.ru_stime
    return {
        "mode": mode,
        "letters": n,
        "call_size": call_size,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "letters_per_s": round(n / wall, 1),
        "letters_per_cpu_s": round(n / cpu, 1),
        "rss_mb": round(usage.ru_maxrss / 1024),
        "tree_rss_mb": round(max(peak[0], usage.ru_maxrss) / 1024),
        "load_before": " ".join(f"{x:.2f}" for x in load),
        **result,
    }


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        mode, n, call_size, out = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
        print(json.dumps(child(mode, n, call_size, Path(out), sys.argv[6] or None)))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,1000", help="comma-separated letter counts")
    parser.add_argument("--modes", default=",".join(MODES), help=f"of {', '.join(MODES)}")
    parser.add_argument("--call-size", type=int, default=50, help="letters per render_batch")
    parser.add_argument("--naive-limit", type=int, default=None, help="naive on at most N")
    parser.add_argument("--json", action="store_true", help="one JSON line per run")
    parser.add_argument("--old-rev", default=None, help="git revision of the 'old' renderer")
    args = parser.parse_args()
    old_rev = args.old_rev or old_revision()
    print(f"# {os.cpu_count()} CPUs, load average {os.getloadavg()}, old = {old_rev}", flush=True)
    head = "mode n call wall_s cpu_s letters/s per_cpu_s rss_mb tree_mb mean_B max_B load"
    if not args.json:
        print(head.replace(" ", "\t"), flush=True)
    for n in (int(s) for s in args.sizes.split(",")):
        for mode in args.modes.split(","):
            size = min(n, args.naive_limit) if mode == "naive" and args.naive_limit else n
            r = measure(mode, size, args.call_size, old_rev)
            if args.json:
                print(json.dumps(r), flush=True)
                continue
            if "skipped" in r:
                print(f"{mode}\t{n}\tskipped: {r['skipped']}", flush=True)
                continue
            cells = [
                mode,
                r["letters"],
                r["call_size"],
                r["wall_s"],
                r["cpu_s"],
                r["letters_per_s"],
                r["letters_per_cpu_s"],
                r["rss_mb"],
                r["tree_rss_mb"],
                r["mean_bytes"],
                r["max_bytes"],
                r["load_before"],
            ]
            print("\t".join(str(c) for c in cells), flush=True)


if __name__ == "__main__":
    main()

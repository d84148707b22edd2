"""The whole letter-booking loop on the sample data, as a planner would run it.

    python sample_data/demo.py demo      # (what `make demo` runs)

Creates FOLDER with amsplan.toml, a SQLite database and the letters folder; imports
the technicians and orders, plans two days for every technician, locks them, writes
the letters, simulates the customers' replies (OK, ok, "Ok!!", KONTAKT, a mistyped
code, a code never issued, free text), ingests them, and shows the result.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
SLOTS_PER_DAY = 7


def amsplan(folder: Path, *args: str, ok_codes=(0,), capture=False) -> str:
    print(f"\n$ amsplan {' '.join(args)}", flush=True)
    proc = subprocess.run(
        [sys.executable, "-m", "amsplan", "--user", "demo", *args],
        cwd=folder,
        text=True,
        capture_output=capture,
        env={"COLUMNS": "150", **os.environ},  # wide tables also when the output is a file
    )
    if capture and proc.stderr:
        print(proc.stderr, end="", file=sys.stderr)
    if proc.returncode not in ok_codes:
        sys.exit(f"demo: `amsplan {' '.join(args)}` failed with exit code {proc.returncode}")
    return proc.stdout if capture else ""


def next_workdays(start: date, count: int) -> list[date]:
    days, day = [], start
    while len(days) < count:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return days


def plan(orders_csv: Path, techs: list[str], days: list[date]) -> list[tuple[str, date, list[str]]]:
    """Give each technician the next orders of one stage, SLOTS_PER_DAY a day."""
    with open(orders_csv, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    by_stage: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        by_stage[row["Etappe"]].append(row["Ordrenr"])
    stages = sorted(by_stage)
    work = []
    for i, tech in enumerate(techs):
        queue = by_stage[stages[i % len(stages)]]
        for day in days:
            batch, queue[:] = queue[:SLOTS_PER_DAY], queue[SLOTS_PER_DAY:]
            if batch:
                work.append((tech, day, batch))
    return work


def replies(locked: list[tuple[str, str]], received: datetime) -> list[list[str]]:
    """What customers answer: most say OK, some something else, some nothing."""
    sys.path.insert(0, str(HERE.parent / "src"))
    from amsplan import codes

    lines = []

    def add(sender: str, text: str) -> None:
        stamp = received + timedelta(minutes=len(lines) * 7)
        lines.append([stamp.strftime("%Y-%m-%d %H:%M"), sender, text])

    for i, (_, code) in enumerate(locked):
        pretty = codes.format_code(code)
        sender = f"+47 9{i:07d}"
        match i % 10:
            case 0 | 1 | 2 | 3:
                add(sender, f"{pretty} OK")
            case 4:
                add(sender, f"ok {code.lower()}")
            case 5:
                add(sender, f"{pretty} Ok!!")
            case 6:
                add(sender, f"{pretty} KONTAKT")
            case 7 if i % 20 == 7:
                add(sender, f"{pretty[:-1]}{'A' if pretty[-1] != 'A' else 'C'} OK")  # typo
            case 8:
                add(sender, f"{pretty} Det passer ikke, jeg er på hytta den uka")
            case _:
                pass  # no answer yet
    add("+47 90000001", f"{codes.format_code(codes.generate())} OK")  # never issued
    add("+47 90000002", "Hei, hva gjelder dette?")
    return lines


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "demo").resolve()
    if folder.exists():
        if not (folder / "amsplan.toml").exists():
            sys.exit(f"demo: {folder} exists and is not a demo folder; not touching it")
        shutil.rmtree(folder)
    folder.mkdir(parents=True)

    amsplan(folder, "init", "--company", "Hedmark Nett AS")
    amsplan(folder, "techs", "import", str(HERE / "technicians.csv"))
    amsplan(folder, "orders", "import", str(HERE / "orders.csv"))
    print("\n# A file with mistakes is refused as a whole, every bad row named:")
    amsplan(folder, "orders", "import", str(HERE / "orders_bad.csv"), ok_codes=(5,))

    days = next_workdays(date.today() + timedelta(days=14), 2)
    techs = [f"T0{i}" for i in range(1, 7)]
    locked: list[tuple[str, str]] = []
    for tech, day, batch in plan(HERE / "orders.csv", techs, days):
        start = "08:00" if tech == "T03" else "07:30" if tech != "T04" else "07:00"
        amsplan(folder, "assign", *batch, "--tech", tech, "--date", day.isoformat(),
                "--start", start, "--slot", "1h", capture=True)  # fmt: skip
    for tech in techs:
        for day in days:
            out = amsplan(folder, "lock", "--tech", tech, "--date", day.isoformat(), "--json",
                          ok_codes=(0, 1), capture=True)  # fmt: skip
            result = json.loads(out)
            locked += [tuple(x) for x in result["locked"]]
            for order_no, reason in result["refused"]:
                print(f"  refused {order_no}: {reason}")
    print(f"  {len(locked)} orders locked with booking codes")

    amsplan(folder, "letters", "generate", "--combined")

    received = datetime.combine(date.today(), datetime.min.time()) + timedelta(hours=8)
    reply_file = folder / "svar.csv"
    with open(reply_file, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerow(["Mottatt", "Avsender", "Melding"])
        writer.writerows(replies(locked, received))
    amsplan(folder, "replies", "ingest", str(reply_file))
    print("\n# The same file again changes nothing:")
    amsplan(folder, "replies", "ingest", str(reply_file))

    amsplan(folder, "status")
    amsplan(folder, "followup", "list")
    amsplan(folder, "replies", "unmatched")
    pending = json.loads(amsplan(folder, "letters", "pending", "--json", capture=True))
    print(f"  {len(pending)} letters waiting to be printed in {folder / 'letters'}")
    first = pending[0]
    amsplan(folder, "orders", "show", first["order_no"])
    show_letter(folder / "letters" / first["file_name"])

    print("\n# The technicians have been out: their returns, and messages from upstream.")
    amsplan(folder, "returns", "ingest", str(HERE / "returns.csv"), ok_codes=(1,))
    amsplan(folder, "upstream", "ingest", str(HERE / "upstream.csv"), ok_codes=(1,))
    amsplan(folder, "returns", "unapplied")
    amsplan(folder, "upstream", "unapplied")
    amsplan(folder, "report", "failed-visits")
    amsplan(folder, "export", "mobile", "mobil.json")
    amsplan(folder, "export", "validation", "validering.csv")
    amsplan(folder, "followup", "list")

    print("\n# The team lead's view.")
    amsplan(folder, "calendar", "--tech", "T01", "--date", days[0].isoformat())
    amsplan(folder, "report", "progress", "--by", "day")
    amsplan(folder, "report", "dashboard", "--html", "dashboard.html", "--pdf", "dashboard.pdf")
    print(f"  dashboard: {folder / 'dashboard.pdf'}")
    print(f"\nDone. Try it yourself:  cd {folder.name} && ../.venv/bin/amsplan --help")


def show_letter(path: Path) -> None:
    from pypdf import PdfReader

    text = PdfReader(path).pages[0].extract_text()
    print(f"\n# The first lines of {path.name}:")
    for line in text.splitlines()[:22]:
        print(f"  | {line}")


if __name__ == "__main__":
    main()

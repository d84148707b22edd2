#!/usr/bin/env python3
"""Build a roll-out history quickly: many technician-days assigned and booked in one process.

Not a benchmark. Through the CLI every `amsplan assign` is a new process (most of a
second each); a history of 100,000 booked orders is 12,500 technician-days, hours of
start-up. This script calls the same service functions the CLI commands call
(`amsplan assign` -> services.planning.assign, `amsplan sms book --tech --date` ->
services.booking.book_by_sms, `amsplan lock --tech --date` -> services.planning.lock),
each technician-day in its own transaction as the CLI would, with the clock set to the
time the planner did it. Run it in the bench folder (it reads ./amsplan.toml):

    python bench/fixture.py plans.json

plans.json: {"action": "sms_book" | "lock" | "assign",
             "plans": [{"tech": "T001", "date": "2026-05-04", "start": "07:30",
                        "slot_minutes": 60, "orders": ["AMS-..."],
                        "at": "2026-04-20T08:00:00+00:00"}, ...]}
Prints a JSON summary.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path


def main() -> None:
    from amsplan.config import load_settings
    from amsplan.services import booking, planning
    from amsplan.services.context import Context

    spec = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    action = spec["action"]
    ctx = Context(settings=load_settings(None), user="bench-fixture")
    started = time.perf_counter()
    summary = {"action": action, "plans": 0, "assigned": 0, "done": 0, "refused": 0}
    for plan in spec["plans"]:
        moment = datetime.fromisoformat(plan["at"])
        ctx.now = lambda moment=moment: moment
        day = date.fromisoformat(plan["date"])
        planning.assign(
            ctx,
            plan["orders"],
            plan["tech"],
            day,
            dtime.fromisoformat(plan["start"]),
            timedelta(minutes=plan["slot_minutes"]),
        )
        summary["assigned"] += len(plan["orders"])
        if action == "sms_book":
            result = booking.book_by_sms(ctx, tech_id=plan["tech"], day=day)
            summary["done"] += len(result.moved)
            summary["refused"] += len(result.refused)
        elif action == "lock":
            result = planning.lock(ctx, tech_id=plan["tech"], day=day)
            summary["done"] += len(result.locked)
            summary["refused"] += len(result.refused)
        summary["plans"] += 1
    ctx.close()
    summary["seconds"] = round(time.perf_counter() - started, 2)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()

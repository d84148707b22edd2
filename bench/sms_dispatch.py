#!/usr/bin/env python3
"""Messages per second of `amsplan sms dispatch` against a local fake Twilio that answers
each request after 50 ms (issue 14's goal: at least 100/s with the rate limit off).

The fake (tests/fakes/twilio.py: checks auth and fields, answers 201 with a sid) runs in
this process; `amsplan sms dispatch --json` runs as its own process on a fresh database
with N due messages, so the figure is the whole command a cron line runs: start-up,
claims, requests, answers stored. SQLite by default; `--pg URL` (an empty database that
is made here and dropped afterwards) for PostgreSQL.

    .venv/bin/python bench/sms_dispatch.py                       # 2,000 messages, SQLite
    .venv/bin/python bench/sms_dispatch.py --messages 5000 --latency 0.05
    .venv/bin/python bench/sms_dispatch.py --pg postgresql://localhost/postgres
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NOW = datetime(2026, 4, 15, 8, 0, tzinfo=UTC)  # 10:00 in Oslo: inside the sending window


def database(folder: Path, pg: str | None) -> tuple[str, str | None]:
    """A migrated database: its URL, and the PostgreSQL database to drop afterwards."""
    from amsplan.store import db

    if not pg:
        url = f"sqlite:///{folder / 'amsplan.db'}"
        name = None
    else:
        import psycopg

        name = f"amsplan_bench_{os.getpid()}"
        with psycopg.connect(pg, autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {name}")
            c.execute(f"CREATE DATABASE {name}")
        url = urlunsplit(urlsplit(pg)._replace(path="/" + name))
    engine = db.make_engine(url)
    db.upgrade(engine)
    engine.dispose()
    return url, name


def queue(url: str, count: int) -> None:
    """`count` due free-text messages (no order: the truth check keeps them)."""
    from sqlmodel import Session

    from amsplan.store import db
    from amsplan.store.models import Sms

    engine = db.make_engine(url)
    with Session(engine) as s:
        s.add_all(
            Sms(kind="free_text", to=f"+479{n:07d}", text=f"Melding {n}: æøå", created_at=NOW,
                due_at=NOW)
            for n in range(count)
        )  # fmt: skip
        s.commit()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.05, help="fake's answer time (s)")
    parser.add_argument("--pg", help="PostgreSQL server URL (a database is made there)")
    args = parser.parse_args()

    from tests.fakes.twilio import FakeTwilio

    fake = FakeTwilio()
    fake.script.latency = args.latency
    with tempfile.TemporaryDirectory() as tmp, fake.serve() as server:
        folder = Path(tmp)
        url, pg_name = database(folder, args.pg)
        try:
            queue(url, args.messages)
            (folder / "amsplan.toml").write_text(
                f'[database]\nurl = "{url}"\n[sms]\nprovider = "twilio"\nrate = 0\n'
                f'[sms.twilio]\naccount_sid = "{fake.account_sid}"\nfrom = "+4759440000"\n'
                f'base_url = "{server.url}"\n',
                encoding="utf-8",
            )
            env = {**os.environ, "AMSPLAN_NOW": NOW.isoformat(),
                   "AMSPLAN_SMS_TWILIO_AUTH_TOKEN": fake.auth_token}  # fmt: skip
            command = [sys.executable, "-m", "amsplan", "sms", "dispatch", "--json"]
            start, cpu = time.perf_counter(), os.times()
            done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
            wall = time.perf_counter() - start
            used = os.times()
            child_cpu = (used.children_user - cpu.children_user) + (
                used.children_system - cpu.children_system
            )
        finally:
            if pg_name:
                import psycopg

                with psycopg.connect(args.pg, autocommit=True) as c:
                    c.execute(f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)")
    if done.returncode != 0:
        sys.exit(f"sms dispatch failed ({done.returncode}): {done.stderr}")
    result = json.loads(done.stdout)
    backend = "PostgreSQL" if args.pg else "SQLite"
    assert result["sent"] == args.messages == fake.requests == len(fake.messages), result
    print(f"sms dispatch, {backend}, fake Twilio answering in {args.latency * 1000:.0f} ms, "
          f"rate limit off, {os.cpu_count()} cores")  # fmt: skip
    print(f"  {args.messages} messages in {wall:.2f} s wall ({child_cpu:.2f} s CPU of the "
          f"command): {args.messages / wall:.0f} messages/s (goal: 100/s)")  # fmt: skip


if __name__ == "__main__":
    main()

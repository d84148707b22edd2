"""A whole follow-up scenario through the CLI, with the clock driven by --now.

Letters out, some replies, the deadline passes, reminders run twice and overlapping, a
reschedule, a hold, confirmations; every SMS exported appears exactly once and says the
right date and time.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from babel.dates import format_date

from tests.cli.support import data, ok
from tests.helpers import order_row, write_orders


def exported(path: Path) -> list[dict]:
    rows = []
    for file in sorted(path.glob("sms-*.csv")):
        with open(file, encoding="utf-8", newline="") as f:
            rows += list(csv.DictReader(f, delimiter=";"))
    return rows


def window(day: date, start: str, end: str) -> str:
    return f"{format_date(day, 'EEEE d. MMMM y', locale='nb_NO')} mellom kl. {start} og {end}"


def reminders_in_two_processes(folder: Path, now: str) -> None:
    env = {**os.environ, "AMSPLAN_USER": "cron"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "amsplan", "reminders", "run", "--now", now],
            cwd=folder,
            env=env,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        for _ in range(2)
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()


def test_letters_replies_reminders_followup_and_export(workspace, tmp_path):
    today = date.today()
    d1 = today + timedelta(days=10)
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    ok("techs", "add", "T01", "--name", "Ola Montør", "--start", "07:00", "--end", "16:00")
    ok("orders", "import", write_orders(tmp_path / "o.csv", [order_row(n) for n in range(1, 6)]))
    o = [f"AMS-{n:05d}" for n in range(1, 6)]
    ok("assign", *o, "--tech", "T01", "--date", d1.isoformat(), "--start", "08:00")
    locked = data("lock", "--tech", "T01", "--date", d1.isoformat())["locked"]
    codes = {x["order_no"]: x["code"].replace("-", "") for x in locked}
    ok("letters", "generate")

    replies = tmp_path / "svar.csv"
    replies.write_text(
        "Mottatt;Avsender;Melding\n"
        f"{today.isoformat()} 12:00;+4790000001;{codes[o[0]]} OK\n"
        f"{today.isoformat()} 12:05;+4790000002;{codes[o[1]]} KONTAKT\n",
        encoding="utf-8",
    )
    ok("replies", "ingest", replies)

    # Seven days later nobody else has answered: booking reminders, twice and overlapping.
    deadline = f"{(today + timedelta(days=7, hours=24)).isoformat()}T10:00"
    reminders_in_two_processes(workspace.path, deadline)
    ok("reminders", "run", "--now", deadline)
    statuses = {n: data("orders", "show", n)["status"] for n in o}
    assert statuses == {o[0]: "ready_for_execution", o[1]: "manual_followup",
                        o[2]: "manual_followup", o[3]: "manual_followup",
                        o[4]: "manual_followup"}  # fmt: skip
    first = data("sms", "export", outbox, "--now", deadline)
    assert first["count"] == 3

    # The planner works the follow-up list.
    reasons = {f["order_no"]: f["kind"] for f in data("followup", "list")}
    assert reasons == {o[1]: "reply", o[2]: "no_answer", o[3]: "no_answer", o[4]: "no_answer"}
    ok("followup", "reschedule", o[1], "--date", d1.isoformat(), "--start", "13:00", "--agreed")
    ok("followup", "confirm", o[1], "--comment", "Ringt, ettermiddag passer")
    ok("followup", "hold", o[2], "--until", (d1 + timedelta(days=30)).isoformat())
    ok("followup", "send-to-execution", o[3], "--comment", "Svarte Ok!! på SMS")

    # The day before: appointment reminders for the confirmed orders, once.
    day_before = f"{(d1 - timedelta(days=1)).isoformat()}T10:00"
    reminders_in_two_processes(workspace.path, day_before)
    ok("reminders", "run", "--now", day_before)
    second = data("sms", "export", outbox, "--now", day_before)
    assert second["count"] == 4
    assert data("sms", "export", outbox, "--now", day_before)["count"] == 0

    sent = exported(outbox)
    assert len({r["id"] for r in sent}) == len(sent) == 7
    by = sorted((r["kind"], r["order_no"]) for r in sent)
    assert by == sorted([
        ("booking_reminder", o[2]), ("booking_reminder", o[3]), ("booking_reminder", o[4]),
        ("confirmation", o[1]),
        ("appointment_reminder", o[0]), ("appointment_reminder", o[1]),
        ("appointment_reminder", o[3]),
    ])  # fmt: skip
    text = {(r["kind"], r["order_no"]): r["text"] for r in sent}
    assert window(d1, "08.00", "09.00") in text[("appointment_reminder", o[0])]
    assert window(d1, "13.00", "14.00") in text[("confirmation", o[1])]
    assert window(d1, "13.00", "14.00") in text[("appointment_reminder", o[1])]
    assert window(d1, "11.00", "12.00") in text[("appointment_reminder", o[3])]
    assert window(d1, "10.00", "11.00") in text[("booking_reminder", o[2])]
    assert f"{codes[o[2]][:4]}-{codes[o[2]][4:]}" in text[("booking_reminder", o[2])]
    assert json.loads(json.dumps(data("sms", "list", "--status", "queued"))) == []

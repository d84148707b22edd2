"""The whole letter-booking loop on the sample data, as a planner would run it.

    python sample_data/demo.py demo      # (what `make demo` runs)

Creates FOLDER with amsplan.toml, a SQLite database and the letters folder; imports
the technicians and orders, plans two days for every technician, locks them, writes
the letters, simulates the customers' replies (OK, ok, "Ok!!", KONTAKT, a mistyped
code, a code never issued, free text), ingests them, and shows the result. Then the
everyday detours: work lists that end (handle, retry), returns and messages from upstream,
replies applied in received order, a cancellation that stays until a planner lifts it,
finding orders, a re-import that changes a booked order or brings Excel damage,
technicians updated in part, letters recorded as printed, a sick technician's day moved,
a rescheduled order, unlock/unassign, a lost letter reprinted, a day filled from a saved
filter, and what a privacy purge would remove. Every step is headed by a "# ..." line
saying what the planner does. The days are planned from today + 14 days, on working days.
"""

from __future__ import annotations

import csv
import json
import os
import shlex
import shutil
import subprocess
import sys
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import email_demo  # noqa: E402 - beside this file

SLOTS_PER_DAY = 7


# Every command the demo ran: {"args", "code", "stdout", "stderr", "shown"} (tests read it).
TRANSCRIPT: list[dict] = []


def amsplan(folder: Path, *args: str, ok_codes=(0,), capture=False) -> str:
    print(f"\n$ amsplan {shlex.join(args)}", flush=True)
    code, out, err = run(folder, ["--user", "demo", *args])
    TRANSCRIPT.append({"args": args, "code": code, "stdout": out, "stderr": err,
                       "shown": not capture})  # fmt: skip
    if not capture:
        print(out, end="", flush=True)
    if err:
        print(err, end="", file=sys.stderr, flush=True)
    if code not in ok_codes:
        sys.exit(f"demo: `amsplan {' '.join(args)}` failed with exit code {code}")
    return out if capture else ""


def run(folder: Path, args: list[str]) -> tuple[int, str, str]:
    """One amsplan command in `folder`: a process of its own, or (AMSPLAN_DEMO_INPROCESS=1,
    the tests) in this process through Typer's runner."""
    # Wide tables also when the output is a file (the tests: wider, so no cell wraps).
    env = {"COLUMNS": os.environ.get("AMSPLAN_DEMO_COLUMNS", "150")}
    if os.environ.get("AMSPLAN_DEMO_INPROCESS") == "1":
        from typer.testing import CliRunner

        from amsplan.cli import app

        here = os.getcwd()
        os.chdir(folder)
        try:
            result = CliRunner().invoke(app, args, env=env)
        finally:
            os.chdir(here)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result.exit_code, result.stdout, result.stderr
    proc = subprocess.run([sys.executable, "-m", "amsplan", *args], cwd=folder, text=True,
                          capture_output=True, env={**env, **os.environ})  # fmt: skip
    return proc.returncode, proc.stdout, proc.stderr


def next_workdays(start: date, count: int) -> list[date]:
    """The next `count` working days after `start`: no weekends, no Norwegian public holidays
    (the holidays are skipped only when the `holidays` package is installed)."""
    try:
        import holidays

        public = holidays.country_holidays("NO", years=range(start.year, start.year + 2))
    except ImportError:
        public = {}
    days, day = [], start
    while len(days) < count:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in public:
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
    from amsplan.domain import codes

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
    add("+47 90000002", QUESTION)
    return lines


def main(where: str | None = None) -> None:
    folder = Path(where or (sys.argv[1] if len(sys.argv) > 1 else "demo")).resolve()
    if folder.exists():
        if not (folder / "amsplan.toml").exists():
            sys.exit(f"demo: {folder} exists and is not a demo folder; not touching it")
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    with open(HERE / "orders.csv", encoding="utf-8-sig", newline="") as f:
        order_rows = list(csv.DictReader(f, delimiter=";"))

    print("\n# A new project: configuration, database and letters folder in one go.")
    amsplan(folder, "init", "--company", "Hedmark Nett AS")
    print("\n# The technicians, and the work orders as the customer system exports them.")
    amsplan(folder, "techs", "import", str(HERE / "technicians.csv"))
    amsplan(folder, "orders", "import", str(HERE / "orders.csv"))
    print("\n# A file with mistakes is refused as a whole, every bad row named:")
    amsplan(folder, "orders", "import", str(HERE / "orders_bad.csv"), ok_codes=(5,))

    days = next_workdays(date.today() + timedelta(days=14), 2)
    techs = [f"T0{i}" for i in range(1, 7)]
    work = plan(HERE / "orders.csv", techs, days)
    print(f"\n# Two days for every technician ({', '.join(d.isoformat() for d in days)}), "
          f"{SLOTS_PER_DAY} one-hour visits a day:")  # fmt: skip
    for tech, day, batch in work:
        start = "08:00" if tech == "T03" else "07:30" if tech != "T04" else "07:00"
        amsplan(folder, "assign", *batch, "--tech", tech, "--date", day.isoformat(),
                "--start", start, "--slot", "1h", capture=True)  # fmt: skip
    print("\n# Locking the days gives every order a booking code; an order without a street "
          "is refused:")  # fmt: skip
    locked: list[tuple[str, str]] = []
    for day in days:
        out = amsplan(folder, "lock", "--date", day.isoformat(), "--json", ok_codes=(0, 1),
                      capture=True)  # fmt: skip
        result = json.loads(out)
        locked += [(x["order_no"], x["code"].replace("-", "")) for x in result["locked"]]
        for x in result["refused"]:
            print(f"  refused {x['order_no']}: {x['reason']}")
    planned = [order_no for _, _, batch in work for order_no in batch]
    locked.sort(key=lambda x: planned.index(x[0]))  # technician by technician, day by day
    print(f"  {len(locked)} orders locked with booking codes")

    print("\n# The letters, one PDF per customer and a combined file to print:")
    amsplan(folder, "letters", "generate", "--combined")
    print("\n# What to print, in print order; once printed and posted, the planner records it "
          "(the booking\n# reminder counts from now) and nothing is left to print:")  # fmt: skip
    amsplan(folder, "letters", "pending")
    pending = quiet(folder, "letters", "pending")
    amsplan(folder, "letters", "printed", "--all")
    amsplan(folder, "letters", "pending")

    print("\n# The customers answer by SMS; the provider's file of replies is ingested:")
    received = datetime.combine(date.today(), datetime.min.time()) + timedelta(hours=8)
    reply_file = folder / "svar.csv"
    write_replies(reply_file, replies(locked, received))
    amsplan(folder, "replies", "ingest", str(reply_file))
    print("\n# The same file again changes nothing:")
    amsplan(folder, "replies", "ingest", str(reply_file))

    print("\n# Where things stand: the statuses, and the orders that need a person.")
    amsplan(folder, "status")
    amsplan(folder, "followup", "list")
    print("\n# Replies the program could not match to an order wait for a person:")
    amsplan(folder, "replies", "unmatched")
    unmatched = json.loads(amsplan(folder, "replies", "unmatched", "--json", capture=True))
    question = next(r for r in unmatched if r["text"] == QUESTION)
    print(f"\n# The planner calls {question['sender']} (\"{QUESTION}\"), marks the reply "
          "handled\n# saying what was done, and it leaves the list:")  # fmt: skip
    amsplan(folder, "replies", "handle", str(question["id"]), "--comment",
            "Ringte kunden og forklarte målerbyttet")  # fmt: skip
    amsplan(folder, "replies", "unmatched")

    first = pending[0]
    print(f"\n# One order and its letter ({len(pending)} letters were printed; they are in "
          f"{folder / 'letters' / 'printed'}):")  # fmt: skip
    amsplan(folder, "orders", "show", first["order_no"])
    show_letter(folder / "letters" / "printed" / first["file_name"])

    print("\n# The technicians have been out: their returns, and messages from upstream.")
    amsplan(folder, "returns", "ingest", str(HERE / "returns.csv"), ok_codes=(1,))
    amsplan(folder, "upstream", "ingest", str(HERE / "upstream.csv"), ok_codes=(1,))
    amsplan(folder, "returns", "unapplied")
    amsplan(folder, "upstream", "unapplied")

    print(f"\n# {FIXED_BY_HAND} answered KONTAKT, then agreed the time with the technician. "
          "The planner sends\n# it to execution by hand, and the refused return applies "
          "now:")  # fmt: skip
    amsplan(folder, "followup", "send-to-execution", FIXED_BY_HAND)
    amsplan(folder, "returns", "retry", "--all", ok_codes=(1,))  # the unknown order stays
    unknown = json.loads(amsplan(folder, "returns", "unapplied", "--json", capture=True))
    refused = json.loads(amsplan(folder, "upstream", "unapplied", "--json", capture=True))
    print("\n# The rest was checked by a person: marked handled, saying what was done; "
          "the lists end.")  # fmt: skip
    amsplan(folder, "returns", "handle", *(str(m["id"]) for m in unknown), "--comment",
            "Feil ordrenummer på montørens liste; ordren er lukket")  # fmt: skip
    amsplan(folder, "upstream", "handle", *(str(m["id"]) for m in refused), "--comment",
            "Avklart med Quant: måleren var allerede byttet")  # fmt: skip
    amsplan(folder, "returns", "unapplied")
    amsplan(folder, "upstream", "unapplied")

    print("\n# What goes out: failed visits, the technicians' mobile export, validation; "
          "and who needs\n# a person now.")  # fmt: skip
    amsplan(folder, "report", "failed-visits")
    amsplan(folder, "export", "mobile", "mobil.json")
    amsplan(folder, "export", "validation", "validering.csv")
    amsplan(folder, "followup", "list")

    codes_by_order = dict(locked)
    waiting = waiting_order(locked)
    print("\n# More replies. The time received decides, not the line in the file: "
          f"{waiting} said OK,\n# then KONTAKT (on the first line). And {CANCELLED}, "
          "cancelled upstream, says OK: it stays\n# cancelled.")  # fmt: skip
    now = datetime.now(ZoneInfo("Europe/Oslo")).replace(tzinfo=None, microsecond=0)
    later_file = folder / "svar2.csv"
    write_replies(later_file, [
        [f"{now + timedelta(seconds=30):%Y-%m-%d %H:%M:%S}", "+47 91111111",
         f"{pretty(codes_by_order[waiting])} KONTAKT kan ikke likevel, ring meg"],
        [f"{now + timedelta(seconds=10):%Y-%m-%d %H:%M:%S}", "+47 91111111",
         f"{pretty(codes_by_order[waiting])} OK"],
        [f"{now + timedelta(seconds=20):%Y-%m-%d %H:%M:%S}", "+47 92222222",
         f"{pretty(codes_by_order[CANCELLED])} OK"],
    ])  # fmt: skip
    amsplan(folder, "replies", "ingest", str(later_file))
    print("\n# Typed in lower case, the order is found; its timeline has both answers in "
          "received order:")  # fmt: skip
    amsplan(folder, "orders", "show", waiting.lower())
    print("\n# Cancelled orders stay in follow-up until a planner lifts the cancellation "
          f"({CANCELLED}:\n# the customer said OK) or closes the order ({CLOSED}):")  # fmt: skip
    amsplan(folder, "followup", "list", "--reason", "cancelled")
    amsplan(folder, "orders", "uncancel", CANCELLED, "--comment",
            "Quant kansellerte feil anlegg; kunden bor der fortsatt")  # fmt: skip
    amsplan(folder, "followup", "send-to-execution", CANCELLED)
    amsplan(folder, "orders", "close", CLOSED, "--resolution", "Kansellert", "--comment",
            "Kunden har sagt opp nettleien")  # fmt: skip
    amsplan(folder, "followup", "list", "--reason", "cancelled")

    phone_row = next(r for r in order_rows if plain(r))
    phone = phone_row["Telefon"]
    spaced = f"+47 {phone[:3]} {phone[3:5]} {phone[5:]}"
    print(f"\n# Finding an order: by a phone number however it is written (stored as {phone}), "
          "and by\n# the status as the planners call it (the first 5).")  # fmt: skip
    amsplan(folder, "orders", "list", "--text", spaced)
    amsplan(folder, "orders", "list", "--status", "Åpen", "--limit", "5")

    confirmed = (no for i, (no, _) in enumerate(locked) if i % 10 < 4 and no not in TOUCHED)
    moved = next(confirmed)  # (see replies)
    excel_phone = next(r for r in order_rows[1:] if plain(r) and r["Ordrenr"] not in planned)
    again = folder / "ordrer_uke2.csv"
    changes = {moved: {"Adresse": "Parkgata 7"},
               excel_phone["Ordrenr"]: {"Telefon": excel_phone["Telefon"] + ".0"}}  # fmt: skip
    write_orders(again, order_rows, changes)
    print(f"\n# The customer system's export a week later: {moved}, booked, has a new "
          f"street, and Excel\n# wrote {excel_phone['Ordrenr']}'s phone as "
          f"{excel_phone['Telefon']}.0 (repaired: unchanged). The booked order goes to\n# "
          "follow-up:")  # fmt: skip
    amsplan(folder, "orders", "import", str(again))
    amsplan(folder, "followup", "list", "--reason", "changed")
    cut = folder / "ordrer_excel.csv"
    damaged = order_rows[3]
    mp = damaged["Målepunkt-ID"]
    write_orders(cut, order_rows, {damaged["Ordrenr"]: {"Målepunkt-ID": mp[:15] + "000"}})
    print(f"\n# A copy where Excel cut {damaged['Ordrenr']}'s metering point id to "
          f"{mp[:15]}000\n# (was {mp}): refused with line and column, nothing is "
          "overwritten.")  # fmt: skip
    amsplan(folder, "orders", "import", str(cut), ok_codes=(5,))

    print("\n# T01 has a new phone: only the phone changes, the working hours stay.")
    amsplan(folder, "techs", "add", "T01", "--phone", "410 99 001")
    print("\n# If T03 started at 09:00, the visits booked before 09:00 would have to move; "
          "they are listed:")  # fmt: skip
    amsplan(folder, "techs", "add", "T03", "--start", "09:00")
    print("\n# Not after all: back to 08:00.")
    amsplan(folder, "techs", "add", "T03", "--start", "08:00")

    more_days(folder, days, work, locked, exclude={waiting, moved})

    plan_day = next_workdays(days[-1], 5)[-1]  # after the days more_days uses
    print(f"\n# {plan_day}: amsplan plans a day for every technician by driving route "
          "(from and back to\n# their start points, within working hours), the planner "
          "looks at it and applies it:")  # fmt: skip
    amsplan(folder, "plan", "--from", plan_day.isoformat(), "--dry-run")
    amsplan(folder, "plan", "--from", plan_day.isoformat(), "--yes", capture=True)
    amsplan(folder, "calendar", "--tech", "T02", "--date", plan_day.isoformat())
    amsplan(folder, "route", "--tech", "T02", "--date", plan_day.isoformat(), "--dry-run")
    amsplan(folder, "map", "--date", plan_day.isoformat(), "-o", "kart.html")
    print(f"  map: {folder / 'kart.html'} (open it in a browser)")

    by_email(folder, plan_day)

    print("\n# The team lead's view.")
    amsplan(folder, "calendar", "--tech", "T01", "--date", days[0].isoformat())
    amsplan(folder, "report", "progress", "--by", "day")
    amsplan(folder, "report", "dashboard", "--html", "dashboard.html", "--pdf", "dashboard.pdf")
    print(f"  dashboard: {folder / 'dashboard.pdf'}")
    print(f"\nDone. Try it yourself:  cd {folder.name} && ../.venv/bin/amsplan --help")


def by_email(folder: Path, day: date) -> None:
    """Booking by e-mail into a local mailbox folder, and the customers' e-mail answers."""
    print(f"\n# Booking by e-mail ({email_demo.OUTBOX}/ stands in for the mail server). The "
          f"planner locks {day};\n# customers with an e-mail address get the booking letter "
          "as a PDF in an e-mail, the others\n# a printed letter:")  # fmt: skip
    email_demo.configure(folder)
    amsplan(folder, "lock", "--date", day.isoformat(), ok_codes=(0, 1), capture=True)
    amsplan(folder, "letters", "email")
    amsplan(folder, "letters", "generate")
    inbox, said = email_demo.answers(folder)
    print(f"\n# The answers arrive by e-mail (here: the folder {email_demo.INBOX}/; from a "
          "mailbox: replies fetch):" + "".join(f"\n#   {line}" for line in said))  # fmt: skip
    amsplan(folder, "replies", "ingest", str(inbox))
    print("\n# The bounced booking, the other time asked for and the neighbour's OK need a "
          "person:")  # fmt: skip
    amsplan(folder, "followup", "list", "--reason", "email_failed")
    amsplan(folder, "followup", "list", "--reason", "reply")
    print(f"\n# From cron, the team gets one e-mail with what changed ({email_demo.TEAM}); "
          "this is it:")  # fmt: skip
    amsplan(folder, "notify", "run", "--dry-run")
    amsplan(folder, "notify", "run")
    print(f"  e-mails: {folder / email_demo.OUTBOX} (a Maildir folder: open it in a mail "
          "program)")  # fmt: skip


def more_days(folder: Path, days: list[date], work: list, locked: list[tuple[str, str]],
              exclude: set[str]) -> None:  # fmt: skip
    """A sick technician, a rescheduled order, unlock/unassign, a lost letter, a full day."""
    later = next_workdays(days[-1], 3)  # free days for everybody
    sick, stand_in, filler = "T01", "T02", "T05"  # same working hours, 07:30-15:30
    sick_day = days[-1]
    where = {no: (tech, day) for tech, day, batch in work for no in batch}
    # Orders that got no answer: waiting for a reply to their letter (see replies).
    silent = [no for i, (no, _) in enumerate(locked)
              if (i % 10 == 9 or i % 20 == 17) and no not in TOUCHED | exclude
              and where[no] != (sick, sick_day)]  # fmt: skip
    lost = silent[0]

    print(f"\n# {sick} calls in sick for {sick_day}: the absence closes the day and lists the "
          f"visits booked\n# then. They move to {stand_in}, who has {later[0]} free; first "
          "see what would happen:")  # fmt: skip
    amsplan(folder, "techs", "absent", sick, "--from", sick_day.isoformat(), "--reason", "syk")
    move = ["move", "--from-tech", sick, "--date", sick_day.isoformat(), "--to-tech", stand_in,
            "--to-date", later[0].isoformat()]  # fmt: skip
    amsplan(folder, *move, "--dry-run")
    queued = count_change_sms(folder)
    amsplan(folder, *move, "--yes")
    told = count_change_sms(folder) - queued
    print(f"\n# The customers who already had a time are told: {told} change SMS queued; "
          "those without\n# a mobile are sent a new letter. The new day, and the sick day "
          "(closed):")  # fmt: skip
    amsplan(folder, "letters", "generate")
    new_letters = quiet(folder, "letters", "pending")
    amsplan(folder, "calendar", "--tech", stand_in, "--date", later[0].isoformat())
    amsplan(folder, "calendar", "--tech", sick, "--date", sick_day.isoformat())

    no_mobile, unlocked, unassigned = [
        no for no in (x["order_no"] for x in new_letters) if no not in TOUCHED | exclude
    ][:3]
    print(f"\n# {no_mobile} (no mobile; its new letter is not printed yet) gets another time: "
          "the letter\n# is withdrawn before anyone prints it, and a new one is made:")  # fmt: skip
    amsplan(folder, "followup", "reschedule", no_mobile, "--date", later[1].isoformat(),
            "--start", "12:00")  # fmt: skip
    amsplan(folder, "letters", "withdrawn")
    amsplan(folder, "letters", "generate")

    print(f"\n# {unlocked} must change before it is booked again: unlocked (back to planning, "
          f"time kept);\n# {unassigned} is taken off its technician's day (open again). "
          "Their codes are retired\n# and their letters withdrawn:")  # fmt: skip
    amsplan(folder, "unlock", unlocked, "--yes", "--comment", "Kunden ønsker annen dag")
    amsplan(folder, "unassign", unassigned, "--yes", "--comment", "Måleren må byttes av elektriker")
    amsplan(folder, "letters", "withdrawn")
    print(f"\n# {lost}'s letter came back in the post: the same letter again. What is left "
          "to print:")  # fmt: skip
    amsplan(folder, "letters", "reprint", lost, "--comment", "kom i retur")
    amsplan(folder, "letters", "pending")

    print(f"\n# Filling a day: the open orders of Etappe 2 by postcode, saved as a filter, "
          f"placed for\n# {filler} on {later[2]} until the day is full:")  # fmt: skip
    amsplan(folder, "orders", "list", "--stage", "Etappe 2", "--status", "Åpen", "--sort",
            "postcode", "--limit", "5", "--save-as", "Etappe 2 åpne")  # fmt: skip
    amsplan(folder, "assign", "--filter", "Etappe 2 åpne", "--tech", filler, "--date",
            later[2].isoformat(), "--start", "07:30", "--fill")  # fmt: skip
    amsplan(folder, "calendar", "--tech", filler, "--date", later[2].isoformat())

    tomorrow = (datetime.now(ZoneInfo("Europe/Oslo")).date() + timedelta(days=1)).isoformat()
    print("\n# Privacy: a purge of the orders closed so far (done by the technicians, or "
          f"closed like\n# {CLOSED}) would anonymise them and remove the files that hold "
          "their data:")  # fmt: skip
    amsplan(folder, "privacy", "purge", "--closed-before", tomorrow, "--dry-run")


def quiet(folder: Path, *args: str):
    """A listing's --json, read by the demo itself (not shown)."""
    code, out, err = run(folder, [*args, "--json"])
    if code:
        sys.exit(f"demo: `amsplan {' '.join(args)} --json` failed with exit code {code}: {err}")
    return json.loads(out)


def count_change_sms(folder: Path) -> int:
    queued = quiet(folder, "sms", "list", "--status", "queued")
    return sum(1 for m in queued if m["kind"] == "change")


QUESTION = "Hei, hva gjelder dette?"
FIXED_BY_HAND = "AMS-2026-000136"  # answers KONTAKT; returns.csv has its technician's return
CANCELLED = "AMS-2026-000127"  # waits for an answer when upstream.csv cancels it
CLOSED = "AMS-2026-000119"  # a failed visit, then cancelled by upstream.csv
# Orders named in returns.csv and upstream.csv, and the ones above
TOUCHED = {"AMS-2026-000116", "AMS-2026-000117", "AMS-2026-000118", "AMS-2026-000119",
           "AMS-2026-000121", "AMS-2026-000127", "AMS-2026-000136", "AMS-2026-000302",
           "AMS-2026-000311", "AMS-2026-000384", "AMS-2026-000502", "AMS-2026-000503",
           "AMS-2026-000600"}  # fmt: skip


def pretty(code: str) -> str:
    sys.path.insert(0, str(HERE.parent / "src"))
    from amsplan.domain import codes

    return codes.format_code(code)


def plain(row: dict[str, str]) -> bool:
    """The phone is 8 digits, as the customer system writes most of them."""
    return row["Telefon"].isdigit() and len(row["Telefon"]) == 8


def waiting_order(locked: list[tuple[str, str]]) -> str:
    """An order that got no answer in the first reply file (see replies) and nothing else."""
    return next(order_no for i, (order_no, _) in enumerate(locked)
                if i % 10 == 9 and order_no not in TOUCHED)  # fmt: skip


def write_replies(path: Path, rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerow(["Mottatt", "Avsender", "Melding"])
        writer.writerows(rows)


def write_orders(path: Path, rows: list[dict[str, str]], changes: dict[str, dict]) -> None:
    """orders.csv as the customer system exports it, with some cells changed."""
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), delimiter=";", lineterminator="\r\n")
        writer.writeheader()
        writer.writerows({**row, **changes.get(row["Ordrenr"], {})} for row in rows)


def show_letter(path: Path) -> None:
    from pypdf import PdfReader

    text = PdfReader(path).pages[0].extract_text()
    print(f"\n# The first lines of {path.name}:")
    for line in text.splitlines()[:22]:
        print(f"  | {line}")


if __name__ == "__main__":
    main()

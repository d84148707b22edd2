"""Booking by SMS through a provider, end to end, against a local fake Twilio.

    python sample_data/sms_demo.py demo-sms      # (what `make sms-demo` runs)

Starts a fake Twilio on 127.0.0.1 (tests/fakes/twilio.py: it checks every request as
Twilio documents it and signs its callbacks as Twilio does), writes FOLDER/amsplan.toml
with the `[sms]` settings of the README's "Connecting an SMS provider" (the auth token in
the environment, not in the file), starts `amsplan serve`, and then does what a planner
and cron do: book three customers by SMS, `sms dispatch`, and hear back. Twilio reports
the first booking SMS undelivered (the order goes to manual follow-up with the reason),
the second customer answers "CODE OK" (confirmed), the third answers "STOPP" (no more
SMS; the order needs a letter or a call). The demo runs as if it were 10:00 today, inside
the sending window.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]  # tests.fakes and demo's helpers

from demo import amsplan, next_workdays  # noqa: E402
from tests.fakes.twilio import FakeTwilio  # noqa: E402

ORDERS = ["AMS-2026-000116", "AMS-2026-000118", "AMS-2026-000119"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def config(twilio: FakeTwilio, base_url: str, port: int) -> str:
    return f"""[company]
name = "Hedmark Nett AS"

[sms]
provider = "twilio"
callback_url = "http://127.0.0.1:{port}"   # in production: https://amsplan.example.no

[sms.twilio]
account_sid = "{twilio.account_sid}"
from = "+4759440000"
base_url = "{base_url}"                  # in production: leave out (https://api.twilio.com)

[serve]
port = {port}
"""


def wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit("sms demo: amsplan serve did not start")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    sys.exit("sms demo: amsplan serve did not answer")


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "demo-sms").resolve()
    if folder.exists():
        if not (folder / "amsplan.toml").exists():
            sys.exit(f"sms demo: {folder} exists and is not a demo folder; not touching it")
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    twilio = FakeTwilio()
    port = free_port()
    # Secrets in the environment (of cron and of amsplan serve), never in amsplan.toml.
    os.environ["AMSPLAN_SMS_TWILIO_AUTH_TOKEN"] = twilio.auth_token
    os.environ["AMSPLAN_NOW"] = (
        datetime.combine(date.today(), datetime.min.time())
        .replace(hour=10)
        .isoformat(timespec="minutes")
    )
    with twilio.serve() as fake:
        amsplan(folder, "init", "--company", "Hedmark Nett AS", capture=True)
        print(f"\n# A fake Twilio listens on {fake.url}; amsplan.toml points at it:")
        (folder / "amsplan.toml").write_text(config(twilio, fake.url, port), encoding="utf-8")
        print((folder / "amsplan.toml").read_text(encoding="utf-8"))
        amsplan(folder, "techs", "import", str(HERE / "technicians.csv"), capture=True)
        amsplan(folder, "orders", "import", str(HERE / "orders.csv"), capture=True)
        day = next_workdays(date.today() + timedelta(days=14), 1)[0]
        print("\n# Three customers with mobile numbers, planned on one day:")
        for i, order_no in enumerate(ORDERS, 1):
            amsplan(folder, "orders", "edit", order_no, "--phone", f"+479123400{i}", capture=True)
        amsplan(folder, "assign", *ORDERS, "--tech", "T01", "--date", day.isoformat(),
                "--start", "08:00", "--slot", "1h")  # fmt: skip

        print("\n# amsplan serve takes Twilio's callbacks (in production behind nginx with TLS):")
        serve = subprocess.Popen(
            [sys.executable, "-m", "amsplan", "--user", "serve", "serve"], cwd=folder
        )
        try:
            wait_for(f"http://127.0.0.1:{port}/health", serve)
            loop(folder, twilio, port)
        finally:
            serve.terminate()
            serve.wait(10)


def loop(folder: Path, twilio: FakeTwilio, port: int) -> None:
    print("\n# Book by SMS: a booking code and a booking SMS each, queued in the outbox.")
    booked = json.loads(amsplan(folder, "sms", "book", *ORDERS, "--json", capture=True))
    codes = {x["order_no"]: x["code"].replace("-", "") for x in booked["booked"]}
    amsplan(folder, "sms", "list")
    print("\n# cron: sms dispatch sends what is due through Twilio (each message once):")
    amsplan(folder, "--user", "cron", "sms", "dispatch")
    sent = {m["order_no"]: m for m in
            json.loads(amsplan(folder, "sms", "list", "--json", capture=True))}  # fmt: skip

    print(f"\n# Twilio reports the booking SMS to {ORDERS[0]} undelivered (error 30003):")
    answer = twilio.status_callback(sent[ORDERS[0]]["provider_id"], "undelivered", "30003")
    print(f"  POST {sent[ORDERS[0]]['provider_id']} undelivered -> {answer.status_code}")
    for order_no in ORDERS[1:]:
        twilio.status_callback(sent[order_no]["provider_id"], "delivered")
    inbound = f"http://127.0.0.1:{port}/sms/twilio/inbound"
    reply = f"{codes[ORDERS[1]]} OK"
    print(f'\n# The customer of {ORDERS[1]} answers "{reply}"; the customer of {ORDERS[2]} '
          'answers "STOPP":')  # fmt: skip
    print(f"  inbound -> {twilio.inbound(inbound, '+4791234002', reply).status_code}")
    print(f"  inbound -> {twilio.inbound(inbound, '+4791234003', 'STOPP').status_code}")
    print("\n# The same webhook again (Twilio retries when it saw no answer): nothing changes.")
    print(f"  inbound -> {twilio.inbound(inbound, '+4791234003', 'STOPP').status_code}")

    print("\n# Where things stand:")
    amsplan(folder, "sms", "list")
    amsplan(folder, "followup", "list")
    for order_no in ORDERS:
        amsplan(folder, "orders", "show", order_no)
    states = {o: json.loads(amsplan(folder, "orders", "show", o, "--json", capture=True))
              for o in ORDERS}  # fmt: skip
    got = [states[o]["status"] for o in ORDERS]
    want = ["manual_followup", "ready_for_execution", "manual_followup"]
    if got != want or not states[ORDERS[2]]["no_sms"]:
        sys.exit(f"sms demo: the statuses are {got}, expected {want} and no SMS for the third")
    print(f"\nsms demo: done; everything is in {folder}")


if __name__ == "__main__":
    main()

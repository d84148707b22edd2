"""How many provider callbacks a real `amsplan serve` holds, and how fast it answers.

A fresh SQLite database with MESSAGES messages sent through Twilio; `amsplan serve` on
127.0.0.1; clients (CONNECTIONS threads, each with one keep-alive httpx connection) post
signed Twilio callbacks as Twilio does: a "delivered" status report for each message and
an inbound reply for each (half of them as many again "sent" reports, the rest customers'
texts). Two phases:

- flat out: every connection posts as fast as it is answered (the most it holds);
- paced: callbacks at --rate a second, spread evenly, for --seconds (latency at a load).

Prints throughput and p50/p99 latency per phase. Goal (issue 14): p99 under 200 ms at
200 callbacks/s or more on SQLite, two cores.

    .venv/bin/python bench/serve_callbacks.py
    .venv/bin/python bench/serve_callbacks.py --connections 8 --rate 300 --seconds 10
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from amsplan.adapters.sms.twilio import signature  # noqa: E402
from amsplan.store import db  # noqa: E402
from amsplan.store.models import Sms  # noqa: E402

TOKEN = "bench-auth-token"
BASE = "https://amsplan.example.no"


def setup(folder: Path, messages: int) -> Path:
    url = f"sqlite:///{folder / 'amsplan.db'}"
    config = folder / "amsplan.toml"
    config.write_text(
        f'[database]\nurl = "{url}"\n\n[company]\nname = "Bench AS"\n\n'
        f'[sms]\nprovider = "twilio"\ncallback_url = "{BASE}"\n\n'
        '[sms.twilio]\naccount_sid = "AC1"\nfrom = "+4759440000"\n',
        encoding="utf-8",
    )
    engine = db.make_engine(url)
    db.upgrade(engine)
    with db.session_scope(engine) as s:
        for i in range(messages):
            s.add(
                Sms(
                    kind="free_text",
                    to=f"+479{i:07d}",
                    text="Hei",
                    status="sent",
                    provider="twilio",
                    reference=f"ref-{i}",
                    provider_id=f"SM{i:032d}",
                )
            )
    engine.dispose()
    return config


def callbacks(messages: int) -> list[tuple[str, dict[str, str]]]:
    """(path, form) in the order a provider might send them."""
    out = []
    for i in range(messages):
        sid = f"SM{i:032d}"
        out.append(
            (
                f"/sms/twilio/status?ref=ref-{i}",
                {
                    "MessageSid": sid,
                    "MessageStatus": "sent" if i % 2 else "delivered",
                    "AccountSid": "AC1",
                },
            )
        )
        if i % 2:
            out.append(
                (
                    f"/sms/twilio/status?ref=ref-{i}",
                    {"MessageSid": sid, "MessageStatus": "delivered", "AccountSid": "AC1"},
                )
            )
        else:
            out.append(
                (
                    "/sms/twilio/inbound",
                    {
                        "MessageSid": f"SMin{i:030d}",
                        "From": f"+479{i:07d}",
                        "To": "+4759440000",
                        "Body": f"Hei, svar {i}",
                    },
                )
            )
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(config: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "AMSPLAN_CONFIG": str(config), "AMSPLAN_SMS_TWILIO_AUTH_TOKEN": TOKEN}
    amsplan = Path(sys.executable).with_name("amsplan")
    process = subprocess.Popen(
        [str(amsplan), "serve", "--port", str(port)],
        env=env,
        cwd=config.parent,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit("amsplan serve did not start")


def run(
    port: int, work: list[tuple[str, dict[str, str]]], connections: int, rate: float | None
) -> tuple[float, list[float]]:
    """Post every callback; (seconds taken, latencies in seconds). With a rate, callback
    i is due at start + i / rate (its latency counts from then: waiting for a free
    connection is latency too)."""
    latencies: list[float] = []
    lock = threading.Lock()
    start_at = time.perf_counter()
    index = iter(range(len(work)))

    def worker() -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            while True:
                with lock:
                    i = next(index, None)
                if i is None:
                    return
                path, form = work[i]
                due = start_at + i / rate if rate else time.perf_counter()
                if rate and (wait := due - time.perf_counter()) > 0:
                    time.sleep(wait)
                headers = {
                    "X-Twilio-Signature": signature(TOKEN, BASE + path, form),
                    "Content-Type": "application/x-www-form-urlencoded",
                }
                answer = client.post(path, content=urlencode(form), headers=headers)
                took = time.perf_counter() - due
                if answer.status_code != 200:
                    raise SystemExit(f"{path}: {answer.status_code} {answer.text}")
                with lock:
                    latencies.append(took)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start_at, latencies


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def report(name: str, seconds: float, latencies: list[float]) -> None:
    ms = sorted(x * 1000 for x in latencies)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    print(
        f"{name}: {len(ms)} callbacks in {seconds:.1f} s = {len(ms) / seconds:.0f}/s; "
        f"latency p50 {statistics.median(ms):.0f} ms, p99 {p99:.0f} ms, max {ms[-1]:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--rate", type=float, default=200.0, help="callbacks/s when paced")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the paced phase")
    args = parser.parse_args()
    paced = int(args.rate * args.seconds)
    with tempfile.TemporaryDirectory() as tmp:
        config = setup(Path(tmp), args.messages + paced // 2 + 1)
        work = callbacks(args.messages + paced // 2 + 1)
        port = free_port()
        process = start(config, port)
        try:
            print(f"load average at start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
            cpu = cpu_seconds(process.pid)
            seconds, latencies = run(port, work[: 2 * args.messages], args.connections, None)
            cpu = cpu_seconds(process.pid) - cpu
            report(f"flat out, {args.connections} connections", seconds, latencies)
            print(
                f"server CPU per callback: {cpu / len(latencies) * 1000:.1f} ms "
                f"(one process, one core at most: {len(latencies) / cpu:.0f}/s)"
            )
            rest = work[2 * args.messages :][:paced]
            seconds, latencies = run(port, rest, args.connections, args.rate)
            report(
                f"paced at {args.rate:.0f}/s, {args.connections} connections", seconds, latencies
            )
        finally:
            process.terminate()
            process.wait(10)


if __name__ == "__main__":
    main()

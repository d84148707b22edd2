"""A real `amsplan serve` process receiving real HTTP callbacks: verified, bounded, stored
before the 200, applied once, and nothing lost when it is killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from sqlmodel import func, select

from amsplan.adapters.sms.twilio import signature
from amsplan.store.models import Callback, History, Reply, Sms
from tests.integration.test_callbacks import (
    BASE,
    TOKEN,
    booked,
    message,
    order,
    twilio_workspace,
)

AMSPLAN = Path(sys.executable).with_name("amsplan")
SVEVE_TOKEN = "sveve-callback-token-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`amsplan serve` on 127.0.0.1 in the workspace, on `port` or a fresh port each start."""

    def __init__(self, ws, port: int | None = None) -> None:
        self.ws = ws
        self.process: subprocess.Popen[bytes] | None = None
        self.log = ws.path / "serve.log"
        self.fixed_port = port

    def start(self, **env_extra: str) -> Server:
        self.port = self.fixed_port or free_port()
        env = {**os.environ, "AMSPLAN_CONFIG": str(self.ws.path / "amsplan.toml"), **env_extra}
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [str(AMSPLAN), "serve", "--port", str(self.port)],
                cwd=self.ws.path,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise AssertionError("amsplan serve did not answer /health")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture
def ws(workspace, monkeypatch):
    monkeypatch.setenv("AMSPLAN_SMS_SVEVE_CALLBACK_TOKEN", SVEVE_TOKEN)
    return twilio_workspace(workspace, monkeypatch)


@pytest.fixture
def server(ws):
    config = ws.path / "amsplan.toml"
    config.write_text(config.read_text() + "\n[serve]\nmax_body = 2048\n", encoding="utf-8")
    started = Server(ws).start()
    yield started
    started.stop()


def post(
    server: Server,
    kind: str,
    form: dict[str, str],
    query: str = "",
    sign: str = TOKEN,
    client: httpx.Client | None = None,
) -> httpx.Response:
    """POST as Twilio does: signed over the public URL (callback_url), sent to us."""
    path = f"/sms/twilio/{kind}" + (f"?{query}" if query else "")
    headers = {"X-Twilio-Signature": signature(sign, BASE + path, form)} if sign else {}
    headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
    body = urlencode(form)
    if client is not None:
        return client.post(server.url + path, content=body, headers=headers, timeout=10)
    return httpx.post(server.url + path, content=body, headers=headers, timeout=10)


def callbacks_stored(ws) -> int:
    with ws.context().session() as s:
        return s.exec(select(func.count()).select_from(Callback)).one()


def test_signed_callbacks_are_applied_and_the_others_refused(ws, server):
    ((order_no, code),) = booked(ws)
    sms = message(ws)
    ok = post(
        server,
        "status",
        {"MessageSid": sms.provider_id, "MessageStatus": "delivered"},
        f"ref={sms.reference}",
    )
    assert (ok.status_code, ok.text) == (200, "")
    assert message(ws).delivery == "delivered"
    answer = post(
        server, "inbound", {"MessageSid": "SMi1", "From": "+4740000001", "Body": f"{code} ok"}
    )
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/xml")
    assert "<Response></Response>" in answer.text
    assert order(ws, order_no).status == "ready_for_execution"
    assert callbacks_stored(ws) == 2

    form = {"MessageSid": "SMx", "MessageStatus": "failed"}
    assert post(server, "status", form, sign="").status_code == 403
    assert post(server, "status", form, sign="not-the-token").status_code == 403
    assert (
        post(server, "status", {"MessageSid": "SMx", "MessageStatus": "bogus"}).status_code == 400
    )
    assert post(server, "inbound", {"MessageSid": "SMx"}).status_code == 400
    big = {"MessageSid": "SMx", "MessageStatus": "failed", "Pad": "x" * 4000}
    assert post(server, "status", big).status_code == 413
    chunked = httpx.post(
        f"{server.url}/sms/twilio/status",
        content=iter([b"a" * 1000] * 5),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert chunked.status_code == 413  # no Content-Length to trust: counted while read
    assert httpx.post(f"{server.url}/sms/nosuch/status", data=form).status_code == 404
    assert callbacks_stored(ws) == 2
    log = server.log.read_text(encoding="utf-8")
    assert "ref=" not in log and "OK" not in log and TOKEN not in log and "4740000001" not in log


def test_an_iso_8859_1_form_is_read_in_its_charset(ws, server):
    form = {"MessageSid": "SMl1", "From": "+4791111111", "Body": "Blåbær"}
    path = "/sms/twilio/inbound"
    headers = {
        "X-Twilio-Signature": signature(TOKEN, BASE + path, form),
        "Content-Type": "application/x-www-form-urlencoded; charset=ISO-8859-1",
    }
    body = urlencode(form, encoding="iso-8859-1")
    assert httpx.post(server.url + path, content=body, headers=headers).status_code == 200
    with ws.context().session() as s:
        assert s.exec(select(Reply.text)).one() == "Blåbær"


def test_a_flood_of_duplicates_is_applied_once(ws, server):
    ((order_no, code),) = booked(ws)
    form = {"MessageSid": "SMdup", "From": "+4740000001", "Body": f"{code} OK"}
    with httpx.Client() as client, ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: post(server, "inbound", form, client=client), range(40)))
    assert {a.status_code for a in answers} == {200}
    with ws.context().session() as s:
        assert len(s.exec(select(Reply)).all()) == 1
        confirmed = s.exec(select(History).where(History.transition == "reply_ok")).all()
    assert callbacks_stored(ws) == 1
    assert order(ws, order_no).status == "ready_for_execution" and len(confirmed) == 1


def test_sigkill_mid_stream_loses_nothing_and_applies_nothing_twice(ws, server):
    orders = booked(ws, 8)
    with ws.context().session() as s:
        sent = s.exec(select(Sms).order_by(Sms.id)).all()
    reports = [
        ("status", {"MessageSid": m.provider_id, "MessageStatus": "undelivered",
                    "ErrorCode": "30003"})
        for m in sent
    ]  # fmt: skip
    stream: list[tuple[str, dict[str, str]]] = []
    for i in range(72):  # customers' messages, the eight reports spread among them
        stream.append(("inbound", {"MessageSid": f"SMin{i:03d}", "From": f"+479{i:07d}",
                                   "Body": f"Hei {i}"}))  # fmt: skip
        if i % 9 == 4:
            stream.append(reports[i // 9])
    answered: set[int] = set()
    lock = threading.Lock()

    def send(item: tuple[int, tuple[str, dict[str, str]]]) -> None:
        index, (kind, form) = item
        try:
            if post(server, kind, form, client=client).status_code == 200:
                with lock:
                    answered.add(index)
        except httpx.TransportError:
            pass  # no answer: the provider tries again later

    client = httpx.Client()  # keep-alive connections, as a provider's
    with client, ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(send, item) for item in enumerate(stream)]
        while len(answered) < len(stream) // 2 and not all(f.done() for f in futures):
            time.sleep(0.005)
        server.kill()
        for f in futures:
            f.result()
    assert 0 < len(answered) < len(stream)
    server.start()  # applies what was stored but not applied
    with httpx.Client() as again:
        for index in sorted(set(range(len(stream))) - answered):  # the provider's retries
            kind, form = stream[index]
            assert post(server, kind, form, client=again).status_code == 200
    with ws.context().session() as s:
        rows = s.exec(select(Callback)).all()
        replies = s.exec(select(Reply.provider_id)).all()
        undelivered = s.exec(
            select(History.order_id).where(History.transition == "sms_undelivered")
        ).all()
    assert len(rows) == len(stream) and all(r.processed_at is not None for r in rows)
    assert sorted(replies) == sorted(f"SMin{i:03d}" for i in range(72))
    assert sorted(undelivered) == sorted({m.order_id for m in sent})
    for order_no, _ in orders:
        assert order(ws, order_no).status == "manual_followup"


def test_sveve_calls_with_get_and_its_token(ws, server, monkeypatch):
    ((order_no, _),) = booked(ws)
    ref = message(ws).reference
    query = {"number": "4740000001", "status": "false", "id": "42824112", "ref": ref,
             "errorCode": "4", "errorDesc": "Ugyldig nummer"}  # fmt: skip
    url = f"{server.url}/sms/sveve/status"
    assert httpx.get(url, params={**query, "token": "wrong"}).status_code == 403
    assert httpx.get(url, params=query).status_code == 403
    assert httpx.get(url, params={**query, "token": SVEVE_TOKEN}).status_code == 200
    assert order(ws, order_no).status == "manual_followup"
    assert "false (4 Ugyldig nummer)" in order(ws, order_no).followup_reason
    # A received message pushed with an ISO-8859-1 query (not valid UTF-8).
    push = f"{server.url}/sms/sveve/inbound?token={SVEVE_TOKEN}&number=4791234567&msg=Bl%E5b%E6r"
    assert httpx.get(push).status_code == 200
    with ws.context().session() as s:
        assert s.exec(select(Reply.text)).one() == "Blåbær"
    assert "Ugyldig" not in server.log.read_text() and SVEVE_TOKEN not in server.log.read_text()


def test_serve_refuses_to_start_without_what_it_needs(ws):
    config = ws.path / "amsplan.toml"
    env = {**os.environ, "AMSPLAN_CONFIG": str(config)}
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace(f'callback_url = "{BASE}"', ""), encoding="utf-8")
    run = subprocess.run([str(AMSPLAN), "serve", "--port", str(free_port())], env=env,
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert run.returncode == 3 and "callback_url" in run.stderr and "Traceback" not in run.stderr
    config.write_text(text.replace('provider = "twilio"', 'provider = "file"'), encoding="utf-8")
    run = subprocess.run([str(AMSPLAN), "serve", "--port", str(free_port())], env=env,
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert run.returncode == 3 and "no provider to hear from" in run.stderr


def test_the_running_server_applies_a_stored_callback_it_could_not_apply(ws):
    """The provider got its 200 and will not send it again: the server tries it again."""
    ((order_no, _),) = booked(ws)
    sms = message(ws)
    server = Server(ws).start(AMSPLAN_SERVE_RETRY_SECONDS="0.2")
    try:
        payload = ('{"delivery": "failed", "raw_state": "undelivered", "reference": null, '
                   '"error": "Twilio error 30003", "at": null}')  # fmt: skip
        with ws.context().session() as s:  # what a failed apply leaves: stored, pending
            s.add(Callback(provider="twilio", kind="status", provider_message_id=sms.provider_id,
                           dedup=f"twilio:status:{sms.provider_id}:undelivered",
                           received_at=datetime.now(UTC), payload=payload,
                           outcome="error: OperationalError (try 1)"))  # fmt: skip
        deadline = time.monotonic() + 20
        while order(ws, order_no).status != "manual_followup":
            assert time.monotonic() < deadline, server.log.read_text()
            time.sleep(0.1)
        with ws.context().session() as s:
            assert s.exec(select(Callback.outcome)).one() == "applied"
    finally:
        server.stop()

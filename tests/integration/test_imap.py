"""`replies fetch` against a real Dovecot (tests/fakes/dovecot.py): replies applied and
moved only once committed, the same message once, every failure one clear line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections import Counter
from datetime import UTC
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from amsplan.adapters import mailin
from amsplan.domain import codes
from amsplan.errors import ConfigError, InputError, Unavailable
from amsplan.services.mailfetch import fetch
from amsplan.services.mailreplies import ingest_path
from amsplan.store.models import History, Order, Reply
from tests.data.mail.build import maildir
from tests.fakes.dovecot import DONE, RECEIVED, mail
from tests.helpers import awaiting

AMSPLAN = [sys.executable, "-m", "amsplan"]  # a real amsplan process


@pytest.fixture
def ws(workspace, imap_account):
    """A workspace whose [imap] settings point at the test account (plain IMAP)."""
    with open(workspace.path / "amsplan.toml", "a", encoding="utf-8") as f:
        f.write(imap_account.toml())
    workspace.account = imap_account
    return workspace


def code_of(booked: list[tuple[str, str]], i: int) -> str:
    return codes.format_code(booked[i][1])


def statuses(ws) -> dict[str, str]:
    with ws.context().session() as s:
        return {o.order_no: o.status for o in s.exec(select(Order))}


def stored(ws) -> list[Reply]:
    with ws.context().session() as s:
        return list(s.exec(select(Reply).order_by(Reply.id)))


def applied(ws) -> Counter[int]:
    """order id -> how many replies were applied to it (reply_ok / reply_other)."""
    with ws.context().session() as s:
        rows = s.exec(select(History).where(History.transition.in_(("reply_ok", "reply_other"))))
        return Counter(h.order_id for h in rows)


def test_fetch_applies_an_ok_reply_and_moves_it_to_the_done_folder(ws):
    booked = awaiting(ws, 2)
    raw = mail(f"{code_of(booked, 0)} OK")
    ws.account.deliver(raw, at=RECEIVED.astimezone(ZoneInfo("Europe/Oslo")))  # 12:00 +0200

    result = fetch(ws.context())

    assert (result.found, result.new, result.moved) == (1, 1, 1)
    assert result.outcomes == {"confirmed": 1}
    assert result.source == f"imap:{ws.account.user}@127.0.0.1/INBOX"
    assert statuses(ws) == {booked[0][0]: "ready_for_execution", booked[1][0]: "awaiting_response"}
    assert ws.account.messages() == []
    assert ws.account.messages(DONE) == [raw]  # moved whole, as it came
    (reply,) = stored(ws)
    assert reply.received_at.replace(tzinfo=UTC) == RECEIVED  # the server's receipt time

    again = fetch(ws.context())  # nothing new: nothing read, nothing changed
    assert (again.found, again.new, again.already_ingested, again.moved) == (0, 0, 0, 0)
    assert len(stored(ws)) == 1


def test_the_oldest_messages_first_and_limit(ws):
    booked = awaiting(ws, 3)
    for i in range(3):
        ws.account.deliver(mail(f"{code_of(booked, i)} OK"), at=RECEIVED)

    first = fetch(ws.context(), limit=2)

    assert (first.found, first.moved) == (2, 2)
    assert [statuses(ws)[n] for n, _ in booked] == [
        "ready_for_execution", "ready_for_execution", "awaiting_response"]  # fmt: skip
    assert len(ws.account.messages()) == 1
    assert fetch(ws.context()).moved == 1
    assert set(statuses(ws).values()) == {"ready_for_execution"}
    with pytest.raises(InputError):
        fetch(ws.context(), limit=0)


def test_an_auto_reply_and_broken_mail_are_stored_and_moved_without_applying(ws):
    booked = awaiting(ws, 1)
    out_of_office = mail(
        f"Jeg er på ferie til 20. april. {code_of(booked, 0)} OK",
        subject="Fraværsmelding: Timeavtale", Auto_Submitted="auto-replied",
    )  # fmt: skip
    broken = (
        b"From: =?utf-8?q?broken?= <\r\n kari@example.no>\r\nMessage-ID: <broken@x>\r\n"
        b'Content-Type: multipart/mixed; boundary="nope\r\n\r\n--nope\r\nContent-Type: text/plain;'
        b" charset=x-unknown\r\n\r\n\xff\xfe\x00 OK \xc3\x28\r\n--nope"
    )
    ws.account.deliver(out_of_office, at=RECEIVED)
    ws.account.deliver(broken, at=RECEIVED)
    ws.account.deliver(b"\x00\x01 not a mail at all \xff\r\n", at=RECEIVED)

    result = fetch(ws.context())

    assert (result.found, result.new, result.moved) == (3, 3, 3)
    assert result.outcomes["auto_reply"] == 1 and "confirmed" not in result.outcomes
    assert len(stored(ws)) == 3
    assert statuses(ws) == {booked[0][0]: "awaiting_response"}  # nothing confirmed
    assert ws.account.messages() == [] and len(ws.account.messages(DONE)) == 3


def test_the_same_message_id_twice_is_applied_once_and_both_are_moved(ws):
    booked = awaiting(ws, 1)
    raw = mail(f"{code_of(booked, 0)} OK", message_id="<svar-1@mail.example.no>")
    ws.account.deliver(raw, at=RECEIVED)
    ws.account.deliver(raw, at=RECEIVED)  # e.g. sent to two of the company's addresses

    result = fetch(ws.context())

    assert (result.new, result.already_ingested, result.moved) == (1, 1, 2)
    assert len(stored(ws)) == 1
    assert list(applied(ws).values()) == [1]
    assert len(ws.account.messages(DONE)) == 2


def test_a_message_without_message_id_read_from_a_maildir_and_the_mailbox_is_applied_once(
    ws, tmp_path
):
    booked = awaiting(ws, 1)
    raw = mail(f"{code_of(booked, 0)} KONTAKT")
    raw = b"".join(line for line in raw.splitlines(keepends=True)
                   if not line.startswith(b"Message-ID:"))  # fmt: skip
    assert b"\r\n" in raw and mailin.parse(raw).message_id is None
    # The same message saved by the mail server into a Maildir (LF line ends) ...
    folder = maildir(tmp_path / "Svar", [raw.replace(b"\r\n", b"\n")])
    assert b"\r\n" not in next((folder / "new").iterdir()).read_bytes()
    assert ingest_path(ws.context(), folder).new == 1
    # ... and read over IMAP (CRLF): already ingested, only moved.
    ws.account.deliver(raw, at=RECEIVED)

    result = fetch(ws.context())

    assert (result.new, result.already_ingested, result.moved) == (0, 1, 1)
    assert len(stored(ws)) == 1
    assert list(applied(ws).values()) == [1]


@pytest.mark.parametrize("wrong", ["feil-passord-123", "feil-blåbær-123"])  # LOGIN, AUTH PLAIN
def test_a_wrong_password_is_one_clear_line_and_moves_nothing(ws, monkeypatch, wrong):
    ws.account.deliver(mail("Hei"), at=RECEIVED)
    monkeypatch.setenv("AMSPLAN_IMAP_PASSWORD", wrong)

    with pytest.raises(Unavailable) as err:
        fetch(ws.context())

    message = str(err.value)
    assert f"127.0.0.1:{ws.account.server.port} refused the login" in message
    assert wrong not in message and "\n" not in message
    assert len(ws.account.messages()) == 1 and stored(ws) == []


def test_no_password_names_the_variable(ws, monkeypatch):
    monkeypatch.delenv("AMSPLAN_IMAP_PASSWORD")
    with pytest.raises(ConfigError, match="AMSPLAN_IMAP_PASSWORD"):
        fetch(ws.context())


def test_a_missing_folder_is_named(ws):
    path = ws.path / "amsplan.toml"
    path.write_text(path.read_text() + 'folder = "Svar"\n')  # [imap] is the last section
    with pytest.raises(ConfigError, match="folder 'Svar'"):
        fetch(ws.context())


def test_a_server_that_is_down_or_silent_is_one_clear_line(ws):
    with socket.socket() as silent:  # accepts connections (backlog), never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        path = ws.path / "amsplan.toml"
        base = path.read_text().replace(f"port = {ws.account.server.port}", f"port = {port}")
        path.write_text(base.replace("timeout = 10", "timeout = 0.5"))
        with pytest.raises(Unavailable, match="did not answer within the timeout"):
            fetch(ws.context())
    with pytest.raises(Unavailable, match=f"127.0.0.1:{port}: connection refused"):
        fetch(ws.context())  # the port is closed now


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_tls_and_starttls_with_a_trusted_certificate(
    workspace, imap_account, monkeypatch, security
):
    with open(workspace.path / "amsplan.toml", "a", encoding="utf-8") as f:
        f.write(imap_account.toml(security))
    imap_account.deliver(mail("Hei"), at=RECEIVED)

    with pytest.raises(Unavailable, match="certificate is not trusted.*SSL_CERT_FILE"):
        fetch(workspace.context())  # the test server's certificate is self-signed
    assert len(imap_account.messages()) == 1

    monkeypatch.setenv("SSL_CERT_FILE", str(imap_account.server.cert))  # now trusted
    assert fetch(workspace.context()).moved == 1


def test_plain_imap_against_the_tls_port_is_a_clear_error(workspace, imap_account):
    settings = imap_account.toml("tls").replace('security = "tls"', 'security = "starttls"')
    with open(workspace.path / "amsplan.toml", "a", encoding="utf-8") as f:
        f.write(settings.replace("timeout = 10", "timeout = 1"))
    with pytest.raises(Unavailable) as err:
        fetch(workspace.context())
    assert f"127.0.0.1:{imap_account.server.tls_port}" in str(err.value)


def test_a_run_killed_between_commit_and_move_is_finished_by_the_next(ws):
    booked = awaiting(ws, 3)
    for i, word in enumerate(("OK", "KONTAKT", "OK")):
        ws.account.deliver(mail(f"{code_of(booked, i)} {word}"), at=RECEIVED)
    env = {**os.environ, "AMSPLAN_CRASH_AT": "imap:before-move"}

    killed = subprocess.run([*AMSPLAN, "replies", "fetch"], cwd=ws.path, env=env,
                            capture_output=True, text=True, timeout=120)  # fmt: skip

    assert killed.returncode == 137, killed.stderr  # died like SIGKILL, after the commit
    assert len(stored(ws)) == 3 and len(ws.account.messages()) == 3  # stored, not moved
    env.pop("AMSPLAN_CRASH_AT")
    done = subprocess.run([*AMSPLAN, "replies", "fetch", "--json"], cwd=ws.path, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert '"already_ingested": 3' in done.stdout and '"moved": 3' in done.stdout
    assert ws.account.messages() == [] and len(ws.account.messages(DONE)) == 3
    assert len(stored(ws)) == 3
    assert sorted(applied(ws).values()) == [1, 1, 1]  # each reply applied exactly once
    assert sorted(statuses(ws).values()) == [
        "manual_followup", "ready_for_execution", "ready_for_execution"]  # fmt: skip

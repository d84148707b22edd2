"""A real `amsplan letters email` killed mid-send (AMSPLAN_CRASH_AT, like SIGKILL: no
cleanup, no commit), then the next runs and a person: no booking e-mail is ever sent
twice (counted at the SMTP server), the messages the dead run left are in doubt (then
"unknown", for a person), and no order waits for a reply to an e-mail that did not go."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from amsplan.domain.bookmail import left_after
from amsplan.domain.states import EmailState
from amsplan.services import bookmail, letters
from amsplan.store.models import EmailMessage, Order
from tests.cli.support import data, ok
from tests.fakes.smtp import SmtpServer
from tests.integration.test_bookmail import booked, configure

T0 = datetime(2026, 4, 1, 6, 0, tzinfo=UTC)  # AMSPLAN_NOW of the tests: 08:00 in Oslo
ADDRESSES = {1: "kari@kunde.example", 2: "ola@kunde.example", 3: "aase@kunde.example"}


def letters_email(ws, crash_at: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "AMSPLAN_USER": "cron", "AMSPLAN_CRASH_AT": crash_at}
    return subprocess.run(
        [sys.executable, "-m", "amsplan", "letters", "email"],
        cwd=ws.path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def rows(ws) -> list[EmailMessage]:
    with ws.context().session() as s:
        return list(s.exec(select(EmailMessage).order_by(EmailMessage.id)))


def check_invariants(ws, server: SmtpServer) -> None:
    """Each order got at most one booking e-mail; an order awaits the answer to an
    e-mail exactly when the server took one for its code."""
    got = Counter(r.rcpt_tos[0] for r in server.received)
    assert all(n == 1 for n in got.values()), got
    with ws.context().session() as s:
        orders = list(s.exec(select(Order)))
    sent = {(r.order_id, r.booking_code) for r in rows(ws) if r.state is EmailState.SENT}
    for order in orders:
        waiting = order.status == "awaiting_response" and order.booking_channel == "email"
        assert waiting == ((order.id, order.booking_code) in sent), order.order_no


@pytest.mark.parametrize("crash_at", ["email:sending", "email:sent"])
def test_a_run_killed_mid_send_never_sends_a_booking_twice(workspace, crash_at):
    with SmtpServer() as server:
        configure(workspace, **server.settings())
        booked(workspace, 3, ADDRESSES)
        crashed = letters_email(workspace, crash_at)
        assert crashed.returncode == 137, crashed.stderr
        handed_over = 1 if crash_at == "email:sent" else 0
        assert len(server.wait_for(handed_over)) == handed_over
        assert [r.state for r in rows(workspace)] == [EmailState.SENDING] * 3
        check_invariants(workspace, server)

        # Soon after: the messages may still be on their way; nothing is sent or printed.
        soon = workspace.context(now=T0 + timedelta(minutes=5))
        rerun = bookmail.send_bookings(soon)
        assert rerun.sent == [] and len(rerun.in_doubt) == 3
        printed = letters.generate(soon)
        assert printed.generated == [] and len(printed.skipped) == 3
        assert len(server.received) == handed_over

        # Later: left by a dead run, they are "unknown", listed and flagged for a person.
        later = T0 + left_after(workspace.settings.email_timeout) + timedelta(minutes=1)
        env = {"AMSPLAN_NOW": later.isoformat()}
        unknown = data("email", "list", "--state", "unknown", env=env)
        assert sorted(m["order_no"] for m in unknown) == ["AMS-00001", "AMS-00002", "AMS-00003"]
        followups = data("followup", "list", env=env)
        assert {(f["order_no"], f["kind"]) for f in followups} == {
            (f"AMS-0000{n}", "email_failed") for n in (1, 2, 3)
        }
        assert bookmail.send_bookings(workspace.context(now=later)).sent == []
        assert len(server.received) == handed_over

        # A person looks at the server's log: the handed-over one went, the others not.
        went = {r.message["Message-ID"] for r in server.received}
        ids = {r.message_id: r.id for r in rows(workspace)}
        sent = [str(ids[m]) for m in went]
        not_sent = [str(i) for m, i in ids.items() if m not in went]
        if sent:
            ok("email", "settle", *sent, "--sent", env=env)
        ok("email", "settle", *not_sent, "--not-sent", env=env)
        check_invariants(workspace, server)
        final = bookmail.send_bookings(workspace.context(now=later))
        assert len(final.sent) == 3 - handed_over and final.ok
        assert len(server.wait_for(3)) == 3
        check_invariants(workspace, server)
    with workspace.context().session() as s:
        orders = list(s.exec(select(Order)))
    assert {(o.status, o.booking_channel, o.followup_kind) for o in orders} == {
        ("awaiting_response", "email", None)
    }


def test_two_runs_at_once_send_each_booking_once(workspace):
    with SmtpServer() as server:
        configure(workspace, **server.settings())
        booked(workspace, 3, ADDRESSES)
        env = {**os.environ, "AMSPLAN_USER": "cron"}
        env.pop("AMSPLAN_CRASH_AT", None)
        command = [sys.executable, "-m", "amsplan", "letters", "email", "--json"]
        runs = [subprocess.Popen(command, cwd=workspace.path, env=env, text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                for _ in range(2)]  # fmt: skip
        results = [json.loads(run.communicate(timeout=120)[0]) for run in runs]
        # One run records the chunk's messages; the other finds them being sent.
        assert sorted(len(r["sent"]) for r in results) == [0, 3]
        assert len(server.wait_for(3)) == 3
        check_invariants(workspace, server)
    assert [r.state for r in rows(workspace)] == [EmailState.SENT] * 3

"""A slow `letters email` run while planners and a second run act (services.outmail's
claim before each conversation): the live run's messages are neither shown in doubt nor
sent a second time, and a message shown in doubt while its run was alive still takes
the run's answer. A real SMTP server on 127.0.0.1 that holds chosen messages' data until
the test lets them through; the slow run in a thread with its own clock."""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

from amsplan.domain import bookmail as rules
from amsplan.domain.states import EmailState
from amsplan.errors import InputError
from amsplan.services import bookmail, emails
from amsplan.services.bookmail import BookingResult
from amsplan.services.context import Context
from tests.fakes.smtp import SmtpServer
from tests.integration.test_bookmail import booked, configure, messages, orders

T0 = datetime(2026, 4, 1, 6, 0, tzinfo=UTC)
ADDRESSES = {1: "kari@kunde.example", 2: "ola@kunde.example", 3: "aase@kunde.example"}
WAIT = 60.0  # seconds at most for anything the test waits for (rendering letters included)


class Held:
    """The server holds the data of the messages numbered in `held` (0: the first it
    receives) until `release(n)`; `arrived(n)` waits until message n's data came."""

    def __init__(self, server: SmtpServer, held: set[int]) -> None:
        self.came = [threading.Event() for _ in range(8)]
        self.let_go = [threading.Event() for _ in range(8)]
        handler = server.controller.handler
        original, count = handler.handle_DATA, itertools.count()

        async def handle_data(smtp, session, envelope):  # noqa: ANN001, ANN202
            n = next(count)
            self.came[n].set()
            while n in held and not self.let_go[n].is_set():
                await asyncio.sleep(0.01)
            return await original(smtp, session, envelope)

        handler.handle_DATA = handle_data  # read by each new SMTP session

    def arrived(self, n: int) -> None:
        assert self.came[n].wait(WAIT), f"message {n} never reached the server"

    def release(self, n: int) -> None:
        self.let_go[n].set()


class Run(threading.Thread):
    """`send_bookings(ctx)` in a thread: the slow run."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(daemon=True)
        self.ctx = ctx
        self.result: BookingResult | None = None
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            self.result = bookmail.send_bookings(self.ctx)
        except BaseException as err:  # noqa: BLE001 - handed to the test
            self.error = err

    def outcome(self) -> BookingResult:
        self.join(WAIT)
        assert not self.is_alive(), "the slow run did not finish"
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result


def per_recipient(server: SmtpServer) -> Counter[str]:
    return Counter(r.rcpt_tos[0] for r in server.received)


def test_a_slow_run_is_neither_shown_in_doubt_nor_doubled_by_a_planner_and_a_second_run(
    workspace,
):
    """The reviewer's case: a server taking long over each message; 16 minutes into the
    run a planner lists the e-mail, settles the third booking as not sent and starts a
    second run. Each customer gets one booking e-mail."""
    with SmtpServer() as server:
        held = Held(server, {0, 1})
        configure(workspace, **server.settings())
        booked(workspace, 3, ADDRESSES)
        clock = [T0]
        slow = workspace.context("cron")
        slow.now = lambda: clock[0]
        run = Run(slow)
        held.arrived(0)
        clock[0] = T0 + timedelta(minutes=16)  # the server is slow: 16 minutes later
        held.release(0)
        held.arrived(1)  # the run is on the second booking, the third still to send
        planner = workspace.context(now=T0 + timedelta(minutes=16, seconds=30))
        shown = emails.messages(planner, state="unknown")  # `email list`
        third = messages(workspace)[2]
        try:
            emails.settle(planner, [third.id], sent=False)
            refused = None
        except InputError as err:
            refused = err
        second = bookmail.send_bookings(planner)
        held.release(1)
        result = run.outcome()
    assert per_recipient(server) == Counter(ADDRESSES.values())  # one booking each
    assert shown == [] and "is sending" in str(refused.problems if refused else "")
    assert second.sent == [] and [n for n, _ in second.in_doubt] == ["AMS-00002", "AMS-00003"]
    assert [no for no, _ in result.sent] == ["AMS-00001", "AMS-00002", "AMS-00003"]
    assert per_recipient(server) == Counter(ADDRESSES.values())
    assert [m.state for m in messages(workspace)] == [EmailState.SENT] * 3
    assert {(o.status, o.followup_kind) for o in orders(workspace).values()} == {
        ("awaiting_response", None)
    }


def test_a_message_shown_in_doubt_while_its_run_was_alive_takes_the_run_s_answer(workspace):
    """The run stands still longer than left_after (a suspended machine, a stuck disk):
    `email list` shows its messages in doubt. The one on its way went: sent, its order
    awaits the answer, the doubt is settled. Those it had not tried are not sent by it:
    failed "not sent", their orders free for the next run, which sends each once."""
    with SmtpServer() as server:
        held = Held(server, {0})
        configure(workspace, **server.settings())
        booked(workspace, 3, ADDRESSES)
        run = Run(workspace.context("cron", now=T0))
        held.arrived(0)
        later = workspace.context(now=T0 + rules.left_after(30) + timedelta(minutes=1))
        shown = emails.messages(later, state="unknown")
        assert sorted(o for _, o in shown) == ["AMS-00001", "AMS-00002", "AMS-00003"]
        assert orders(workspace)["AMS-00001"].followup_kind == "email_failed"  # in doubt
        held.release(0)
        result = run.outcome()
        assert [no for no, _ in result.sent] == ["AMS-00001"]
        assert [no for no, _ in result.failed] == ["AMS-00002", "AMS-00003"]
        assert len(server.wait_for(1)) == 1
        first, second, third = messages(workspace)
        assert first.state is EmailState.SENT and first.settled_by is None
        assert second.state is third.state is EmailState.FAILED
        assert second.error.startswith("not sent: it was shown in doubt")
        now = orders(workspace)
        assert (now["AMS-00001"].status, now["AMS-00001"].followup_kind) == (
            "awaiting_response", None
        )  # fmt: skip
        assert {(now[n].status, now[n].followup_kind) for n in ("AMS-00002", "AMS-00003")} == {
            ("ready_to_print", None)
        }
        rerun = bookmail.send_bookings(later)
        assert [no for no, _ in rerun.sent] == ["AMS-00002", "AMS-00003"]
        assert len(server.wait_for(3)) == 3
    assert per_recipient(server) == Counter(ADDRESSES.values())

"""`notify run`: digests of changes to planners through a real SMTP server on 127.0.0.1,
each change once per recipient (also when two runs overlap), on both databases."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from amsplan.domain import codes
from amsplan.domain.states import EmailState
from amsplan.errors import Unavailable
from amsplan.services import field, notify, outmail
from amsplan.services.booking import book_by_sms
from amsplan.services.orders import set_owner
from amsplan.services.replies import ingest
from amsplan.store.models import EmailMessage, Notice
from tests.fakes.smtp import Behaviour, Received, SmtpServer, free_port
from tests.helpers import assign_all, seed

T0 = datetime(2026, 4, 1, 6, 0, tzinfo=UTC)  # 08:00 in Oslo: when the orders were booked
TEAM, BOSS = "planlegging@nett.example", "leder@nett.example"
KARI, OLA = "Kari.Nordmann@nett.example", "ola@nett.example"
NOTIFY = f"""
[notify]
team = "{TEAM}"

[notify.users]
kari = "Kari.Nordmann@NETT.example"
ola = "{OLA}"

[[notify.rule]]
when = ["reply_other", "followup:cancelled"]
to = ["owner"]

[[notify.rule]]
when = ["cancel_started"]
to = ["team", "{BOSS}"]
"""
REPLY = "Kan dere komme etter kl. 12? <b>Ærlig</b> & så"


def configure(ws, email: dict, notify_toml: str = NOTIFY) -> None:
    lines = [f"{k} = {v!r}" if not isinstance(v, str) else f'{k} = "{v}"' for k, v in email.items()]
    path = ws.path / "amsplan.toml"
    text = path.read_text(encoding="utf-8").split("\n[email]")[0]
    path.write_text(text + "\n[email]\n" + "\n".join(lines) + "\n" + notify_toml, encoding="utf-8")


def reply(ws, code: str, text: str, at: datetime, user: str = "kari") -> None:
    path = ws.path / f"svar-{at:%H%M%S}.csv"
    received = f"{at.astimezone(UTC):%Y-%m-%dT%H:%M:%S}+00:00"
    path.write_text(f"Mottatt;Avsender;Melding\n{received};+4799999901;"
                    f"{codes.format_code(code)} {text}\n", encoding="utf-8")  # fmt: skip
    assert ingest(ws.context(user, now=at), path).outcomes == {"followup": 1}


def cancel(ws, order_no: str, at: datetime, user: str = "ola") -> None:
    path = ws.path / f"kansellert-{at:%H%M%S}.csv"
    path.write_text(f"Ordrenr;Type;Tidspunkt;Årsak\n{order_no};kansellert;;Anlegget er revet\n",
                    encoding="utf-8")  # fmt: skip
    assert field.ingest_upstream(ws.context(user, now=at), path).outcomes == {"applied": 1}


def booked(ws, count: int = 3) -> list[tuple[str, str]]:
    """`count` orders booked by SMS, awaiting a reply: [(order_no, code)]; AMS-00002 is
    Ola's, the others Kari's."""
    order_nos = seed(ws, count)
    assign_all(ws, order_nos)
    orders = book_by_sms(ws.context(now=T0), order_nos).moved
    assert len(orders) == count
    set_owner(ws.context(now=T0), [orders[0][0], *[n for n, _ in orders[2:]]], "kari")
    set_owner(ws.context(now=T0), [orders[1][0]], "ola")
    return orders


def by_recipient(received: list[Received]) -> dict[str, list[Received]]:
    found: dict[str, list[Received]] = {}
    for got in received:
        (to,) = got.rcpt_tos
        found.setdefault(to, []).append(got)
    return found


def bodies(got: Received) -> tuple[str, str]:
    """The text and HTML bodies (line ends as in Python)."""
    msg = got.message
    return tuple(msg.get_body((kind,)).get_content().replace("\r\n", "\n")
                 for kind in ("plain", "html"))  # fmt: skip


def rows(ws) -> tuple[list[EmailMessage], list[Notice]]:
    with ws.context().session() as s:
        return list(s.exec(select(EmailMessage))), list(s.exec(select(Notice)))


def test_one_digest_per_recipient_with_its_changes_then_only_what_is_new(workspace):
    with SmtpServer() as server:
        configure(workspace, server.settings(reply_to="svar@nett.example"))
        orders = booked(workspace)
        reply(workspace, orders[0][1], REPLY, T0 + timedelta(minutes=5))
        cancel(workspace, orders[1][0], T0 + timedelta(minutes=10))

        result = notify.run(workspace.context("cron", now=T0 + timedelta(minutes=15)))

        assert {(d.recipient, d.changes, d.state) for d in result.digests} == {
            (KARI, 1, EmailState.SENT), (OLA, 1, EmailState.SENT),
            (TEAM, 1, EmailState.SENT), (BOSS, 1, EmailState.SENT),
        }  # fmt: skip
        got = by_recipient(server.wait_for(4))
        assert sorted(got) == sorted([KARI, OLA, TEAM, BOSS])
        kari_text, kari_html = bodies(got[KARI][0])
        assert got[KARI][0].message["Subject"] == "amsplan: 1 change since 08:05"
        # A planner's answer goes to the team, never to the customers' reply mailbox.
        assert got[KARI][0].message["Reply-To"] == TEAM
        assert "AMS-00001" in kari_text and "Other reply" in kari_text and "kari" in kari_text
        assert "01.04.2026 08:05" in kari_text and "Kari Nordmann 1" in kari_text
        assert REPLY in kari_text  # the customer's words, as written, in the text body
        assert "&lt;b&gt;Ærlig&lt;/b&gt; &amp; så" in kari_html and "<b>Ærlig" not in kari_html
        assert ">AMS-00001</td>" in kari_html and "<td>Other reply</td>" in kari_html
        assert "AMS-00002" not in kari_text  # Ola's order: not Kari's
        ola_text, _ = bodies(got[OLA][0])  # the follow-up reason, by the owner rule
        assert re.search(r"^01.04.2026 08:10 AMS-00002 +Kari Nordmann 2 +cancelled upstream +ola$",
                         ola_text, re.M)  # fmt: skip
        assert "Anlegget er revet" in ola_text  # the comment of the transition that set it
        team_text, team_html = bodies(got[TEAM][0])  # the transition, with its flag's reason
        assert "AMS-00002" in team_text and "Cancelled" in team_text
        assert "Anlegget er revet" in team_text and "<th>Reason / comment</th>" in team_html
        assert bodies(got[BOSS][0])[0] == team_text

        again = notify.run(workspace.context("cron", now=T0 + timedelta(minutes=30)))
        assert again.digests == [] and len(server.received) == 4  # nothing changed

        reply(workspace, orders[2][1], "Ring meg", T0 + timedelta(minutes=40))
        later = notify.run(workspace.context("cron", now=T0 + timedelta(minutes=45)))
        assert [(d.recipient, d.changes) for d in later.digests] == [(KARI, 1)]
        (new,) = server.wait_for(5)[4:]
        text, _ = bodies(new)
        assert "AMS-00003" in text and "Ring meg" in text and "AMS-00001" not in text
        assert new.message["Subject"] == "amsplan: 1 change since 08:40"
    messages, notices = rows(workspace)
    assert [m.state for m in messages] == [EmailState.SENT] * 5
    assert len({m.message_id for m in messages}) == 5


def test_nothing_is_sent_when_nothing_changed(workspace):
    with SmtpServer() as server:
        configure(workspace, server.settings())
        booked(workspace)
        result = notify.run(workspace.context("cron", now=T0 + timedelta(hours=1)))
        assert result.rules == 2 and result.digests == []
    assert server.received == [] and rows(workspace) == ([], [])


def run_process(ws) -> subprocess.Popen:
    env = {**os.environ, "AMSPLAN_USER": "cron", "AMSPLAN_NOW": "2026-04-01T09:00"}
    env.pop("AMSPLAN_CRASH_AT", None)
    return subprocess.Popen([sys.executable, "-m", "amsplan", "notify", "run"], cwd=ws.path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)  # fmt: skip


def test_two_runs_at_once_notify_each_change_once_per_recipient(workspace):
    with SmtpServer(Behaviour(hang_data=0.2)) as server:  # slow: the runs overlap longer
        configure(workspace, server.settings())
        orders = booked(workspace, 8)
        for i, (order_no, code) in enumerate(orders):
            at = T0 + timedelta(minutes=i + 1)
            if i % 2:
                reply(workspace, code, f"Svar {i}", at)
            else:
                cancel(workspace, order_no, at)
        procs = [run_process(workspace), run_process(workspace)]
        outputs = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], outputs
        assert all("Traceback" not in err for _, err in outputs)
        got = by_recipient(server.wait_for(4))
    # Kari: 3 replies (AMS-00004, 6, 8) and 4 cancellations (AMS-00001, 3, 5, 7); Ola:
    # the reply to AMS-00002; team and boss: the 4 cancellations. Each once, one digest each.
    assert {to: len(messages) for to, messages in got.items()} == {KARI: 1, OLA: 1, TEAM: 1,
                                                                     BOSS: 1}  # fmt: skip
    seen = Counter()
    for to, (message,) in got.items():
        text, _ = bodies(message)
        for order_no, _ in orders:
            seen[(to, order_no)] += text.count(order_no)
    assert set(seen.values()) <= {0, 1}
    assert sum(seen[(KARI, n)] for n, _ in orders) == 7
    assert sum(seen[(TEAM, n)] for n, _ in orders) == 4
    _, notices = rows(workspace)
    assert len({(n.source, n.source_id, n.recipient) for n in notices}) == len(notices)


def test_a_refused_digest_is_released_and_sent_by_the_next_run(workspace):
    refusal = {KARI.lower(): "550 5.1.1 <kari.nordmann@nett.example> unknown user"}
    with SmtpServer(Behaviour(refuse=refusal)) as server:
        configure(workspace, server.settings())
        orders = booked(workspace)
        reply(workspace, orders[0][1], REPLY, T0 + timedelta(minutes=5))
        cancel(workspace, orders[1][0], T0 + timedelta(minutes=10))
        first = notify.run(workspace.context("cron", now=T0 + timedelta(minutes=15)))
        (failed,) = first.failed
        assert (failed.recipient, failed.state) == (KARI, EmailState.FAILED)
        assert failed.error == "550 5.1.1 <address> unknown user"
        assert len(server.wait_for(3)) == 3  # the others went
        server.behaviour.refuse.clear()
        second = notify.run(workspace.context("cron", now=T0 + timedelta(minutes=30)))
        assert [(d.recipient, d.changes, d.state) for d in second.digests] == [
            (KARI, 1, EmailState.SENT)
        ]
        (resent,) = server.wait_for(4)[3:]
    assert resent.rcpt_tos == [KARI] and REPLY in bodies(resent)[0]


def test_a_digest_the_server_took_without_answering_is_in_doubt_and_not_sent_again(workspace):
    with SmtpServer(Behaviour(hang_data=3)) as server:
        configure(workspace, server.settings(timeout=1), NOTIFY.split("\n\n[[notify.rule]]")[0]
                  + '\n\n[[notify.rule]]\nwhen = ["reply_other"]\nto = ["kari"]\n')  # fmt: skip
        orders = booked(workspace)
        reply(workspace, orders[0][1], REPLY, T0 + timedelta(minutes=5))
        first = notify.run(workspace.context("cron", now=T0 + timedelta(minutes=15)))
        assert [d.state for d in first.failed] == [EmailState.UNKNOWN]
        assert len(server.received) == 1  # it did reach the server
        server.behaviour.hang_data = 0
        second = notify.run(workspace.context("cron", now=T0 + timedelta(minutes=30)))
        assert second.digests == [] and len(server.received) == 1  # never twice blindly
    (message,), notices = rows(workspace)
    assert message.state is EmailState.UNKNOWN and len(notices) == 2  # the reply and its flag


def test_a_server_that_cannot_be_reached_keeps_the_changes_for_the_next_run(workspace):
    configure(workspace, {"host": "127.0.0.1", "port": free_port(), "security": "none",
                          "from": "post@nett.example"})  # fmt: skip
    orders = booked(workspace)
    reply(workspace, orders[0][1], REPLY, T0 + timedelta(minutes=5))
    with pytest.raises(Unavailable, match="cannot reach the mail server"):
        notify.run(workspace.context("cron", now=T0 + timedelta(minutes=15)))
    assert rows(workspace) == ([], [])  # nothing recorded, nothing claimed
    with SmtpServer() as server:
        configure(workspace, server.settings())
        result = notify.run(workspace.context("cron", now=T0 + timedelta(minutes=30)))
        assert [(d.recipient, d.state) for d in result.digests] == [(KARI, EmailState.SENT)]
        assert len(server.wait_for(1)) == 1


def test_a_dry_run_shows_the_digests_and_records_and_sends_nothing(workspace):
    with SmtpServer() as server:
        configure(workspace, server.settings())
        orders = booked(workspace)
        reply(workspace, orders[0][1], REPLY, T0 + timedelta(minutes=5))
        dry = notify.run(workspace.context("cron", now=T0 + timedelta(minutes=15)), dry_run=True)
        (digest,) = dry.digests
        assert (digest.recipient, digest.subject, digest.state) == (
            KARI, "amsplan: 1 change since 08:05", None)  # fmt: skip
        assert REPLY in digest.text and "AMS-00001" in digest.text
        assert server.received == [] and rows(workspace) == ([], [])
        real = notify.run(workspace.context("cron", now=T0 + timedelta(minutes=15)))
        assert [d.recipient for d in real.digests] == [KARI]


def test_an_owner_without_an_address_is_reported_once_and_gets_it_once_added(workspace):
    with SmtpServer() as server:
        configure(workspace, server.settings())
        orders = booked(workspace)
        set_owner(workspace.context(now=T0), [orders[0][0]], "per")
        reply(workspace, orders[0][1], REPLY, T0 + timedelta(minutes=5))
        first = notify.run(workspace.context("cron", now=T0 + timedelta(minutes=15)))
        assert first.digests == []
        assert [(u.owner, u.orders) for u in first.unaddressed] == [("per", ["AMS-00001"])]
        second = notify.run(workspace.context("cron", now=T0 + timedelta(minutes=30)))
        assert second.unaddressed == [] and second.digests == []
        configure(
            workspace,
            server.settings(),
            NOTIFY.replace("[notify.users]", '[notify.users]\nper = "per@nett.example"'),
        )
        third = notify.run(workspace.context("cron", now=T0 + timedelta(minutes=45)))
        assert [(d.recipient, d.changes) for d in third.digests] == [("per@nett.example", 1)]
        assert server.wait_for(1)[0].rcpt_tos == ["per@nett.example"]


def test_a_change_older_than_the_horizon_when_first_seen_is_not_sent(workspace):
    with SmtpServer() as server:
        configure(workspace, server.settings())
        orders = booked(workspace)
        reply(workspace, orders[0][1], REPLY, T0 + timedelta(minutes=5))
        late = T0 + timedelta(minutes=5, hours=72, seconds=1)
        assert notify.run(workspace.context("cron", now=late)).digests == []
        assert notify.run(workspace.context("cron", now=late - timedelta(seconds=2))).digests
        assert len(server.wait_for(1)) == 1


def test_times_are_local_on_both_sides_of_the_change_to_winter_time(workspace):
    """25 October 2026: 00:30 and 01:30 UTC are both 02:30 in Oslo (summer, then winter)."""
    with SmtpServer() as server:
        configure(workspace, server.settings())
        orders = booked(workspace)
        night = datetime(2026, 10, 25, tzinfo=UTC)
        reply(workspace, orders[0][1], "Første", night + timedelta(minutes=30))
        reply(workspace, orders[2][1], "Andre", night + timedelta(minutes=90))
        result = notify.run(workspace.context("cron", now=night + timedelta(hours=6)))
        assert [(d.recipient, d.changes) for d in result.digests] == [(KARI, 2)]
        (got,) = server.wait_for(1)
    text, _ = bodies(got)
    first, second = text.index("Første"), text.index("Andre")
    assert first < second  # in the order they happened
    assert text.count("25.10.2026 02:30") == 2 and "03:30" not in text and "01:30" not in text
    assert got.message["Subject"] == "amsplan: 2 changes since 02:30"


def test_a_dead_run_leaves_its_digest_in_doubt_and_it_is_not_sent_again(workspace):
    with SmtpServer() as server:
        configure(workspace, server.settings())
        orders = booked(workspace)
        reply(workspace, orders[0][1], REPLY, T0 + timedelta(minutes=5))
        env = {**os.environ, "AMSPLAN_USER": "cron", "AMSPLAN_NOW": "2026-04-01T08:15",
               "AMSPLAN_CRASH_AT": "email:sending"}  # fmt: skip
        crashed = subprocess.run([sys.executable, "-m", "amsplan", "notify", "run"],
                                 cwd=workspace.path, env=env, capture_output=True, text=True,
                                 timeout=120)  # fmt: skip
        assert crashed.returncode == 137 and server.received == []
        later = T0 + timedelta(minutes=15) + outmail.left_after(30) + timedelta(seconds=1)
        result = notify.run(workspace.context("cron", now=later))
        assert result.left == 1 and result.digests == [] and server.received == []
    (message,), notices = rows(workspace)
    assert message.state is EmailState.UNKNOWN and len(notices) == 2  # the reply and its flag


def test_a_reason_settled_before_the_run_is_no_news(workspace):
    """A follow-up reason set and settled between two runs (a cancellation lifted again)
    is not sent as if it were still open; the transition itself still is."""
    with SmtpServer() as server:
        configure(workspace, server.settings())
        orders = booked(workspace)
        cancel(workspace, orders[1][0], T0 + timedelta(minutes=10))
        lifted = field.uncancel(workspace.context("ola", now=T0 + timedelta(minutes=12)),
                                [orders[1][0]], "Feil i kundesystemet")  # fmt: skip
        assert lifted.moved
        result = notify.run(workspace.context("cron", now=T0 + timedelta(minutes=15)))
        assert {d.recipient for d in result.digests} == {TEAM, BOSS}  # not Ola: settled
        assert len(server.wait_for(2)) == 2

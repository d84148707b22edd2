"""amsplan notify run | rules: what a planner and cron see, and the exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

from tests import jsondoc
from tests.cli.support import error, fails, ok, run
from tests.fakes.smtp import Behaviour, SmtpServer, free_port
from tests.integration.test_notify import KARI, NOTIFY, REPLY, T0, booked, configure, reply

LATER = {"AMSPLAN_NOW": "2026-04-01T08:15"}


def test_rules_shows_each_rule_with_its_recipients_resolved(workspace):
    configure(workspace, {"from": "post@nett.example"})
    out = ok("notify", "rules").stdout
    assert "reply_other (Other reply)" in out and "followup:cancelled (cancelled upstream)" in out
    assert "owner: each order's owner, by [notify.users]: kari → Kari.Nordmann@nett.example" in out
    assert "team → planlegging@nett.example" in out and "leder@nett.example" in out
    assert "older than 72 hours" in out
    rules = jsondoc.check("notify rules", ok("notify", "rules", "--json").stdout)
    assert {"name": "kari", "address": "Kari.Nordmann@nett.example"} in rules["users"]
    assert rules["rules"][1]["to"] == [
        {"name": "team", "address": "planlegging@nett.example"},
        {"name": "leder@nett.example", "address": "leder@nett.example"},
    ]


def test_a_bad_rule_stops_every_command_with_one_line(workspace):
    configure(workspace, {}, '[[notify.rule]]\nwhen = ["reply_othr"]\nto = ["owner"]\n')
    message = error(3, "notify", "rules")
    assert "notify.rule 1: unknown transition 'reply_othr'" in message


def test_dry_run_prints_the_digests_then_a_run_sends_them_quietly(workspace):
    with SmtpServer() as server:
        configure(workspace, server.settings())
        orders = booked(workspace)
        reply(workspace, orders[0][1], REPLY, T0 + timedelta(minutes=5))
        dry = ok("notify", "run", "--dry-run", env=LATER).stdout
        assert f"To: {KARI}\nSubject: amsplan: 1 change since 08:05" in dry
        assert REPLY in dry and "1 digest would be sent" in dry
        norsk = ok("notify", "run", "--dry-run", env={**LATER, "AMSPLAN_LANGUAGE": "nb"}).stdout
        assert f"Til: {KARI}\nEmne: amsplan: 1 endring siden 08:05" in norsk
        assert "Hei,\n" in norsk and "Årsak / kommentar" in norsk and "1 sammendrag ville" in norsk
        assert REPLY in norsk  # the customer's words as written
        assert server.received == []
        sent = ok("notify", "run", env=LATER)
        assert sent.stdout == "" and sent.stderr == ""  # cron mails only problems
        assert len(server.wait_for(1)) == 1
        again = json.loads(ok("notify", "run", "--json", env=LATER).stdout)
        assert again["digests"] == [] and len(server.received) == 1


def test_a_refused_digest_exits_1_and_says_so_on_stderr(workspace):
    refusal = {KARI.lower(): "550 5.1.1 <kari.nordmann@nett.example> unknown user"}
    with SmtpServer(Behaviour(refuse=refusal)) as server:
        configure(workspace, server.settings())
        orders = booked(workspace)
        reply(workspace, orders[0][1], REPLY, T0 + timedelta(minutes=5))
        result = fails(1, "notify", "run", "--json", env=LATER)
    (digest,) = jsondoc.check("notify run", result.stdout)["digests"]
    assert (digest["state"], digest["error"]) == ("failed", "550 5.1.1 <address> unknown user")
    assert f"the digest to {KARI} failed: 550 5.1.1 <address> unknown user" in result.stderr


def test_a_mail_server_that_cannot_be_reached_exits_8(workspace):
    configure(workspace, {"host": "127.0.0.1", "port": free_port(), "security": "none",
                          "from": "post@nett.example"})  # fmt: skip
    orders = booked(workspace)
    reply(workspace, orders[0][1], REPLY, T0 + timedelta(minutes=5))
    message = error(8, "notify", "run", env=LATER)
    assert "cannot reach the mail server 127.0.0.1" in message


def test_an_owner_without_an_address_is_reported_on_stderr_once(workspace):
    with SmtpServer() as server:
        configure(workspace, server.settings(), NOTIFY.replace('ola = "', 'olav = "'))
        orders = booked(workspace)
        reply(workspace, orders[1][1], REPLY, T0 + timedelta(minutes=5))  # Ola's order
        first = run("notify", "run", env=LATER)
        assert first.exit_code == 0 and first.stdout == ""
        assert first.stderr == (
            "notify run: owner 'ola' has no address in [notify.users]: not told of 1 order:"
            " AMS-00002\n"
        )
        assert run("notify", "run", env=LATER).stderr == ""
    assert server.received == []


def test_help_loads_neither_the_services_nor_the_mail_libraries():
    code = (
        "import sys; from amsplan.cli import app; app(['notify', 'run', '--help'], "
        "standalone_mode=False); print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('email_validator', 'jinja2') or m.startswith(('amsplan.services', 'amsplan.store'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("[]"), out.stdout
    assert "[notify] horizon_hours" in " ".join(out.stdout.split())

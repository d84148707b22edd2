"""amsplan sms dispatch (cron): its summary, --json and exit codes; sms list --status."""

from __future__ import annotations

import pytest

from tests.cli.support import data, error, fails, ok, row
from tests.fakes.config import serving, set_sms
from tests.fakes.sveve import FakeSveve
from tests.fakes.twilio import FakeTwilio
from tests.helpers import assign_all, seed

NOW = "2026-04-15T10:00"  # inside the sending window


@pytest.fixture
def twilio(workspace, monkeypatch):
    with serving(workspace, monkeypatch, FakeTwilio()) as fake:
        yield fake


def booked(ws, count: int) -> list[str]:
    order_nos = seed(ws, count)
    assign_all(ws, order_nos)
    ok("sms", "book", *order_nos, "--json")
    return order_nos


def test_with_the_file_provider_dispatch_writes_the_export(workspace, monkeypatch):
    monkeypatch.setenv("AMSPLAN_NOW", NOW)
    booked(workspace, 2)
    out = ok("sms", "dispatch").stdout
    assert out.startswith("Provider file: 2 messages in ") and "sms-out" in out
    assert ok("sms", "dispatch").stdout.strip() == "Provider file: 0 messages; nothing written"


def test_dispatch_summary_and_exit_code_1_when_one_failed(workspace, twilio, monkeypatch):
    monkeypatch.setenv("AMSPLAN_NOW", NOW)
    booked(workspace, 3)
    twilio.invalid.add("+4740000002")
    result = fails(1, "sms", "dispatch")
    assert result.stdout.strip() == "Provider twilio: 2 sent, 1 failed, 0 unknown"
    assert "40000002" not in result.output
    # what needs a person reaches stderr, which cron mails (the crontab drops stdout)
    assert result.stderr.strip() == (
        "sms dispatch: 1 failed, 0 unknown, 0 still sending: "
        "amsplan sms list --status failed|unknown"
    )
    listed = ok("sms", "list", "--status", "failed").stdout
    assert "Twilio HTTP 400: error 21211" in row(listed, "AMS-00002", "booking", "failed")
    assert data("sms", "dispatch") == {
        "provider": "twilio", "sent": 0, "failed": 0, "unknown": 0, "withdrawn": 0,
        "requeued": 0, "reconciled": 0, "unsettled": 0, "exported": 0, "file": None, "ok": True,
    }  # fmt: skip


def test_an_unanswered_sveve_request_is_listed_as_unknown(workspace, monkeypatch):
    monkeypatch.setenv("AMSPLAN_NOW", NOW)
    with serving(workspace, monkeypatch, FakeSveve()) as sveve:
        booked(workspace, 2)
        set_sms(workspace, timeout=0.5)
        sveve.script.hang = 2
        sveve.script.then("hang")  # no answer: Sveve may have it, and cannot be asked
        result = fails(1, "sms", "dispatch")
    assert result.stdout.strip() == "Provider sveve: 1 sent, 0 failed, 1 unknown"
    # Which of the two requests (sent at once) met the hang is up to the workers.
    states = {m["order_no"]: m["status"] for m in data("sms", "list")}
    assert sorted(states.values()) == ["sent", "unknown"]
    unknown, sent = sorted(states, key=lambda n: states[n] == "sent")
    listed = ok("sms", "list", "--status", "unknown").stdout
    assert "no answer from the provider" in row(listed, unknown, "booking", "unknown")
    assert sent not in listed


def test_dispatch_has_no_now_option_it_runs_on_the_real_clock(workspace):
    result = fails(2, "sms", "dispatch", "--now", "2026-04-15T22:00")
    assert "No such option: --now" in result.output


def test_status_lists_the_new_states(workspace):
    err = error(5, "sms", "list", "--status", "lost")
    assert "sending" in err and "unknown" in err


def test_a_missing_provider_setting_is_a_clear_error_and_nothing_is_lost(workspace, monkeypatch):
    monkeypatch.setenv("AMSPLAN_NOW", NOW)
    with serving(workspace, monkeypatch, FakeTwilio()) as twilio:
        booked(workspace, 2)
        text = (workspace.path / "amsplan.toml").read_text(encoding="utf-8")
        (workspace.path / "amsplan.toml").write_text(
            text.replace('from = "+4759440000"\n', ""), encoding="utf-8"
        )
        err = error(3, "sms", "dispatch")
        assert "[sms.twilio] from is not set" in err and twilio.requests == 0
    assert [m["status"] for m in data("sms", "list")] == ["queued", "queued"]

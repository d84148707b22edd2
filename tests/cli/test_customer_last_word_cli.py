"""Issue 12: replies and reminders never contradict the customer.

Each test replays one reported case through the CLI with a fixed clock per command
(AMSPLAN_NOW, or --now): the time of each event decides, not the order the files arrive.
"""

from __future__ import annotations

import csv
from pathlib import Path

from tests.cli.support import data, error, fails, ok, order
from tests.helpers import order_row, write_orders


def sms_codes(result: dict) -> dict[str, str]:
    """Order number -> booking code, from `sms book --json`."""
    return {b["order_no"]: b["code"] for b in result["booked"]}


def at(moment: str) -> dict[str, str]:
    return {"AMSPLAN_NOW": moment}


def setup_orders(ws, count: int, start: str = "08:00") -> list[str]:
    ok("techs", "add", "T01", "--name", "Ola Montør", "--start", "07:00", "--end", "16:00")
    ok(
        "orders",
        "import",
        write_orders(ws.path / "o.csv", [order_row(n) for n in range(1, count + 1)]),
    )
    numbers = [f"AMS-{n:05d}" for n in range(1, count + 1)]
    ok("assign", *numbers, "--tech", "T01", "--date", "2026-04-22", "--start", start)
    return numbers


def booked_by_sms(ws, count: int = 1, when: str = "2026-04-01T10:00") -> dict[str, str]:
    """`count` orders booked by SMS at `when`: {order_no: code}."""
    numbers = setup_orders(ws, count)
    return sms_codes(data("sms", "book", *numbers, env=at(when)))


def replies(ws, name: str, lines: list[str], header: str = "Mottatt;Avsender;Melding") -> Path:
    path = ws.path / name
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def exported(folder: Path) -> list[dict]:
    rows = []
    for file in sorted(folder.glob("sms-*.csv")):
        with open(file, encoding="utf-8", newline="") as f:
            rows += list(csv.DictReader(f, delimiter=";"))
    return rows


def texts(order_no: str) -> list[str]:
    return [e["text"] for e in order(order_no)["timeline"]]


# --- 12.1 the time of the event decides ---------------------------------------------------


def test_an_answer_received_before_the_deadline_counts_after_the_reminder_ran(workspace):
    """SMS booking 01.04 10:00; cron's reminder at 03.04 10:00; "KODE OK" received 09:58,
    ingested 10:02: confirmed, and the no-answer SMS is never exported."""
    ((no, code),) = booked_by_sms(workspace).items()
    outbox = workspace.path / "outbox"
    outbox.mkdir()
    ok("sms", "export", outbox, "--now", "2026-04-01T10:00")  # the booking SMS
    assert data("reminders", "run", "--now", "2026-04-03T10:00")["actions"]
    assert order(no)["status"] == "manual_followup"

    replies(workspace, "svar.csv", [f"2026-04-03 09:58;+4740000001;{code} OK"])
    result = data("replies", "ingest", "svar.csv", env=at("2026-04-03T10:02"))

    assert result["outcomes"] == {"confirmed": 1}
    shown = order(no)
    assert (shown["status"], shown["followup_kind"]) == ("ready_for_execution", None)
    ok("sms", "export", outbox, "--now", "2026-04-03T10:05")
    assert [r["kind"] for r in exported(outbox)] == ["booking"]
    assert data("followup", "list") == []


def test_a_no_answer_sms_already_sent_is_noted_for_the_planner(workspace):
    ((no, code),) = booked_by_sms(workspace).items()
    outbox = workspace.path / "outbox"
    outbox.mkdir()
    ok("reminders", "run", "--now", "2026-04-03T10:00")
    ok("sms", "export", outbox, "--now", "2026-04-03T10:01")  # booking + reminder

    replies(workspace, "svar.csv", [f"2026-04-03 09:58;+4740000001;{code} OK"])
    assert data("replies", "ingest", "svar.csv", env=at("2026-04-03T10:02"))["outcomes"] == {
        "confirmed": 1
    }
    assert order(no)["status"] == "ready_for_execution"
    assert any("svart i tide" in t for t in texts(no))


def test_an_answer_after_the_reminder_ran_stays_a_late_reply(workspace):
    ((no, code),) = booked_by_sms(workspace).items()
    ok("reminders", "run", "--now", "2026-04-03T10:00")
    replies(workspace, "svar.csv", [f"2026-04-03 10:01;+4740000001;{code} OK"])
    assert data("replies", "ingest", "svar.csv", env=at("2026-04-03T10:02"))["outcomes"] == {
        "late_reply": 1
    }
    assert order(no)["status"] == "manual_followup"


def test_replies_in_one_file_are_applied_in_received_order(workspace):
    ((no, code),) = booked_by_sms(workspace).items()
    replies(
        workspace,
        "svar.csv",
        [
            f"2026-04-02 10:30;+4740000001;{code} KONTAKT kan ikke likevel",
            f"2026-04-02 10:00;+4740000001;{code} OK",
        ],
    )
    result = data("replies", "ingest", "svar.csv", env=at("2026-04-02T11:00"))

    assert result["outcomes"] == {"confirmed": 1, "followup": 1}
    shown = order(no)
    assert shown["status"] == "manual_followup"
    assert shown["followup_reason"] == "customer replied: KONTAKT kan ikke likevel"


def test_an_older_reply_in_a_later_file_never_overrides_a_newer_one(workspace):
    ((no, code),) = booked_by_sms(workspace).items()
    replies(workspace, "a.csv", [f"2026-04-02 10:30;+4740000001;{code} KONTAKT kan ikke likevel"])
    ok("replies", "ingest", "a.csv", env=at("2026-04-02T10:35"))
    replies(workspace, "b.csv", [f"2026-04-02 10:00;+4740000001;{code} OK"])

    assert data("replies", "ingest", "b.csv", env=at("2026-04-02T10:40"))["outcomes"] == {
        "superseded": 1
    }
    shown = order(no)
    assert shown["status"] == "manual_followup"
    assert shown["followup_reason"] == "customer replied: KONTAKT kan ikke likevel"
    assert any(t.startswith("Older reply") and "OK" in t for t in texts(no))
    assert data("replies", "unmatched") == []


# --- 12.2 dedup that cannot drop a real reply ------------------------------------------------


def test_a_provider_id_restarting_in_each_file_drops_no_reply(workspace):
    code = booked_by_sms(workspace, 2)
    header = "Mottatt;Avsender;Melding;ID"
    replies(workspace, "d1.csv", [f"2026-04-02 10:00;+4740000001;{code['AMS-00001']} OK;1"], header)
    replies(workspace, "d2.csv", [f"2026-04-03 09:00;+4740000002;{code['AMS-00002']} OK;1"], header)
    ok("replies", "ingest", "d1.csv", env=at("2026-04-02T11:00"))

    assert data("replies", "ingest", "d2.csv", env=at("2026-04-03T09:05"))["outcomes"] == {
        "confirmed": 1
    }
    assert order("AMS-00002")["status"] == "ready_for_execution"


def test_long_provider_ids_are_compared_whole(workspace):
    code = booked_by_sms(workspace, 2)
    prefix = "x" * 60
    replies(
        workspace,
        "svar.csv",
        [
            f"2026-04-02 10:00;+4740000001;{code['AMS-00001']} OK;{prefix}{'1' * 10}",
            f"2026-04-02 10:00;+4740000001;{code['AMS-00002']} OK;{prefix}{'2' * 10}",
        ],
        "Mottatt;Avsender;Melding;ID",
    )
    assert data("replies", "ingest", "svar.csv", env=at("2026-04-02T11:00"))["outcomes"] == {
        "confirmed": 2
    }


def test_the_same_answer_twice_is_a_repeat_not_work_for_a_person(workspace):
    ((no, code),) = booked_by_sms(workspace).items()
    replies(workspace, "a.csv", [f"2026-04-02 10:00;+4740000001;{code} OK"])
    replies(workspace, "b.csv", [f"2026-04-02 10:10;+4740000001;{code} ok"])
    ok("replies", "ingest", "a.csv", env=at("2026-04-02T10:05"))

    assert data("replies", "ingest", "b.csv", env=at("2026-04-02T10:15"))["outcomes"] == {
        "repeat": 1
    }
    assert order(no)["status"] == "ready_for_execution"
    assert data("replies", "unmatched") == []


# --- 12.3 sticky cancellations, accumulating reasons -----------------------------------------


def cancel_upstream(ws, order_no: str, when: str) -> None:
    path = ws.path / "upstream.csv"
    path.write_text(
        f"Ordrenr;Type;Tidspunkt;Årsak\n{order_no};kansellert;{when};Anlegg revet\n",
        encoding="utf-8",
    )
    ok("upstream", "ingest", path, env=at(when.replace(" ", "T")))


def test_a_reply_never_undoes_a_cancellation(workspace):
    ((no, code),) = booked_by_sms(workspace).items()
    cancel_upstream(workspace, no, "2026-04-02 09:00")
    replies(workspace, "svar.csv", [f"2026-04-02 10:00;+4740000001;{code} OK"])

    result = data("replies", "ingest", "svar.csv", env=at("2026-04-02T10:05"))

    assert result["outcomes"] == {"cancelled_order": 1}
    shown = order(no)
    assert (shown["status"], shown["followup_kind"]) == ("manual_followup", "cancelled")
    (listed,) = data("followup", "list", "--reason", "cancelled")
    assert listed["order_no"] == no
    assert "also: customer replied after cancellation: OK" in listed["reason"]
    assert [f["order_no"] for f in data("followup", "list", "--reason", "reply")] == [no]

    refused = fails(1, "followup", "send-to-execution", no).stdout
    assert "cancelled by the customer system" in refused
    ok("export", "mobile", workspace.path / "mobile.csv")
    assert no not in (workspace.path / "mobile.csv").read_text(encoding="utf-8")


def test_uncancel_needs_a_comment_and_then_the_order_may_go_ahead(workspace):
    ((no, _code),) = booked_by_sms(workspace).items()
    cancel_upstream(workspace, no, "2026-04-02 09:00")

    assert "--comment" in fails(2, "orders", "uncancel", no).output
    assert "--comment is required" in error(5, "orders", "uncancel", no, "--comment", " ")
    assert order(no)["cancelled"] is True

    ok("orders", "uncancel", no, "--comment", "Kansellert ved en feil")
    shown = order(no)
    assert (shown["cancelled"], shown["followup_kind"]) == (False, "manual")
    assert any("Kansellering opphevet: Kansellert ved en feil" in t for t in texts(no))
    ok("followup", "send-to-execution", no, "--comment", "Ringt")
    assert order(no)["status"] == "ready_for_execution"
    assert "not cancelled" in fails(1, "orders", "uncancel", no, "--comment", "igjen").stdout


def test_cancelled_orders_get_no_reminders(workspace):
    ((no, _code),) = booked_by_sms(workspace).items()
    cancel_upstream(workspace, no, "2026-04-02 09:00")
    assert data("reminders", "run", "--now", "2026-04-03T10:00")["actions"] == []
    assert data("sms", "list", "--status", "queued") == []


# --- 12.4 reminders that make sense ------------------------------------------------------


def confirmed_at_seven(ws) -> str:
    """An order for 22.04 07:00, booked by SMS and confirmed on 01.04."""
    numbers = setup_orders(ws, 1, start="07:00")
    ((no, code),) = sms_codes(data("sms", "book", *numbers, env=at("2026-04-01T10:00"))).items()
    replies(ws, "svar.csv", [f"2026-04-01 10:30;+4740000001;{code} OK"])
    ok("replies", "ingest", "svar.csv", env=at("2026-04-01T10:35"))
    return no


def test_an_appointment_reminder_is_never_due_after_the_visit(workspace):
    no = confirmed_at_seven(workspace)

    result = data("reminders", "run", "--now", "2026-04-21T21:30")

    assert result["actions"] == []
    assert [a["order_no"] for a in result["skipped"]] == [no]
    assert [m["kind"] for m in data("sms", "list", "--order", no)] == ["booking"]


def test_an_appointment_reminder_before_quiet_hours_goes_as_usual(workspace):
    no = confirmed_at_seven(workspace)
    assert [a["order_no"] for a in data("reminders", "run", "--now", "2026-04-21T20:30")["actions"]]
    queued = data("sms", "list", "--order", no, "--status", "queued")
    (reminder,) = [m for m in queued if m["kind"] == "appointment_reminder"]
    assert reminder["due_at"] == "2026-04-21T20:30:00+02:00"  # at once


def test_a_letter_deadline_in_days_is_the_same_clock_time_across_dst(workspace):
    """Letters printed 25.03 10:00 (winter time): the 7-day deadline is 01.04 10:00 summer
    time, not 11:00 (7 x 24 elapsed hours)."""
    numbers = setup_orders(workspace, 1)
    ok("lock", *numbers, env=at("2026-03-25T09:00"))
    ok("letters", "generate", env=at("2026-03-25T10:00"))

    assert data("reminders", "run", "--now", "2026-04-01T09:59")["actions"] == []
    (action,) = data("reminders", "run", "--now", "2026-04-01T10:30")["actions"]
    assert action["detail"] == "no answer by 01.04 10:00"

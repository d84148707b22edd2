"""amsplan followup list, status, orders show (timeline and actor), workflow show."""

from __future__ import annotations

import pytest

from amsplan.domain.statuses import DEFAULT_LABELS, Status
from amsplan.domain.transitions import TABLE
from tests.cli.support import data, error, ok, order, row, statuses
from tests.helpers import assign_all, awaiting, seed

DATE = "2026-04-22"


def replied(ws) -> dict[str, str]:
    """AMS-00001 confirmed, AMS-00002 "Ok!!" and AMS-00003 KONTAKT: both in follow-up."""
    code = dict(awaiting(ws, 3))
    (ws.path / "svar.csv").write_text(
        "Mottatt;Avsender;Melding\n"
        f"2026-04-15 10:00;+4799999901;{code['AMS-00001']} OK\n"
        f"2026-04-15 10:05;+4799999902;{code['AMS-00002']} Ok!!\n"
        f"2026-04-15 10:06;+4799999903;{code['AMS-00003']} KONTAKT\n",
        encoding="utf-8",
    )
    ok("replies", "ingest", "svar.csv")
    return code


# --- followup list ----------------------------------------------------------------


def test_followup_list_shows_who_to_call_and_why(workspace):
    replied(workspace)

    out = ok("followup", "list").stdout

    assert "2 orders need follow-up" in out
    line = row(out, "AMS-00002")
    assert "Kari Nordmann 2" in line and "40000002" in line and "22.04.2026 09:00" in line
    assert "T01" in line and "Manual follow-up" in line and "Ok!!" in line
    assert "KONTAKT" in row(out, "AMS-00003", "22.04.2026 10:00")
    assert "AMS-00001" not in out


def test_followup_list_json_and_filters(workspace):
    replied(workspace)

    items = data("followup", "list")

    assert [i["order_no"] for i in items] == ["AMS-00002", "AMS-00003"]  # by appointment
    first = items[0]
    assert (first["status"], first["technician_id"]) == ("manual_followup", "T01")
    assert first["appointment"] == "2026-04-22T09:00:00+02:00"
    assert "Ok!!" in first["reason"]
    assert len(data("followup", "list", "--tech", "T01")) == 2
    assert "no technician 'T02'" in error(4, "followup", "list", "--tech", "T02")
    assert len(data("followup", "list", "--date", "22.04.2026")) == 2
    assert data("followup", "list", "--date", "2026-04-23") == []
    assert "0 orders need follow-up" in ok("followup", "list", "--date", "2026-04-23").stdout


def test_followup_list_is_empty_without_work(workspace):
    seed(workspace, 2)
    assert data("followup", "list") == []


# --- status -------------------------------------------------------------------------


def test_status_counts_every_status_with_labels(workspace):
    order_nos = seed(workspace, 3)
    assign_all(workspace, order_nos[:2])

    out = ok("status").stdout

    for status in Status:
        assert DEFAULT_LABELS[status] in out
    assert "1" in row(out, "Open")
    assert "2" in row(out, "Planning")
    assert "3" in row(out, "Total")
    counts = data("status")
    assert list(counts) == [s.value for s in Status]
    assert counts["open"] == 1 and counts["planning"] == 2
    assert sum(counts.values()) == 3


def test_status_labels_from_the_configuration(workspace):
    config = workspace.path / "amsplan.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + '\n[statuses.labels]\nopen = "Ny"\n',
        encoding="utf-8",
    )
    seed(workspace, 1)
    assert "1" in row(ok("status").stdout, "Ny ")


# --- orders show: the timeline and who did it ---------------------------------------


def test_timeline_records_the_user_from_option_and_environment(workspace, monkeypatch):
    seed(workspace, 1)
    ok("--user", "anna", "assign", "AMS-00001", "--tech", "T01", "--date", DATE)
    monkeypatch.setenv("AMSPLAN_USER", "bjorn")
    ok("lock", "AMS-00001")
    ok("--user", "cecilie", "letters", "generate")

    shown = order("AMS-00001")

    transitions = [(e["actor"], e["text"]) for e in shown["timeline"] if e["kind"] == "status"]
    assert transitions == [
        ("anna", "Open → Planning: assigned to T01 2026-04-22 08:00-09:00"),
        ("bjorn", "Planning → Ready to print"),
        ("cecilie", "Ready to print → Awaiting response"),
    ]
    letters = [e for e in shown["timeline"] if e["kind"] == "letter"]
    assert [e["actor"] for e in letters] == ["cecilie"]
    out = ok("orders", "show", "AMS-00001").stdout
    assert "anna" in row(out, "Open → Planning")
    assert "bjorn" in row(out, "Planning → Ready to print")


def test_user_option_wins_over_the_environment(workspace):
    seed(workspace, 1)
    ok("--user", "anna", "assign", "AMS-00001", "--tech", "T01", "--date", DATE,
       env={"AMSPLAN_USER": "bjorn"})  # fmt: skip
    assert [e["actor"] for e in order("AMS-00001")["timeline"]] == ["anna"]


def test_timeline_shows_replies(workspace):
    replied(workspace)
    shown = order("AMS-00003")
    kinds = [e["kind"] for e in shown["timeline"]]
    assert kinds.count("status") == 4  # plan, lock, print, reply_other
    replies = [e["text"] for e in shown["timeline"] if e["kind"] == "reply"]
    assert any("+4799999903" in t and "KONTAKT" in t and "→ to follow-up" in t for t in replies)
    assert "Awaiting response → Manual follow-up" in ok("orders", "show", "AMS-00003").stdout


# --- workflow show -------------------------------------------------------------------


def test_workflow_show_lists_every_transition(workspace):
    out = ok("workflow", "show").stdout
    for transition in TABLE:
        assert transition.name in out
        assert transition.label in out


def test_workflow_show_json_is_the_transition_table(workspace):
    shown = data("workflow", "show")
    assert [t["name"] for t in shown] == [t.name for t in TABLE]
    for item, transition in zip(shown, TABLE, strict=True):
        assert item["from"] == sorted(s.value for s in transition.sources)
        assert item["to"] == transition.target.value
        assert item["label"] == transition.label
        assert item["effects"] == list(transition.effects)
        assert item["validators"] == [v.__name__ for v in transition.validators]


@pytest.mark.parametrize("name", ["plan", "lock", "reply_ok", "reply_other"])
def test_workflow_json_key_transitions(workspace, name):
    shown = {t["name"]: t for t in data("workflow", "show")}
    expected = {
        "plan": (["manual_followup", "open", "reopened"], "planning"),
        "lock": (["planning"], "ready_to_print"),
        "reply_ok": (["awaiting_response"], "ready_for_execution"),
        "reply_other": (["awaiting_response"], "manual_followup"),
    }[name]
    assert (shown[name]["from"], shown[name]["to"]) == expected
    assert statuses() == {}


def test_followup_list_bad_date_names_it(workspace):
    assert "'32.04.2026'" in error(5, "followup", "list", "--date", "32.04.2026")

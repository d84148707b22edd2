"""amsplan replies ingest|unmatched: the customers' answers to their booking letters."""

from __future__ import annotations

from amsplan.domain import codes
from tests.cli.support import data, error, ok, order, row, statuses
from tests.helpers import assign_all, seed


def waiting(ws, count: int) -> dict[str, str]:
    """`count` orders locked (codes from `lock --json`) with letters: {order_no: code}."""
    assign_all(ws, seed(ws, count))
    locked = data("lock", "--tech", "T01", "--date", "2026-04-22")["locked"]
    issued = {x["order_no"]: x["code"].replace("-", "") for x in locked}
    ok("letters", "generate")
    return issued


def replies_file(ws, lines: list[str], name: str = "svar.csv"):
    path = ws.path / name
    path.write_text("\n".join(["Mottatt;Avsender;Melding", *lines]) + "\n", encoding="utf-8")
    return path


def answers(ws, code: dict[str, str]):
    """OK, "Ok!!", KONTAKT, no code at all, and a valid-looking code that was never issued."""
    never_issued = codes.generate()
    return replies_file(
        ws,
        [
            f"2026-04-15 10:00;+4799999901;{code['AMS-00001']} OK",
            f"2026-04-15 10:05;+4799999902;{code['AMS-00002']} Ok!!",
            f"15.04.2026 10:06;+4799999903;{codes.format_code(code['AMS-00003']).lower()} KONTAKT",
            "2026-04-15 10:07;+4799999904;Hei, kan dere komme en annen dag?",
            f"2026-04-15 10:08;+4799999905;{never_issued} OK",
        ],
    )


def test_ingest_confirms_ok_and_sends_the_rest_to_follow_up(workspace):
    code = waiting(workspace, 4)
    answers(workspace, code)

    out = ok("replies", "ingest", "svar.csv").stdout

    assert "svar.csv" in out
    assert "1" in row(out, "confirmed", "ready for execution")
    assert "2" in row(out, "follow-up", "manual follow-up")
    assert "1" in row(out, "no code")
    assert "1" in row(out, "unknown code")
    assert order("AMS-00001")["status"] == "ready_for_execution"
    for order_no, answer in (("AMS-00002", "Ok!!"), ("AMS-00003", "KONTAKT")):
        shown = order(order_no)
        assert shown["status"] == "manual_followup"
        assert answer in shown["followup_reason"]
        assert any(e["kind"] == "reply" and answer in e["text"] for e in shown["timeline"])
    assert order("AMS-00004")["status"] == "awaiting_response"
    assert statuses() == {"ready_for_execution": 1, "manual_followup": 2, "awaiting_response": 1}


def test_ingest_json_then_twice_changes_nothing(workspace):
    code = waiting(workspace, 3)
    answers(workspace, code)

    first = data("replies", "ingest", "svar.csv")
    assert (first["new"], first["already_ingested"]) == (5, 0)
    assert first["outcomes"] == {"confirmed": 1, "followup": 2, "no_code": 1, "unknown_code": 1}
    before = statuses()
    timeline = order("AMS-00002")["timeline"]

    out = ok("replies", "ingest", "svar.csv").stdout
    assert "5" in row(out, "already ingested")
    second = data("replies", "ingest", "svar.csv")
    assert (second["new"], second["already_ingested"], second["outcomes"]) == (0, 5, {})
    assert statuses() == before
    assert order("AMS-00002")["timeline"] == timeline


def test_unmatched_lists_replies_without_a_known_code(workspace):
    code = waiting(workspace, 3)
    answers(workspace, code)
    ok("replies", "ingest", "svar.csv")

    out = ok("replies", "unmatched").stdout

    assert "2 replies need a person" in out
    assert "no valid booking code" in row(out, "+4799999904", "Hei, kan dere komme")
    assert "never issued" in row(out, "+4799999905")
    assert "15.04.2026 10:07" in row(out, "+4799999904")
    listed = data("replies", "unmatched")
    assert [(r["sender"], r["outcome"], r["order_no"]) for r in listed] == [
        ("+4799999904", "no_code", None),
        ("+4799999905", "unknown_code", None),
    ]


def test_a_second_reply_to_a_confirmed_order_needs_a_person(workspace):
    """The customer's last word decides: OK, then KONTAKT the next day, is follow-up."""
    code = waiting(workspace, 1)
    replies_file(workspace, [f"2026-04-15 10:00;+4799999901;{code['AMS-00001']} OK"])
    ok("replies", "ingest", "svar.csv")
    replies_file(
        workspace, [f"2026-04-16 09:00;+4799999901;{code['AMS-00001']} KONTAKT"], "svar2.csv"
    )

    assert "1" in row(ok("replies", "ingest", "svar2.csv").stdout, "follow-up")

    shown = order("AMS-00001")
    assert shown["status"] == "manual_followup"
    assert shown["followup_reason"] == "customer replied: KONTAKT"
    assert [f["order_no"] for f in data("followup", "list", "--reason", "reply")] == ["AMS-00001"]
    assert data("replies", "unmatched") == []


def test_english_headers_with_commas(workspace):
    code = waiting(workspace, 1)
    (workspace.path / "replies.csv").write_text(
        f"received,from,message,message_id\n2026-04-15T10:00:00+02:00,4799999901,"
        f"{code['AMS-00001']} ok,m-1\n",
        encoding="utf-8",
    )
    assert data("replies", "ingest", "replies.csv")["outcomes"] == {"confirmed": 1}
    assert order("AMS-00001")["status"] == "ready_for_execution"


def test_bad_received_time_names_the_line_and_stores_nothing(workspace):
    code = waiting(workspace, 2)
    replies_file(
        workspace,
        [
            f"2026-04-15 10:00;+4799999901;{code['AMS-00001']} OK",
            f"i går;+4799999902;{code['AMS-00002']} OK",
        ],
    )

    stderr = error(5, "replies", "ingest", "svar.csv")

    assert "nothing was ingested" in stderr
    assert "svar.csv:3" in stderr and "'i går'" in stderr
    assert statuses() == {"awaiting_response": 2}
    assert data("replies", "unmatched") == []
    # Once the line is corrected, both replies are new: the good line was not kept.
    replies_file(
        workspace,
        [
            f"2026-04-15 10:00;+4799999901;{code['AMS-00001']} OK",
            f"2026-04-14 18:00;+4799999902;{code['AMS-00002']} OK",
        ],
    )
    assert data("replies", "ingest", "svar.csv")["outcomes"] == {"confirmed": 2}


def test_missing_replies_file_is_not_found(workspace):
    assert "nope.csv" in error(4, "replies", "ingest", "nope.csv")


def test_unmatched_shows_a_reply_with_square_brackets_as_written(workspace):
    replies_file(workspace, ["2026-04-15 10:00;+4799999901;Hei [ring meg] etter kl 16"])
    ok("replies", "ingest", "svar.csv")
    assert data("replies", "unmatched")[0]["text"] == "Hei [ring meg] etter kl 16"  # stored
    assert "Hei [ring meg] etter kl 16" in ok("replies", "unmatched").stdout


def test_unmatched_survives_a_reply_with_a_closing_tag(workspace):
    replies_file(workspace, ["2026-04-15 10:00;+4799999901;ok [/] takk"])
    ok("replies", "ingest", "svar.csv")
    out = ok("replies", "unmatched").stdout
    assert "ok [/] takk" in out


def test_reply_without_code_from_the_customers_mobile_goes_to_follow_up(workspace):
    waiting(workspace, 2)  # AMS-00002 has mobile 40000002
    replies_file(workspace, ["2026-04-15 10:00;+47 400 00 002;Ja, det passer fint"])

    assert data("replies", "ingest", "svar.csv")["outcomes"] == {"matched_by_phone": 1}

    shown = order("AMS-00002")
    assert shown["status"] == "manual_followup"  # never a confirmation without the code
    assert "Ja, det passer fint" in shown["followup_reason"]
    assert order("AMS-00001")["status"] == "awaiting_response"
    assert data("replies", "unmatched") == []


def test_reply_with_the_old_code_after_a_new_time_never_confirms(workspace):
    old = waiting(workspace, 1)["AMS-00001"]
    replies_file(workspace, [f"2026-04-15 10:00;+4799999901;{old} KONTAKT"])
    ok("replies", "ingest", "svar.csv")
    ok("assign", "AMS-00001", "--tech", "T01", "--date", "2026-04-24", "--start", "12:00")
    new = {x["order_no"]: x["code"].replace("-", "") for x in data("lock", "AMS-00001")["locked"]}[
        "AMS-00001"
    ]
    assert new != old
    ok("letters", "generate")
    # Only the letter with the new code and time is waiting to be printed.
    assert [p["file_name"] for p in data("letters", "pending")] == [
        "2026-04-24_T01_001_AMS-00001.pdf"
    ]

    replies_file(workspace, [f"2026-04-18 10:00;+4799999901;{old} OK"], "svar2.csv")
    assert data("replies", "ingest", "svar2.csv")["outcomes"] == {"retired_code": 1}
    assert order("AMS-00001")["status"] == "manual_followup"

"""Work lists that end: replies|returns|upstream handle, returns|upstream retry."""

from __future__ import annotations

from amsplan.cli import app
from tests import jsondoc
from tests.cli.support import data, error, fails, ok, order, row, runner
from tests.cli.test_field_cli import RETURNS, csv_file, ready
from tests.cli.test_find_cli import orders_file
from tests.cli.test_replies_cli import answers, replies_file, waiting
from tests.helpers import order_row

QUANT = "Ordrenr;Type;Tidspunkt;Årsak"


def first_cell(line: str) -> str:
    return line.strip("│┃ ").split()[0]


def test_handled_replies_leave_the_list_and_stay_in_the_timeline(workspace):
    code = waiting(workspace, 3)
    answers(workspace, code)
    ok("replies", "ingest", "svar.csv")
    # A planner has put the confirmed order on hold: the customer's next word needs a person.
    ok("followup", "hold", "AMS-00001", "--until", "2026-06-01")
    replies_file(
        workspace, [f"2026-04-16 09:00;+4799999901;{code['AMS-00001']} KONTAKT"], "svar2.csv"
    )
    ok("replies", "ingest", "svar2.csv")
    listed = data("replies", "unmatched")
    ids = {r["sender"]: r["id"] for r in listed}
    assert sorted(ids) == ["+4799999901", "+4799999904", "+4799999905"]
    out = ok("replies", "unmatched").stdout
    assert first_cell(row(out, "+4799999904")) == str(ids["+4799999904"])  # the id to type

    done = ok("replies", "handle", ids["+4799999901"], ids["+4799999904"],
              "--comment", "Ringte kunden").stdout  # fmt: skip

    assert "Handled 2 replies" in done
    assert [r["sender"] for r in data("replies", "unmatched")] == ["+4799999905"]
    assert "1 reply needs a person" in ok("replies", "unmatched").stdout
    timeline = order("AMS-00001")["timeline"]
    (handled,) = [e for e in timeline if e["kind"] == "handled"]
    assert "+4799999901" in handled["text"] and "Ringte kunden" in handled["text"]
    assert handled["actor"] == "tester"
    assert any(e["kind"] == "reply" and "KONTAKT" in e["text"] for e in timeline)
    again = ok("replies", "handle", ids["+4799999904"], "--comment", "igjen").stdout
    assert "Handled 0 replies" in again
    assert f"Already handled (nothing changed): {ids['+4799999904']}" in again


def test_handling_an_unknown_reply_or_without_a_comment_changes_nothing(workspace):
    answers(workspace, waiting(workspace, 3))
    ok("replies", "ingest", "svar.csv")
    first = data("replies", "unmatched")[0]["id"]

    assert "no reply 9999" in error(4, "replies", "handle", first, 9999, "--comment", "x")
    assert "--comment" in error(5, "replies", "handle", first)
    assert "--comment" in error(5, "replies", "handle", first, "--comment", "  ")

    assert len(data("replies", "unmatched")) == 2


def test_a_refused_return_is_retried_after_the_order_was_fixed(workspace):
    (second,) = waiting(workspace, 1)  # no answer yet, but the technician went anyway
    path = csv_file(workspace, "retur.csv", [
        RETURNS,
        f"{second};løst;OK;2026-04-22 09:41;T01;Byttet",
        "AMS-404;løst;OK;;T01;",
    ])  # fmt: skip
    fails(1, "returns", "ingest", path)
    listed = {m["order_no"]: m for m in data("returns", "unapplied")}
    assert listed[second]["outcome"] == "refused"
    assert first_cell(row(ok("returns", "unapplied").stdout, second)) == str(listed[second]["id"])

    still = fails(1, "returns", "retry", listed[second]["id"])
    assert f"{listed[second]['id']}: {second}:" in still.stdout
    ok("followup", "manual", second)
    ok("followup", "send-to-execution", second, "--comment", "Kunden ringte, fikset for hånd")

    out = fails(1, "returns", "retry", "--all").stdout  # AMS-404 is still unknown

    assert f"{listed[second]['id']}: {second}: applied" in out
    assert "AMS-404: no such order" in out
    fixed = order(second)
    assert (fixed["status"], fixed["resolution"]) == ("closed", "OK")
    assert fixed["resolved_at"] == "2026-04-22T09:41:00+02:00"  # the return's own time
    (left,) = jsondoc.check("returns unapplied", ok("returns", "unapplied", "--json").stdout)
    assert left["ingested_at"] == "2026-04-01T08:00:00+02:00"  # the suite's clock, local
    assert (left["order_no"], left["outcome"], left["reason"]) == (
        "AMS-404", "unknown_order", "no such order",
    )  # fmt: skip
    again = data("returns", "retry", listed[second]["id"])
    assert again["already_handled"] == [listed[second]["id"]] and not again["applied"]
    error(5, "returns", "retry")
    error(5, "returns", "retry", left["id"], "--all")
    error(4, "returns", "retry", 9999)


def test_upstream_handle_and_retry(workspace):
    first, second = ready(workspace, 2)
    path = csv_file(workspace, "q.csv", [
        QUANT, f"{first};avvist;2026-04-23 10:00;Feil målernummer",
        f"{second};avvist;;Feil adresse",
    ])  # fmt: skip
    fails(1, "upstream", "ingest", path)  # neither is closed yet: refused
    ids = {m["order_no"]: m["id"] for m in data("upstream", "unapplied")}
    ok("returns", "ingest", csv_file(workspace, "r.csv", [RETURNS, f"{first};løst;OK;;T01;"]))

    out = ok("upstream", "handle", ids[second], "--comment", "Avklart med Quant").stdout
    assert "Handled 1 message" in out
    retried = jsondoc.check("upstream retry", ok("upstream", "retry", "--all", "--json").stdout)

    assert retried["applied"] == [{"id": ids[first], "order_no": first}]
    assert order(first)["status"] == "rejected_quant"
    assert data("upstream", "unapplied") == []
    timeline = order(second)["timeline"]
    assert any(e["kind"] == "handled" and "Avklart med Quant" in e["text"] for e in timeline)
    # a returns id is not an upstream message
    error(4, "returns", "handle", ids[first], "--comment", "x")


def test_returns_and_upstream_messages_find_orders_in_any_case(workspace):
    first, second, third = ready(workspace, 3)
    returns = csv_file(workspace, "retur.csv", [
        RETURNS, f"{first.lower()};løst;OK;2026-04-22 08:41;T01;",
        f"{second.lower()};løst;Ingen adgang;2026-04-22 09:15;T01;",
    ])  # fmt: skip

    result = jsondoc.check("returns ingest", ok("returns", "ingest", returns, "--json").stdout)

    assert result["outcomes"] == {"applied": 2}
    assert (order(first)["status"], order(second)["status"]) == ("closed", "resolved")
    assert data("returns", "unapplied") == []
    quant = csv_file(workspace, "q.csv", [QUANT, f"{third.lower()};kansellert;;Flyttet"])
    ingested = jsondoc.check("upstream ingest", ok("upstream", "ingest", quant, "--json").stdout)
    assert ingested["outcomes"] == {"applied": 1}
    assert order(third)["cancelled"] is True


def test_a_message_for_two_orders_differing_only_by_case_ingests_nothing(workspace):
    ok("orders", "import", orders_file(workspace,
        order_row(1, order_no="AMS-X1"), order_row(2, order_no="ams-x1")))  # fmt: skip
    returns = csv_file(workspace, "retur.csv", [RETURNS, "Ams-X1;startet;;;T01;"])

    message = error(5, "returns", "ingest", returns)

    assert "retur.csv: Ams-X1 matches AMS-X1 and ams-x1" in message
    assert "nothing was ingested" in message
    assert data("returns", "unapplied") == []


def test_the_timeline_lists_the_orders_returns_and_upstream_messages(workspace):
    first, second = ready(workspace, 2)
    fails(1, "returns", "ingest", csv_file(workspace, "retur.csv", [
        RETURNS, f"{first.lower()};løst;Ingen adgang;2026-04-22 09:15;T01;Hund i hagen",
        f"{first};startet;;2026-04-22 10:00;T01;", f"{second};startet;;;T01;",
    ]))  # fmt: skip
    fails(1, "upstream", "ingest", csv_file(workspace, "q.csv", [
        QUANT, f"{first};avvist;2026-04-23 10:00;Feil målernummer"]))  # fmt: skip
    refused = {(m["source"], m["line_no"]): m["id"] for m in data("returns", "unapplied")}
    ok("returns", "handle", refused[("returns", 3)], "--comment", "Dobbelt rapportert")

    timeline = order(first)["timeline"]

    messages = [(e["at"][:16], e["kind"], e["text"]) for e in timeline
                if e["kind"] in ("return", "upstream")]  # fmt: skip
    assert [m[:2] for m in messages] == [
        ("2026-04-22T09:15", "return"), ("2026-04-22T10:00", "return"),
        ("2026-04-23T10:00", "upstream"),
    ]  # fmt: skip
    applied, handled, rejection = (m[2] for m in messages)
    assert "Ingen adgang" in applied and "(retur.csv:2) → applied" in applied
    assert "(retur.csv:3) → refused: " in handled
    assert handled.endswith("; handled by tester: Dobbelt rapportert")
    assert "Feil målernummer" in rejection and "(q.csv:2) → refused: " in rejection
    assert "handled by" not in rejection
    assert "return" in ok("orders", "show", first.lower()).stdout
    assert [e["text"] for e in order(second)["timeline"] if e["kind"] == "return"] == [
        "started: event=startet; technician=T01 (retur.csv:4) → applied"
    ]


def test_handle_all_counts_and_asks_first(workspace):
    answers(workspace, waiting(workspace, 3))
    ok("replies", "ingest", "svar.csv")
    ids = [r["id"] for r in data("replies", "unmatched")]
    everything = ["replies", "handle", "--all", "--comment", "Ringt alle"]

    assert "Would handle 2 replies." in ok(*everything, "--dry-run").stdout
    refused = runner.invoke(app, everything, input="n\n")
    assert refused.exit_code == 1 and "Mark 2 replies as handled?" in refused.output
    assert [r["id"] for r in data("replies", "unmatched")] == ids
    assert "--comment" in error(5, "replies", "handle", "--all")
    assert "or --all" in error(5, "replies", "handle", ids[0], "--all", "--comment", "x")
    assert "or --all" in error(5, "replies", "handle", "--comment", "x")

    done = runner.invoke(app, everything, input="y\n")

    assert done.exit_code == 0 and "Handled 2 replies." in done.output
    assert data("replies", "unmatched") == []
    assert "Handled 0 replies." in ok(*everything).stdout  # nothing left: nothing asked


def test_returns_and_upstream_handle_all_with_yes(workspace):
    ready(workspace, 1)
    fails(1, "returns", "ingest", csv_file(workspace, "r.csv", [
        RETURNS, "AMS-404;løst;OK;;T01;", "AMS-405;løst;OK;;T01;"]))  # fmt: skip
    fails(1, "upstream", "ingest", csv_file(workspace, "q.csv", [QUANT, "AMS-404;avvist;;"]))
    ids = [m["id"] for m in data("returns", "unapplied")]

    dry = data("returns", "handle", "--all", "--comment", "Feil fil", "--dry-run")
    assert (dry["handled"], dry["dry_run"]) == (ids, True)
    done = data("returns", "handle", "--all", "--comment", "Feil fil", "--yes")

    assert done["handled"] == ids and data("returns", "unapplied") == []
    assert len(data("upstream", "unapplied")) == 1  # the other list is left alone
    ok("upstream", "handle", "--all", "--comment", "Feil fil", "--yes")
    assert data("upstream", "unapplied") == []

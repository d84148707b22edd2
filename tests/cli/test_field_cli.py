"""amsplan returns|upstream ingest|unapplied, export mobile|validation, report
failed-visits, and the planner's decisions on orders (reopen, replan, close, to-manual)."""

from __future__ import annotations

import json

from tests.cli.support import data, error, fails, ok, order
from tests.helpers import assign_all, seed

RETURNS = "Ordrenr;Hendelse;Løsningskode;Tidspunkt;Montør;Merknad"


def ready(ws, count: int) -> list[str]:
    """Orders locked, lettered, confirmed by phone: ready for execution."""
    order_nos = seed(ws, count)
    assign_all(ws, order_nos)
    ok("lock", "--tech", "T01", "--date", "2026-04-22")
    ok("letters", "generate")
    ok("followup", "manual", *order_nos)
    ok("followup", "send-to-execution", *order_nos, "--comment", "Ringt")
    return order_nos


def csv_file(ws, name: str, lines: list[str]):
    path = ws.path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_returns_close_ok_orders_and_list_failed_visits(workspace):
    first, second, third = ready(workspace, 3)
    path = csv_file(workspace, "retur.csv", [
        RETURNS,
        f"{first};startet;;2026-04-22 08:03;T01;",
        f"{first};løst;OK;2026-04-22 08:41;T01;",
        f"{second};løst;Kunde ikke hjemme;2026-04-22 09:15;T01;Ingen åpnet",
        f"{third};løst;Ingen adgang;;T01;",
    ])  # fmt: skip
    assert "applied" in ok("returns", "ingest", path).stdout
    assert [order(n)["status"] for n in (first, second, third)] == [
        "closed",
        "resolved",
        "resolved",
    ]
    reasons = {i["order_no"]: i["kind"] for i in data("followup", "list")}
    assert reasons == {second: "failed_visit", third: "failed_visit"}
    report = data("report", "failed-visits", "--by", "reason")
    assert sorted((c["key"], c["failed_visits"]) for c in report["counts"]) == [
        ("Ingen adgang", 1), ("Kunde ikke hjemme", 1)
    ]  # fmt: skip
    assert "Total" in ok("report", "failed-visits", "--by", "week").stdout
    error(5, "report", "failed-visits", "--by", "month")
    again = data("returns", "ingest", path)
    assert (again["new"], again["already_ingested"]) == (0, 4)


def test_a_bad_returns_file_changes_nothing(workspace):
    (first,) = ready(workspace, 1)
    path = csv_file(workspace, "retur.csv", [RETURNS, f"{first};løst;Kunden var sint;;T01;"])
    message = error(5, "returns", "ingest", path)
    assert "retur.csv:2: Løsningskode: unknown resolution code 'Kunden var sint'" in message
    assert order(first)["status"] == "ready_for_execution"


def test_unknown_orders_are_kept_for_a_person_with_exit_code_1(workspace):
    ready(workspace, 1)
    path = csv_file(workspace, "retur.csv", [RETURNS, "AMS-404;løst;OK;;T01;"])
    result = fails(1, "returns", "ingest", path)
    assert "AMS-404: no such order" in result.stdout
    (item,) = data("returns", "unapplied")
    assert (item["order_no"], item["outcome"]) == ("AMS-404", "unknown_order")


def test_upstream_cancellation_and_closing_by_the_planner(workspace):
    first, second = ready(workspace, 2)
    path = csv_file(workspace, "quant.csv", ["Ordrenr;Type;Tidspunkt;Årsak",
                                             f"{first};kansellert;;Flyttet"])  # fmt: skip
    ok("upstream", "ingest", path)
    cancelled = order(first)
    assert (cancelled["status"], cancelled["cancelled"]) == ("manual_followup", True)
    assert [i["kind"] for i in data("followup", "list")] == ["cancelled"]
    error(5, "orders", "close", first, "--resolution", "Borte")
    ok("orders", "close", first, "--resolution", "kansellert", "--comment", "Kunde informert")
    assert (order(first)["status"], order(first)["resolution"]) == ("closed", "Kansellert")
    again = csv_file(
        workspace, "quant2.csv", ["Ordrenr;Type;Tidspunkt;Årsak", f"{first};kansellert;;"]
    )
    refused = fails(1, "upstream", "ingest", again)
    assert "closed" in refused.stdout
    assert [m["order_no"] for m in data("upstream", "unapplied")] == [first]
    assert order(second)["status"] == "ready_for_execution"


def test_rejection_to_manual_reopen_and_replan(workspace):
    first, second = ready(workspace, 2)
    ok("returns", "ingest", csv_file(workspace, "r.csv", [
        RETURNS, f"{first};løst;OK;;T01;", f"{second};løst;Farlig anlegg;;T01;"]))  # fmt: skip
    ok("upstream", "ingest", csv_file(workspace, "q.csv", [
        "Ordrenr;Type;Tidspunkt;Årsak", f"{first};avvist;;Feil målernummer"]))  # fmt: skip
    assert order(first)["status"] == "rejected_quant"
    ok("orders", "to-manual", first, "--comment", "Sjekker målernummer")
    assert order(first)["status"] == "manual_followup"
    ok("orders", "reopen", second)
    ok("orders", "replan", second)
    assert order(second)["status"] == "planning"
    result = fails(1, "orders", "reopen", second)  # no longer resolved
    assert "refused" in result.stdout


def test_exports_for_the_field_and_for_validation(workspace, tmp_path):
    first, second = ready(workspace, 2)
    mobile = tmp_path / "mobil.json"
    ok("export", "mobile", mobile, "--tech", "T01", "--from", "2026-04-22", "--to", "2026-04-22")
    rows = json.loads(mobile.read_text(encoding="utf-8"))
    assert [r["order_no"] for r in rows] == [first, second]
    assert rows[0]["start"] == "2026-04-22T08:00:00" and rows[0]["meter_point_id"]
    ok("export", "mobile", tmp_path / "none.csv", "--from", "2026-04-23")
    assert (tmp_path / "none.csv").read_text(encoding="utf-8-sig").count("\n") == 1
    error(4, "export", "mobile", tmp_path / "x.csv", "--tech", "T99")
    error(5, "export", "mobile", tmp_path / "x.csv", "--format", "xml")
    ok("returns", "ingest", csv_file(workspace, "r.csv", [RETURNS, f"{first};løst;OK;;T01;"]))
    assert "1 order in" in ok("export", "validation", tmp_path / "v1.csv").stdout
    assert "0 orders in" in ok("export", "validation", tmp_path / "v2.csv").stdout

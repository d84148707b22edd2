"""amsplan orders list, filters, --filter on every selection, transition, set-owner,
edit, comment, calendar, and Excel files in and out."""

from __future__ import annotations

import openpyxl

from tests.cli.support import data, error, fails, ok, order, run
from tests.helpers import HEADER, assign_all, order_row, seed


def planned(ws, count=4) -> list[str]:
    order_nos = seed(ws, count)
    assign_all(ws, order_nos[:3])
    return order_nos


def test_orders_list_filters_sorts_and_saves(workspace):
    planned(workspace)
    rows = data("orders", "list", "--status", "planning", "--sort", "order")
    assert [r["order_no"] for r in rows] == ["AMS-00001", "AMS-00002", "AMS-00003"]
    assert rows[0]["status_label"] == "Planning"
    assert rows[0]["appointment"] == "2026-04-22T08:00:00+02:00"
    assert [r["order_no"] for r in data("orders", "list", "--text", "nordmann 4")] == ["AMS-00004"]
    out = ok("orders", "list", "--status", "open", "--save-as", "Åpne").stdout
    assert "Saved filter 'Åpne'" in out and "AMS-00004" in out
    assert "1 order matches: status: Open" in out
    assert [r["order_no"] for r in data("orders", "list", "--filter", "Åpne")] == ["AMS-00004"]
    listed = {f["name"] for f in data("filters", "list")}
    assert {"Åpne", "Alle ordre klar til utskrift"} <= listed
    assert data("filters", "show", "Åpne")["matches"] == 1
    ok("filters", "delete", "Åpne")
    error(4, "filters", "show", "Åpne")
    error(5, "orders", "list", "--status", "lost")
    error(5, "orders", "list", "--sort", "random")
    error(4, "orders", "list", "--tech", "T99")


def test_orders_list_csv_and_xlsx(workspace, tmp_path):
    planned(workspace)
    csv_out = ok("orders", "list", "--csv", "--status", "planning").stdout
    assert csv_out.splitlines()[0].startswith("order_no;status")
    assert len(csv_out.splitlines()) == 4
    book = tmp_path / "ordre.xlsx"
    assert "4 orders in" in ok("orders", "list", "--output", book).stdout
    sheet = openpyxl.load_workbook(book).active
    assert sheet["A1"].value == "Order" and sheet.max_row == 5  # headers for people


def test_filter_selects_orders_for_lock_letters_and_transitions(workspace):
    planned(workspace)
    ok("orders", "list", "--status", "planning", "--save-as", "Planlagt")
    locked = data("lock", "--filter", "Planlagt")["locked"]
    assert [x["order_no"] for x in locked] == ["AMS-00001", "AMS-00002", "AMS-00003"]
    assert (
        "3 letters in"
        in ok("letters", "generate", "--filter", "Alle ordre klar til utskrift").stdout
    )
    ok("followup", "manual", "--filter", "Alle ordre som venter på respons")
    assert {order(f"AMS-0000{n}")["status"] for n in (1, 2, 3)} == {"manual_followup"}
    error(5, "lock", "AMS-00004", "--filter", "Planlagt")  # not both
    error(5, "lock", "--filter", "Planlagt")  # matches nothing any more


def test_mass_transition_asks_counts_and_reports(workspace):
    planned(workspace)
    everything = [f"AMS-0000{n}" for n in range(1, 5)]
    aborted = run("transition", "hold", *everything, "--until", "2026-06-01")
    assert aborted.exit_code == 1 and 'Apply "Put on hold" (hold) to 4 orders?' in aborted.output
    assert order("AMS-00001")["status"] == "planning"
    dry = fails(1, "transition", "hold", *everything, "--until", "2026-06-01", "--dry-run")
    assert "3 would move, 1 refused" in dry.stdout
    assert order("AMS-00001")["status"] == "planning"
    done = fails(1, "transition", "hold", *everything, "--until", "2026-06-01", "--yes")
    assert "3 moved, 1 refused" in done.stdout and "the order is Open" in done.stdout
    assert order("AMS-00001")["status"] == "on_hold"
    error(5, "transition", "teleport", "AMS-00001", "--yes")
    error(5, "transition", "print", "AMS-00001", "--yes")
    ok("transition", "resume", "--filter", "Alle ordre på vent", "--yes")
    assert order("AMS-00001")["status"] == "planning"


def test_set_owner_edit_and_comment_are_in_the_timeline(workspace):
    planned(workspace)
    assert "would get kari" in ok("orders", "set-owner", "kari", "AMS-00001", "AMS-00002",
                                  "--dry-run").stdout  # fmt: skip
    ok("orders", "set-owner", "kari", "AMS-00001", "AMS-00002", "--yes")
    assert [r["order_no"] for r in data("orders", "list", "--owner", "kari")] == [
        "AMS-00001", "AMS-00002"
    ]  # fmt: skip
    ok("orders", "edit", "AMS-00001", "--phone", "62 51 23 45", "--no-sms", "--important")
    ok("orders", "comment", "AMS-00001", "Kunden ønsker formiddag [obs]")
    shown = order("AMS-00001")
    assert (shown["phone"], shown["mobile"], shown["no_sms"], shown["important_info"]) == (
        "62 51 23 45", None, True, True
    )  # fmt: skip
    texts = [e["text"] for e in shown["timeline"]]
    assert "Ansvarlig: kari" in texts and "Kunden ønsker formiddag [obs]" in texts
    assert any(t.startswith("Endret phone") for t in texts)
    assert "Nothing changed" in ok("orders", "edit", "AMS-00001", "--important").stdout
    error(5, "orders", "comment", "AMS-00001", "  ")


def test_calendar_day_week_and_load(workspace):
    planned(workspace)
    out = ok("calendar", "--tech", "T01", "--date", "2026-04-22").stdout
    assert "AMS-00001" in out and "08:00-09:00" in out and "free" in out
    assert "3 visits, 180 of 540 min booked, 2 gaps" in out
    day = data("calendar", "--tech", "T01", "--date", "2026-04-22")[0]
    assert [v["order_no"] for v in day["visits"]] == ["AMS-00001", "AMS-00002", "AMS-00003"]
    assert len(data("calendar", "--tech", "T01", "--date", "2026-04-22", "--week")) == 5
    (load,) = data("calendar", "--date", "2026-04-22")
    assert (load["tech_id"], load["visits"], load["booked_minutes"]) == ("T01", 3, 180)
    error(4, "calendar", "--tech", "T99", "--date", "2026-04-22")


def test_orders_import_from_excel_with_errors_by_row(workspace, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.split(";"))
    sheet.append(order_row(1).split(";"))
    bad = order_row(2).split(";")
    bad[5] = "23x7"
    sheet.append(bad)
    book.save(tmp_path / "ordre.xlsx")
    message = error(5, "orders", "import", tmp_path / "ordre.xlsx")
    assert "ordre.xlsx:3: Postnr: '23x7' is not a 4-digit postcode" in message
    bad[5] = "2317"
    sheet.delete_rows(3)
    sheet.append(bad)
    book.save(tmp_path / "ordre.xlsx")
    assert "2 new" in ok("orders", "import", tmp_path / "ordre.xlsx").stdout


def test_exports_write_excel(workspace, tmp_path):
    planned(workspace)
    ok("export", "mobile", tmp_path / "mobil.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "mobil.xlsx").active
    assert sheet["A1"].value == "order_no" and sheet.max_row == 1  # none confirmed yet


def test_saved_filter_in_assign_sms_book_exports_and_reports(workspace, tmp_path):
    seed(workspace, 4)
    ok("orders", "list", "--status", "open", "--save-as", "Åpne")
    placed = data("assign", "--filter", "Åpne", "--tech", "T01", "--date", "2026-04-22")
    assert [s["order_no"] for s in placed] == ["AMS-00001", "AMS-00002", "AMS-00003", "AMS-00004"]
    ok("orders", "list", "--status", "planning", "--save-as", "Planlagt")
    booked = data("sms", "book", "--filter", "Planlagt")
    assert len(booked["booked"]) == 4
    ok("followup", "manual", "--filter", "Alle ordre som venter på respons")
    ok("followup", "send-to-execution", "--filter", "Alle ordre til manuell oppfølging")
    ok("orders", "list", "--text", "nordmann 2", "--save-as", "Bare to")
    ok("export", "mobile", tmp_path / "to.json", "--filter", "Bare to")
    import json

    assert [r["order_no"] for r in json.loads((tmp_path / "to.json").read_text())] == ["AMS-00002"]
    assert data("report", "progress", "--filter", "Bare to")["total"]["confirmed"] == 1
    assert data("report", "failed-visits", "--filter", "Bare to")["total"] == 0

"""amsplan orders import, again: re-imports that protect good data (issue 12.5).

Excel-damaged cells are repaired when certain and refused otherwise; a valid metering
point id is never replaced by an invalid one; booked orders changed upstream are recorded
and followed up; purged orders stay purged.
"""

from __future__ import annotations

import csv
from datetime import date

import openpyxl
from sqlalchemy import update

from amsplan.services.privacy import ANONYMOUS, purge
from amsplan.store.models import Order
from tests.cli.support import data, error, fails, ok, order, row
from tests.helpers import awaiting, gsrn, locked, order_row, seed, write_orders

CUT_BY_EXCEL = "707057500271927000"  # 707057500271927243 after Excel kept 15 digits


def test_reimport_with_ids_cut_by_excel_is_refused_and_keeps_the_good_ids(workspace):
    write_orders(workspace.path / "orders.csv", [order_row(1), order_row(2)])
    ok("orders", "import", "orders.csv")
    write_orders(
        workspace.path / "orders.csv",
        [order_row(1, mpid=CUT_BY_EXCEL), order_row(2, mpid="707057500000000020")],
    )

    stderr = error(5, "orders", "import", "orders.csv")

    assert "2 of 2 rows are invalid; nothing was imported" in stderr
    assert f"orders.csv:2: Målepunkt-ID: '{CUT_BY_EXCEL}' fails the check digit" in stderr
    assert "orders.csv:3: Målepunkt-ID: '707057500000000020' fails the check digit" in stderr
    assert order("AMS-00001")["meter_point_id"] == gsrn(1)
    assert order("AMS-00002")["meter_point_id"] == gsrn(2)

    # --skip-invalid imports the rest; the damaged rows go to the rejects file, never in.
    result = fails(1, "orders", "import", "orders.csv", "--skip-invalid")
    assert "0 updated" in result.stdout and "2 invalid rows" in result.stdout
    assert order("AMS-00001")["meter_point_id"] == gsrn(1)


def test_new_order_with_a_bad_check_digit_or_scientific_id_is_an_invalid_row(workspace):
    write_orders(
        workspace.path / "orders.csv",
        [order_row(1), order_row(2, mpid="707057500000000020"), order_row(3, mpid="7,07058E+17")],
    )

    stderr = error(5, "orders", "import", "orders.csv")

    assert "orders.csv:3: Målepunkt-ID: '707057500000000020' fails the check digit" in stderr
    assert "orders.csv:4: Målepunkt-ID: '7,07058E+17' is a number in scientific notation" in stderr
    assert data("status") == {k: 0 for k in data("status")}


def test_excel_artefacts_repaired_when_certain(workspace):
    write_orders(
        workspace.path / "orders.csv",
        [order_row(1, phone="91234567.0", postcode="123"), order_row(2, phone="91234568,0")],
    )

    result = ok("orders", "import", "orders.csv")

    assert "2 new" in result.stdout
    first = order("AMS-00001")
    assert (first["phone"], first["mobile"], first["postcode"]) == (
        "91234567", "+4791234567", "0123",
    )  # fmt: skip
    assert order("AMS-00002")["mobile"] == "+4791234568"


def test_phone_in_scientific_notation_is_refused_with_line_and_column(workspace):
    write_orders(workspace.path / "orders.csv", [order_row(1), order_row(2, phone="9,12346E+07")])

    stderr = error(5, "orders", "import", "orders.csv")
    assert "orders.csv:3: Telefon: '9,12346E+07' is a number in scientific notation" in stderr

    result = fails(1, "orders", "import", "orders.csv", "--skip-invalid")
    assert "1 new" in result.stdout and "1 invalid rows" in result.stdout
    with open(workspace.path / "orders.rejected.csv", encoding="utf-8-sig") as f:
        rejected = list(csv.reader(f, delimiter=";"))
    assert rejected[1][0] == "3" and "Telefon" in rejected[1][1]
    assert fails(4, "orders", "show", "AMS-00002")


def test_new_address_of_locked_and_lettered_orders_is_recorded_and_followed_up(workspace):
    (first, _), (second, _), (third, _) = awaiting(workspace, 3)
    write_orders(
        workspace.path / "orders.csv",
        [
            order_row(1, street="Nygata 7"),
            order_row(2, phone="99887766", name="Kari Nordmann-Hansen"),
            order_row(3, description="Hund på tomten"),  # not contact data: a plain update
        ],
    )

    result = ok("orders", "import", "orders.csv")

    assert "0 new, 1 updated, 0 unchanged, 2 changed after booking" in result.stdout
    shown = order(first)
    assert (shown["street"], shown["status"]) == ("Nygata 7", "awaiting_response")
    assert shown["followup_reason"] == "changed after booking: street"
    assert any(
        e["kind"] == "import" and "'Storgata 1' → 'Nygata 7'" in e["text"]
        for e in shown["timeline"]
    )
    assert order(second)["followup_reason"] == "changed after booking: name, phone, mobile"
    assert order(third)["followup_reason"] is None
    # The letters of the first two name the old address or name: not printed any more.
    pending = [p["order_no"] for p in data("letters", "pending")]
    assert pending == [third]
    withdrawn = ok("letters", "withdrawn").stdout
    assert first in withdrawn and "the name or address changed" in withdrawn
    listed = ok("followup", "list", "--reason", "changed").stdout
    assert first in listed and second in listed and third not in listed
    summary = data("orders", "import", "orders.csv")  # the same file again: nothing to do
    assert (summary["unchanged"], summary["changed_after_booking"]) == (3, 0)


def test_locked_order_changed_upstream_is_followed_up(workspace):
    (first, _), _ = locked(workspace, 2)
    write_orders(workspace.path / "orders.csv", [order_row(1, city="ELVERUM"), order_row(2)])

    result = data("orders", "import", "orders.csv")

    assert (result["updated"], result["changed_after_booking"]) == (0, 1)
    assert order(first)["followup_reason"] == "changed after booking: city"
    assert order(first)["status"] == "ready_to_print"


def test_blanking_street_or_phone_of_a_confirmed_order_is_refused(workspace):
    (first, code), _ = awaiting(workspace, 2)
    (workspace.path / "svar.csv").write_text(
        f"Mottatt;Avsender;Melding\n2026-04-01 07:30;+4799999901;{code} OK\n", encoding="utf-8"
    )
    ok("replies", "ingest", "svar.csv")
    assert order(first)["status"] == "ready_for_execution"
    write_orders(workspace.path / "orders.csv", [order_row(1, street="", phone=""), order_row(2)])

    stderr = error(5, "orders", "import", "orders.csv")

    assert "1 of 2 rows are invalid; nothing was imported" in stderr
    assert "orders.csv:2: Adresse: would blank the street of a booked order" in stderr
    assert order(first)["street"] == "Storgata 1"


def test_purged_orders_stay_purged_after_a_full_reimport(workspace):
    order_nos = seed(workspace, 2)
    ok("orders", "close", order_nos[0], "--resolution", "Kansellert")
    assert purge(workspace.context(), date(2026, 4, 2)).orders == 1
    write_orders(workspace.path / "orders.csv", [order_row(1), order_row(2, city="ELVERUM")])

    result = ok("orders", "import", "orders.csv")

    assert "1 purged order: personal data not restored" in result.stdout
    gone = order(order_nos[0])
    assert (gone["customer_name"], gone["street"], gone["phone"]) == (ANONYMOUS, "", "")
    assert order(order_nos[1])["city"] == "ELVERUM"
    assert row(result.stdout, "1 updated")


def test_orders_anonymised_before_purges_were_dated_stay_purged(workspace):
    """Purged before purged_at existed (schema 0005): the anonymised name tells."""
    order_nos = seed(workspace, 1)
    ok("orders", "close", order_nos[0], "--resolution", "Kansellert")
    purge(workspace.context(), date(2026, 4, 2))
    with workspace.context().session() as s:
        s.execute(update(Order).values(purged_at=None))
    write_orders(workspace.path / "orders.csv", [order_row(1)])

    result = data("orders", "import", "orders.csv")

    assert (result["purged_kept"], result["updated"], result["unchanged"]) == (1, 0, 1)
    assert order(order_nos[0])["customer_name"] == ANONYMOUS


def test_workbook_number_cells_are_repaired_the_same_way(workspace):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Ordrenr", "Målepunkt-ID", "Navn", "Adresse", "Postnr", "Poststed", "Telefon"])
    sheet.append(["AMS-1", gsrn(1), "Kari", "Storgata 1", 123, "OSLO", 91234567.0])
    book.save(workspace.path / "orders.xlsx")

    ok("orders", "import", "orders.xlsx")

    shown = order("AMS-1")
    assert (shown["postcode"], shown["phone"], shown["mobile"]) == (
        "0123",
        "91234567",
        "+4791234567",
    )

"""Finding an order: by phone number in any written form, order numbers in any case,
statuses by their Norwegian labels."""

from __future__ import annotations

from tests.cli.support import data, error, ok, order, row
from tests.helpers import order_row, write_orders


def orders_file(ws, *rows: str):
    ok("techs", "add", "T01", "--name", "Ola Montør", "--phone", "41234567")
    return write_orders(ws.path / "orders.csv", list(rows))


def found(*args: str) -> list[str]:
    return [o["order_no"] for o in data("orders", "list", *args)]


def test_text_finds_phone_numbers_in_any_written_form(workspace):
    ok("orders", "import", orders_file(workspace,
        order_row(1, phone="966 23 950"), order_row(2, phone="62 51 00 00"),
        order_row(3, phone="+47 41 00 00 03")))  # fmt: skip

    for typed in ("96623950", "966 23 950", "+47 966 23 950", "+4796623950",
                  "0047 966 23 950", "(+47) 966-23-950", "4796623950"):  # fmt: skip
        assert found("--text", typed) == ["AMS-00001"], typed
    assert found("--text", "+47 62 51 00 00") == ["AMS-00002"]
    assert found("--text", "41000003") == ["AMS-00003"]
    assert found("--text", "410 00 003") == ["AMS-00003"]
    assert found("--text", "Nordmann 2") == ["AMS-00002"]  # words work as before
    assert found("--text", "storgata 1") == ["AMS-00001"]
    assert found("--text", "99999999") == []


def test_a_new_phone_number_is_found_at_once(workspace):
    ok("orders", "import", orders_file(workspace, order_row(1, phone="966 23 950")))
    ok("orders", "edit", "ams-00001", "--phone", "+47 913 45 678")
    assert found("--text", "913 45 678") == ["AMS-00001"]
    assert found("--text", "96623950") == []


def test_order_numbers_in_any_case(workspace):
    ok("orders", "import", orders_file(workspace, *(order_row(n) for n in (1, 2, 3))))

    assert order("ams-00001")["order_no"] == "AMS-00001"
    ok("assign", "ams-00001", "Ams-00002", "--tech", "T01", "--date", "2026-04-22")
    assert [order(n)["status"] for n in ("AMS-00001", "AMS-00002")] == ["planning"] * 2
    ok("lock", "ams-00001")
    assert order("AMS-00001")["status"] == "ready_to_print"
    ok("orders", "comment", "ams-00003", "Ringt")
    assert "order given twice" in error(5, "assign", "ams-00003", "AMS-00003",
                                        "--tech", "T01", "--date", "2026-04-23")  # fmt: skip
    assert "no such order: ams-00404" in error(4, "assign", "ams-00404", "--tech", "T01",
                                               "--date", "2026-04-23")  # fmt: skip


def test_two_orders_differing_only_by_case(workspace):
    ok("orders", "import", orders_file(workspace,
        order_row(1, order_no="AMS-X1"), order_row(2, order_no="ams-x1")))  # fmt: skip

    assert order("AMS-X1")["customer_name"] == "Kari Nordmann 1"  # exact wins
    assert order("ams-x1")["customer_name"] == "Kari Nordmann 2"
    message = error(5, "orders", "show", "Ams-X1")
    assert "AMS-X1" in message and "ams-x1" in message


def test_status_by_norwegian_label_or_key(workspace):
    """Either language's label (the suite reads English; planners type Norwegian)."""
    ok("orders", "import", orders_file(workspace, *(order_row(n) for n in (1, 2, 3))))
    ok("assign", "AMS-00003", "--tech", "T01", "--date", "2026-04-22")

    assert found("--status", "Åpen") == ["AMS-00001", "AMS-00002"]
    assert found("--status", "åpen") == ["AMS-00001", "AMS-00002"]
    assert found("--status", "open") == ["AMS-00001", "AMS-00002"]
    assert found("--status", "under  planlegging") == ["AMS-00003"]
    assert found("--status", "Åpen", "--status", "Under planlegging", "--sort", "order") == [
        "AMS-00001", "AMS-00002", "AMS-00003",
    ]  # fmt: skip
    out = ok("orders", "list", "--status", "ÅPEN").stdout
    assert "AMS-00001" in row(out, "AMS-00001")
    message = error(5, "orders", "list", "--status", "Lukka")
    assert "'Lukka'" in message and "Closed (closed)" in message and "Open (open)" in message

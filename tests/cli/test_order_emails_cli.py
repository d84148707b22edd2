"""amsplan orders import|show|list|edit with customers' e-mail addresses (issue 16.1)."""

from __future__ import annotations

from tests.cli.support import data, error, ok, order
from tests.helpers import HEADER, order_row


def write(ws, emails: dict[int, str], header: str = "E-post") -> None:
    rows = [f'{order_row(n)};"{address}"' for n, address in emails.items()]
    text = "\n".join([f"{HEADER};{header}", *rows]) + "\n"
    (ws.path / "orders.csv").write_text(text, encoding="utf-8-sig")


def test_a_bad_address_names_the_line_and_the_column_and_nothing_is_imported(workspace):
    write(workspace, {1: "kari@eksempel.no", 2: "kari.nordmann@eksempel", 3: "a@x.no, b@y.no"})

    stderr = error(5, "orders", "import", "orders.csv")

    assert "orders.csv: 2 of 3 rows are invalid; nothing was imported" in stderr
    assert "orders.csv:3: E-post: not a valid e-mail address" in stderr
    assert "orders.csv:4: E-post: several e-mail addresses; one address per order" in stderr
    assert "nordmann" not in stderr and "a@x.no" not in stderr  # never the address
    assert data("orders", "list") == []


def test_orders_show_and_list_show_the_address(workspace):
    write(workspace, {1: "Kari Nordmann <Kari.Nordmann@Eksempel.NO>", 2: ""}, header="email")
    assert "2 new" in ok("orders", "import", "orders.csv").stdout

    shown = ok("orders", "show", "AMS-00001").stdout
    assert "E-mail" in shown and "Kari.Nordmann@eksempel.no" in shown
    assert "E-mail" not in ok("orders", "show", "AMS-00002").stdout  # none: no line
    assert order("AMS-00001")["email"] == "Kari.Nordmann@eksempel.no"
    listed = data("orders", "list", "--text", "kari.nordmann@")
    assert [(o["order_no"], o["email"]) for o in listed] == [
        ("AMS-00001", "Kari.Nordmann@eksempel.no")
    ]
    csv_out = ok("orders", "list", "--csv").stdout.splitlines()
    assert "email" in csv_out[0].split(";")


def test_orders_edit_email_sets_refuses_and_clears(workspace):
    write(workspace, {1: ""})
    ok("orders", "import", "orders.csv")

    out = ok("orders", "edit", "AMS-00001", "--email", "mailto:kari@eksempel.no").stdout
    assert "E-mail: '' → 'kari@eksempel.no'" in out
    assert order("AMS-00001")["email"] == "kari@eksempel.no"

    stderr = error(5, "orders", "edit", "AMS-00001", "--email", "kari@eksempel")
    assert "--email: not a valid e-mail address" in stderr
    assert order("AMS-00001")["email"] == "kari@eksempel.no"

    ok("orders", "edit", "AMS-00001", "--email", "")
    assert order("AMS-00001")["email"] == ""
    assert data("orders", "list", "--text", "@eksempel.no") == []

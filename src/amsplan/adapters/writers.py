"""Writing exports: CSV (for Excel and other systems), JSON or an Excel workbook (.xlsx),
atomically; and private files written durably (letters, e-mail in a Maildir). Every
file is created with the mode and group of adapters.private (0600 or, with
`[files] group`, 0640 and that group), and an export only into a folder it allows."""

from __future__ import annotations

import csv
import json
import math
import os
import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from amsplan.adapters.private import check_folder, open_private
from amsplan.errors import InputError

_E164 = re.compile(r"\+[1-9]\d{6,14}")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
FORMATS = {".csv": "csv", ".json": "json", ".xlsx": "xlsx"}
# Excel's limits: 32,767 characters in a cell, 15 significant digits in a number.
_MAX_CELL = 32_767
_EXCEL_DIGITS = 10**15
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in the XML of a sheet
_WIDTH_SAMPLE = 1000  # rows measured for the column widths


def neutralise(value: Any) -> Any:
    """A text cell Excel would run as a formula gets a leading apostrophe.

    A phone number in international form (+4741234567) is left as it is: Excel reads it
    as a number, and the technicians' systems need it exactly so.
    """
    if isinstance(value, str) and value.startswith(_FORMULA) and not _E164.fullmatch(value):
        return "'" + value
    return value


def format_for(path: Path, explicit: str | None) -> str:
    """csv, json or xlsx: the explicit --format, else by the file's suffix (default csv)."""
    fmt = (explicit or FORMATS.get(Path(path).suffix.lower(), "csv")).strip().lower()
    if fmt not in FORMATS.values():
        raise InputError(f"--format {fmt!r}: use csv, json or xlsx")
    return fmt


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | time):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def write_rows(
    path: Path,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    fmt: str = "csv",
    safe_columns: Sequence[str] = (),
) -> None:
    """Write rows to path (all or nothing: a temporary file renamed into place).

    Text cells are neutralised against formula injection in CSV and in workbooks, except
    in `safe_columns` (values amsplan made itself, such as phone numbers in E.164).
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path} is a folder; name the file to write")
    if not path.parent.is_dir():
        raise InputError(f"{path.parent} does not exist")
    check_folder(path.parent, "export folder")
    keep = {columns.index(c) for c in safe_columns}
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        fd = open_private(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        if fmt == "xlsx":
            with open(fd, "wb") as f:
                _workbook(path, columns, rows, keep).save(f)
                f.flush()
                os.fsync(f.fileno())
        else:
            encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
            with open(fd, "w", encoding=encoding, newline="") as f:
                if fmt == "json":
                    json.dump(
                        [{c: _plain(v) for c, v in zip(columns, row, strict=True)} for row in rows],
                        f, ensure_ascii=False, indent=2,
                    )  # fmt: skip
                else:
                    writer = csv.writer(f, delimiter=";")
                    writer.writerow(columns)
                    for row in rows:
                        writer.writerow(
                            [
                                _plain(v) if i in keep else neutralise(_plain(v))
                                for i, v in enumerate(row)
                            ]
                        )
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _workbook(path: Path, columns: Sequence[str], rows: Sequence[Sequence[Any]], keep: set[int]):
    """One sheet: bold frozen header with a filter, sized columns, real dates and numbers."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(path))
    sheet.freeze_panes = "A2"
    for index, width in enumerate(_widths(columns, rows)):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    if columns:
        last = get_column_letter(len(columns))
        sheet.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
    bold = Font(bold=True)
    header = []
    for name in columns:
        cell = WriteOnlyCell(sheet, _text(str(name)))
        cell.data_type, cell.font = "s", bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([_cell(sheet, WriteOnlyCell, v, i in keep) for i, v in enumerate(row)])
    return workbook


def _cell(sheet: Any, make: Any, value: Any, safe: bool) -> Any:
    """A value as Excel should hold it: text never becomes a formula."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        if isinstance(value, float | Decimal) and not math.isfinite(value):
            return str(value)
        if isinstance(value, int) and abs(value) >= _EXCEL_DIGITS:
            value = str(value)  # Excel would round away its last digits; keep them as text
        else:
            return value
    formats = (
        (datetime, "yyyy-mm-dd hh:mm"),
        (date, "yyyy-mm-dd"),
        (time, "hh:mm"),
        (timedelta, "[h]:mm"),
    )
    for kind, number_format in formats:
        if isinstance(value, kind):
            if isinstance(value, datetime | time) and value.tzinfo is not None:
                # Excel has no time zones: keep the wall-clock time the caller chose.
                value = value.replace(tzinfo=None)
            cell = make(sheet, value)
            cell.number_format = number_format
            return cell
    value = _text(value if isinstance(value, str) else str(value))
    if not value.startswith(_FORMULA):
        return value
    cell = make(sheet, value)
    cell.data_type = "s"  # openpyxl would store "=..." as a formula
    if not safe:
        cell.quotePrefix = True  # Excel's own leading apostrophe: shown and kept as text
    return cell


def _text(value: str) -> str:
    return _ILLEGAL.sub("\ufffd", value)[:_MAX_CELL]


def _widths(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[float]:
    widths = [len(str(c)) + 3 for c in columns]  # bold, and room for the filter button
    for row in rows[:_WIDTH_SAMPLE]:
        for i, value in enumerate(row[: len(widths)]):
            if isinstance(value, datetime):
                size = 16
            elif value is None:
                size = 0
            else:
                size = max((len(line) for line in str(_plain(value)).splitlines()), default=0)
            widths[i] = max(widths[i], size + 2)
    return [min(max(w, 6), 60) for w in widths]


def _sheet_title(path: Path) -> str:
    """The file's name, as far as Excel allows in a sheet name."""
    title = re.sub(r"[\[\]:*?/\\]", "_", path.stem).strip("' ")[:31]
    return title or "Data"


def write_private(path: Path, data: bytes, exclusive: bool = False) -> None:
    """Write `data` to `path`, readable by the owner (and the configured group) only,
    and flush it to disk before returning; `exclusive`: the file must not exist yet."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    with open(open_private(path, flags), "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def write_private_files(folder: Path, files: Sequence[tuple[str, bytes]]) -> list[Path]:
    """Write each (name, data) into `folder` (private as write_private, existing files
    replaced) and make them all durable together before returning: one flush of the
    folder's file system (Linux's syncfs) instead of one per file; where there is no
    syncfs, an fsync per file."""
    paths: list[Path] = []
    for name, data in files:
        path = folder / name
        with open(open_private(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), "wb") as f:
            f.write(data)
        paths.append(path)
    if paths and not _syncfs(folder):
        for path in paths:
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    return paths


def _syncfs(folder: Path) -> bool:
    """Flush the file system `folder` is on (True), or False where syncfs is missing."""
    global _LIBC
    if _LIBC is None:
        import ctypes
        import ctypes.util

        try:
            _LIBC = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        except OSError:
            _LIBC = False
    syncfs = getattr(_LIBC, "syncfs", None) if _LIBC else None
    if syncfs is None:
        return False
    fd = os.open(folder, os.O_RDONLY)
    try:
        if syncfs(fd) != 0:
            import ctypes

            errno = ctypes.get_errno()
            raise OSError(errno, os.strerror(errno), str(folder))
    finally:
        os.close(fd)
    return True


_LIBC: Any = None


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries to disk (a file renamed or created in it stays there)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

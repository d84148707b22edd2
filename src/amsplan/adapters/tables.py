"""Reading CSV files from other systems: encoding, delimiter and header detection."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from amsplan.errors import InputError, NotFound

csv.field_size_limit(16 * 1024 * 1024)
_DELIMITERS = (";", ",", "\t")


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
    encoding: str
    delimiter: str
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (line number in the file, cells)
    columns: dict[str, int] = field(default_factory=dict)  # field name -> cell index
    ignored: list[str] = field(default_factory=list)  # headers no field uses

    def records(self) -> Iterator[tuple[int, dict[str, str]]]:
        """(line, {field: stripped cell}) for every row, by the mapped columns."""
        for line, cells in self.rows:
            yield line, {name: cells[i].strip() for name, i in self.columns.items()}


def decode(data: bytes, path: Path) -> tuple[str, str]:
    """Text and encoding: UTF-8 (with or without BOM), else Windows-1252."""
    if b"\x00" in data:
        raise InputError(f"{path}: contains NUL bytes; this is not a text (CSV) file")
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as err:
            raise InputError(f"{path}: starts as UTF-8 but is not: {err.reason}") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        raise InputError(f"{path}: neither UTF-8 nor Windows-1252 text") from None


def header_key(name: str) -> str:
    """'Målepunkt-ID' -> 'målepunktid', 'meter_point_id' -> 'meterpointid'."""
    return re.sub(r"[\s_\-./()]+", "", name.strip().lower())


def read_csv(path: Path) -> Table:
    """The whole file, validated as CSV; rows keep their line numbers."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a file") from None
    text, encoding = decode(data, path)
    if not text.strip():
        raise InputError(f"{path}: the file is empty")
    first_line = text.lstrip("\r\n").splitlines()[0]
    delimiter = max(_DELIMITERS, key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[str]]] = []
    headers: list[str] | None = None
    line = 1
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            if headers is None:
                headers = [c.strip() for c in cells]
                continue
            rows.append((start, cells))
    except csv.Error as err:
        raise InputError(f"{path}:{reader.line_num}: broken CSV: {err}") from None
    if headers is None:
        raise InputError(f"{path}: the file is empty")
    return Table(path, encoding, delimiter, headers, rows)


def map_columns(
    table: Table,
    aliases: Mapping[str, Sequence[str]],
    required: Sequence[str],
) -> Table:
    """Match headers to fields by their aliases; refuse missing or duplicated columns."""
    lookup = {header_key(a): name for name, names in aliases.items() for a in (name, *names)}
    columns: dict[str, int] = {}
    problems: list[str] = []
    for index, header in enumerate(table.headers):
        name = lookup.get(header_key(header))
        if name is None:
            if header:
                table.ignored.append(header)
            continue
        if name in columns:
            first = table.headers[columns[name]]
            problems.append(f"{table.path}:1: columns {first!r} and {header!r} are both {name}")
        columns[name] = index
    for name in required:
        if name not in columns:
            names = ", ".join(aliases[name][:2]) if aliases[name] else name
            problems.append(f"{table.path}:1: missing column {name} ({names})")
    if problems:
        raise InputError(f"{table.path}: the header is not usable", problems)
    width = len(table.headers)
    bad = [
        f"{table.path}:{line}: expected {width} fields, found {len(cells)}"
        for line, cells in table.rows
        if len(cells) != width
    ]
    if bad:
        raise InputError(f"{table.path}: {len(bad)} rows have the wrong number of fields", bad)
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

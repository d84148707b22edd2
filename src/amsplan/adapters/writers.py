"""Writing exports: CSV (for Excel and other systems) or JSON, atomically."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from amsplan.errors import InputError

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A text cell Excel would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def format_for(path: Path, explicit: str | None) -> str:
    fmt = explicit or {".json": "json", ".csv": "csv"}.get(path.suffix.lower(), "csv")
    if fmt not in ("csv", "json"):
        raise InputError(f"--format {fmt!r}: use csv or json")
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

    Text cells are neutralised against formula injection in CSV, except in
    `safe_columns` (values amsplan made itself, such as phone numbers in E.164).
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path} is a folder; name the file to write")
    if not path.parent.is_dir():
        raise InputError(f"{path.parent} does not exist")
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="") as f:
        if fmt == "json":
            json.dump(
                [{c: _plain(v) for c, v in zip(columns, row, strict=True)} for row in rows],
                f, ensure_ascii=False, indent=2,
            )  # fmt: skip
        else:
            keep = {columns.index(c) for c in safe_columns}
            writer = csv.writer(f, delimiter=";")
            writer.writerow(columns)
            for row in rows:
                writer.writerow(
                    [_plain(v) if i in keep else neutralise(_plain(v)) for i, v in enumerate(row)]
                )
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)

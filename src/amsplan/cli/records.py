"""Stored rows as JSON for scripts (docs/json.md): times stored in UTC written in the
configured zone with their offset, booking codes with their dash."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from amsplan.cli.output import json_code
from amsplan.domain.codes import CODE_LENGTH

CODE_FIELDS = ("booking_code", "code")


def utc(value: datetime | None) -> datetime | None:
    """A time as the database keeps it (UTC, no zone) marked UTC: print_json then writes
    it in the configured zone with its offset."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def pairs(rows: Any, first: str, second: str) -> list[dict[str, Any]]:
    """(a, b) pairs of a service's result as objects: [{first: a, second: b}, ...]."""
    return [{first: a, second: b} for a, b in rows]


def record(row: Any, exclude: set[str] | None = None, **extra: Any) -> dict[str, Any]:
    """A stored row (SQLModel) as a JSON object: its fields, then `extra`. The database
    keeps times in UTC without a zone: they are marked UTC here, so that print_json writes
    them in the configured zone with the right offset."""
    data = row.model_dump(exclude=exclude)
    for name, value in data.items():
        if isinstance(value, datetime):
            data[name] = utc(value)
        elif name in CODE_FIELDS and isinstance(value, str) and len(value) == CODE_LENGTH:
            data[name] = json_code(value)  # (a mistyped code in a reply stays as typed)
    return {**data, **extra}

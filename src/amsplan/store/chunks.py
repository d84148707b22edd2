"""What every store module needs: long IN lists in pieces a database takes, and row
locks on request."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
CHUNK = 5000


def chunks(values: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    """The values (deduplicated by the caller, or not) in lists of at most `size`."""
    values = list(values)
    for i in range(0, len(values), size):
        yield values[i : i + size]


def locked(query: Any, lock: bool) -> Any:
    """The query, locking the rows it reads for update when `lock`."""
    return query.with_for_update() if lock else query

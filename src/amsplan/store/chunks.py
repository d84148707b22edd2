"""Long IN lists in pieces a database takes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
CHUNK = 5000


def chunks(values: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    """The values (deduplicated by the caller, or not) in lists of at most `size`."""
    values = list(values)
    for i in range(0, len(values), size):
        yield values[i : i + size]

"""amsplan doctor: files that hold personal data, and who may read them (issue 18)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add `doctor` to the root."""

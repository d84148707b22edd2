"""amsplan db verify: the history chain (issue 18)."""

from __future__ import annotations

import typer


def register(db_app: typer.Typer) -> None:
    """Add `db verify` to the `db` group."""

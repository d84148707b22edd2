"""amsplan db roles | grant: PostgreSQL group roles and personal logins (issue 18)."""

from __future__ import annotations

import typer


def register(db_app: typer.Typer) -> None:
    """Add `db roles` and `db grant` to the `db` group."""

"""amsplan returns ingest|unapplied|handle|retry."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from amsplan.cli.worklists import field_group

if TYPE_CHECKING:
    from amsplan.services.context import Context


def _ingest(c: Context, file: Path) -> Any:
    from amsplan.services.field import ingest_returns

    return ingest_returns(c, file)


INGEST = """Apply technician returns: started, or resolved with a resolution code.

    Code OK closes the order and queues it for the validation export; any other code is
    a failed visit ("bomtur") that stays in `followup list` until reopened or closed.

    Example: amsplan returns ingest retur-2026-04-22.csv
    """

UNAPPLIED = """List returns that could not be applied (unknown order, wrong status).

    Example: amsplan returns unapplied
    """

HANDLE = """Mark returns as dealt with: they leave `returns unapplied`; the comment is kept in
    the order's timeline.

    --all: every return in the list now; shows the count and asks first (--yes for
    scripts, --dry-run to only count).

    Example: amsplan returns handle 7 --comment "Ordren var allerede lukket i Quant"
    """

RETRY = """Apply unapplied returns again (e.g. after the order was fixed by hand), each at the
    time it happened; the ones that apply now leave the list.

    Example: amsplan returns retry 7 8    or    amsplan returns retry --all
    """


returns_app = field_group(
    "returns", "return", "Technician returns from the field.", _ingest,
    "CSV: order, event, resolution code, time, ...", (INGEST, UNAPPLIED, HANDLE, RETRY),
)  # fmt: skip


def register(app: typer.Typer) -> None:
    app.add_typer(returns_app, name="returns")

"""amsplan upstream ingest|unapplied|handle|retry."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from amsplan.cli.worklists import field_group

if TYPE_CHECKING:
    from amsplan.services.context import Context


def _ingest(c: Context, file: Path) -> Any:
    from amsplan.services.field import ingest_upstream

    return ingest_upstream(c, file)


INGEST = """Apply rejections and cancellations from the meter-data system.

    Rejection: a closed order goes to "Avvist i Quant". Cancellation: an open order is
    closed (Kansellert); a started one goes to manual follow-up, marked cancelled; a
    failed visit is reopened and then followed up; a closed one is refused and listed.

    Example: amsplan upstream ingest quant-2026-04-22.csv
    """

UNAPPLIED = """List upstream messages that could not be applied (e.g. cancelling a closed order).

    Example: amsplan upstream unapplied
    """

HANDLE = """Mark upstream messages as dealt with: they leave `upstream unapplied`; the comment
    is kept in the order's timeline.

    --all: every message in the list now; shows the count and asks first (--yes for
    scripts, --dry-run to only count).

    Example: amsplan upstream handle 3 --comment "Avklart med Quant på telefon"
    """

RETRY = """Apply unapplied upstream messages again (e.g. after the order was fixed by hand),
    each at the time it happened; the ones that apply now leave the list.

    Example: amsplan upstream retry --all
    """


upstream_app = field_group(
    "upstream", "message",
    "Messages from the meter-data system: rejections, cancellations.", _ingest,
    "CSV: order, type (avvist|kansellert), time, reason.", (INGEST, UNAPPLIED, HANDLE, RETRY),
)  # fmt: skip


def register(app: typer.Typer) -> None:
    app.add_typer(upstream_app, name="upstream")

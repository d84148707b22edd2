"""amsplan db verify: the history chain (issue 18; docs/audit.md)."""

from __future__ import annotations

import sys
from datetime import datetime

import typer

from amsplan.cli.output import console, context, count, local_when, print_json
from amsplan.cli.params import Json
from amsplan.config import Settings

BROKEN = 11  # the exit code of `db verify` when the history is not whole (docs/audit.md)


def verify(ctx: typer.Context, as_json: Json = False) -> None:
    """Check that no history row was changed, removed or inserted outside amsplan.

    Recomputes each order's hash chain and compares each order's status with its last
    history row. One line per broken link: order, the row's time, what is wrong. Exit
    code 0 when the history is whole, 11 when it is not (quiet on success when not on a
    terminal: run it nightly from cron, which mails only findings). See docs/audit.md.

    Example: amsplan db verify
    """
    from amsplan.services.audit import verify as run

    c = context(ctx)
    result = run(c)
    if as_json:
        print_json({
            "whole": result.whole, "rows": result.rows, "orders": result.orders,
            "findings": [
                {"order": f.order_no, "at": _local_iso(f.at, c.settings), "kind": f.kind,
                 "detail": f.detail} for f in result.findings
            ],
        })  # fmt: skip
    elif result.whole:
        if sys.stdout.isatty():
            console.print(f"History whole: {count(result.rows, 'row', 'rows')} of "
                          f"{count(result.orders, 'order', 'orders')} verified")  # fmt: skip
    else:
        for f in result.findings:
            when = local_when(f.at, c.settings) or "-"
            console.print(f"{f.order_no}  {when}  {f.kind}: {f.detail}")
        broken = len({f.order_no for f in result.findings})
        console.print(
            f"History NOT whole: {count(len(result.findings), 'broken link', 'broken links')} "
            f"in {count(broken, 'order', 'orders')} ({result.rows:,} rows of "
            f"{result.orders:,} orders read)"
        )
    if not result.whole:
        raise typer.Exit(BROKEN)


def _local_iso(at: datetime | None, settings: Settings) -> str | None:
    """The time in local time, with its offset."""
    return None if at is None else at.astimezone(settings.tz).isoformat()


def register(db_app: typer.Typer) -> None:
    """Add `db verify` to the `db` group."""
    db_app.command("verify")(verify)

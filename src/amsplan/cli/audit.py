"""amsplan db verify: the history chain (issue 18; docs/audit.md)."""

from __future__ import annotations

import sys

import typer

from amsplan.cli.output import console, context, local_when, print_json
from amsplan.cli.params import Json
from amsplan.i18n import N_, _, ngettext

BROKEN = 11  # the exit code of `db verify` when the history is not whole (docs/audit.md)
#: What a broken link is (domain.chain.Break.kind), as the planner reads it.
KINDS = {"changed": N_("changed"), "removed": N_("removed"), "inserted": N_("inserted")}


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
                {"order_no": f.order_no, "at": f.at, "kind": f.kind, "detail": f.detail}
                for f in result.findings
            ],
        })  # fmt: skip
    elif result.whole:
        if sys.stdout.isatty():
            console.print(
                _("History whole: {rows} of {orders} verified").format(
                    rows=ngettext("{n} row", "{n} rows", result.rows).format(n=result.rows),
                    orders=ngettext("{n} order", "{n} orders", result.orders).format(
                        n=result.orders
                    ),
                )
            )
    else:
        kinds = {kind: _(label) for kind, label in KINDS.items()}
        for f in result.findings:
            when = local_when(f.at, c.settings) or "-"
            console.print(f"{f.order_no}  {when}  {kinds.get(f.kind, f.kind)}: {f.detail}")
        links, broken = len(result.findings), len({f.order_no for f in result.findings})
        console.print(
            _("History NOT whole: {links} in {orders} ({rows} rows of {read} orders read)").format(
                links=ngettext("{n} broken link", "{n} broken links", links).format(n=links),
                orders=ngettext("{n} order", "{n} orders", broken).format(n=broken),
                rows=f"{result.rows:,}",
                read=f"{result.orders:,}",
            )  # fmt: skip
        )
    if not result.whole:
        raise typer.Exit(BROKEN)


def register(db_app: typer.Typer) -> None:
    """Add `db verify` to the `db` group."""
    db_app.command("verify")(verify)

"""amsplan status."""

from __future__ import annotations

import typer

from amsplan.cli.output import console, context, print_json, status_text, styled, table
from amsplan.cli.params import Json
from amsplan.i18n import _


def status(ctx: typer.Context, as_json: Json = False):
    """Count orders per status, in the status colours.

    Example: amsplan status
    """
    from amsplan.services.views import status_counts

    c = context(ctx)
    counts = status_counts(c)
    if as_json:
        print_json({s.value: n for s, n in counts.items()})
        return
    out = table(_("status"), _("orders"))
    for s, n in counts.items():
        out.add_row(status_text(s, c.settings), str(n))
    out.add_row(styled(_("Total"), "bold"), styled(str(sum(counts.values())), "bold"))
    console.print(out)


def register(app: typer.Typer) -> None:
    app.command("status")(status)

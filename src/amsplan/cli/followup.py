"""amsplan followup list."""

from __future__ import annotations

from typing import Annotated

import typer

from amsplan.cli.output import console, context, print_json, status_text, table, when
from amsplan.cli.planning import Day, Tech

followup_app = typer.Typer(help="Orders that need a person.", no_args_is_help=True)


@followup_app.command("list")
def list_(
    ctx: typer.Context,
    tech: Tech = None,
    date: Day = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
    """List every order that needs a person, and why, by appointment date.

    Example: amsplan followup list --tech T01
    """
    from amsplan import clock
    from amsplan.services.views import followup_list

    c = context(ctx)
    items = followup_list(c, tech, clock.parse_date(date, "--date") if date else None)
    if as_json:
        print_json(items)
        return
    out = table("order", "customer", "phone", "appointment", "tech", "status", "why")
    for f in items:
        out.add_row(
            f.order_no,
            f.customer_name,
            f.phone,
            when(f.appointment),
            f.technician_id or "",
            status_text(f.status, c.settings),
            f.reason,
        )
    console.print(out)
    console.print(f"{len(items)} orders need follow-up")


def register(app: typer.Typer) -> None:
    app.add_typer(followup_app, name="followup")

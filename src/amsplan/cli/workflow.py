"""amsplan workflow show."""

from __future__ import annotations

import typer
from rich.text import Text

from amsplan.cli.output import console, context, print_json, status_text, table
from amsplan.cli.params import Json

workflow_app = typer.Typer(help="The workflow: statuses and transitions.", no_args_is_help=True)


@workflow_app.command("show")
def show(ctx: typer.Context, as_json: Json = False):
    """Print the transition table: every status change an order can make.

    Example: amsplan workflow show
    """
    from amsplan.domain.transitions import TABLE

    if as_json:
        print_json([
            {"name": t.name, "label": t.label, "from": sorted(s.value for s in t.sources),
             "to": t.target.value, "trigger": t.trigger,
             "validators": [v.__name__ for v in t.validators], "effects": list(t.effects)}
            for t in TABLE
        ])  # fmt: skip
        return
    settings = context(ctx).settings
    out = table("transition", "from", "to", "checks", "effects", "trigger", title="Workflow")
    for t in TABLE:
        sources = ", ".join(settings.label(s) for s in sorted(t.sources))
        out.add_row(
            Text.assemble(t.name, "\n", (t.label, "dim")),
            sources,
            status_text(t.target, settings),
            ", ".join(v.__name__ for v in t.validators),
            ", ".join(t.effects),
            t.trigger,
        )
    console.print(out)


def register(app: typer.Typer) -> None:
    app.add_typer(workflow_app, name="workflow")

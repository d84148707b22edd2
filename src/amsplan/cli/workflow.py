"""amsplan workflow show."""

from __future__ import annotations

import typer
from rich.text import Text

from amsplan.cli.output import console, context, print_json, status_text, table
from amsplan.cli.params import Json
from amsplan.i18n import _

workflow_app = typer.Typer(help="The workflow: statuses and transitions.", no_args_is_help=True)


@workflow_app.command("show")
def show(ctx: typer.Context, as_json: Json = False):
    """Print the transition table: every status change an order can make.

    Each transition by its label and (in brackets) its name for `amsplan transition NAME`.

    Example: amsplan workflow show
    """
    from amsplan.domain.transitions import CHECKS, EFFECTS, TABLE

    settings = context(ctx).settings
    if as_json:
        print_json([
            {"name": t.name, "label": t.label, "from": sorted(s.value for s in t.sources),
             "to": t.target.value, "to_label": settings.label(t.target),
             "trigger": _(t.trigger), "validators": [v.__name__ for v in t.validators],
             "effects": list(t.effects)}
            for t in TABLE
        ])  # fmt: skip
        return
    checks = {name: _(text) for name, text in CHECKS.items()}
    effects = {name: _(text) for name, text in EFFECTS.items()}
    out = table(_("transition"), _("from"), _("to"), _("checks"), _("effects"), _("when"),
                title=_("Workflow"))  # fmt: skip
    for t in TABLE:
        sources = ", ".join(sorted(settings.label(s) for s in t.sources))
        out.add_row(
            Text.assemble(t.label, "\n", (f"({t.name})", "dim")),
            sources,
            status_text(t.target, settings),
            ", ".join(checks[v.__name__] for v in t.validators),
            ", ".join(effects[e] for e in t.effects),
            _(t.trigger),
        )
    console.print(out)


def register(app: typer.Typer) -> None:
    app.add_typer(workflow_app, name="workflow")

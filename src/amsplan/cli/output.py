"""Printing: one console, status labels in their colours, JSON for scripts."""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from amsplan.cli.state import State
from amsplan.config import Settings

if TYPE_CHECKING:
    from amsplan.services.context import Context

# markup=False: customer data such as "Kari [dødsbo]" prints as written; styling is
# always explicit, with Text and styled().
console = Console(highlight=False, markup=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)


def count(n: int, singular: str, plural: str) -> str:
    """'1 order', '2 orders'."""
    return f"{n} {singular if n == 1 else plural}"


def styled(text: str, style: str) -> Text:
    return Text(text, style=style)


def context(ctx: typer.Context) -> Context:
    return ctx.ensure_object(State).context()


def status_text(status: str, settings: Settings) -> Text:
    return Text(settings.label(status), style=f"bold {settings.colour(status)}")


def table(*columns: str, title: str | None = None) -> Table:
    t = Table(title=title, header_style="bold", title_justify="left")
    for column in columns:
        # Identifiers are never cut: a planner copies them into the next command.
        t.add_column(column, no_wrap=column in _IDENTIFIERS)
    return t


_IDENTIFIERS = {"order", "file", "file:line", "id", "to", "time", "appointment", "received", "#"}


def _default(value: Any):
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, default=_default, ensure_ascii=False, indent=2))


def when(value: datetime | None) -> str:
    return f"{value:%d.%m.%Y %H:%M}" if value else ""


def local_when(value: object, settings: Settings) -> str:
    """A stored (UTC) time as the planner reads it, in local time; "" for none."""
    if not isinstance(value, datetime):  # some service results type their times `object`
        return ""
    from amsplan import clock

    return when(clock.to_local(value, settings.tz))

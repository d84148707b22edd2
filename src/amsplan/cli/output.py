"""Printing: one console, status labels in their colours, JSON for scripts."""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from datetime import date, datetime, time, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from amsplan.cli.state import State
from amsplan.config import Settings
from amsplan.i18n import N_, _, pgettext

if TYPE_CHECKING:
    from amsplan.services.context import Context

# markup=False: customer data such as "Kari [dødsbo]" prints as written; styling is
# always explicit, with Text and styled().
console = Console(highlight=False, markup=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)


def confirm(question: str) -> None:
    """Ask before a change, in the planner's language ("[j/N]", "[y/N]"); no (or just
    Enter) stops the command with exit code 1 and nothing changed."""
    yes = pgettext("answer", "y")
    try:
        answer = typer.prompt(f"{question} [{yes}/N]", default="", show_default=False)
    except typer.Abort:  # no input at all (end of file, Ctrl-D)
        answer = ""
    if answer.strip().casefold() not in {yes, pgettext("answer", "yes"), "y", "yes"}:
        err_console.print(_("Stopped; nothing was changed."))
        raise typer.Exit(1)


def styled(text: str, style: str) -> Text:
    return Text(text, style=style)


def context(ctx: typer.Context) -> Context:
    global _zone
    found = ctx.ensure_object(State).context()
    _zone = found.settings.tz  # JSON times are written in the configured zone
    return found


def status_text(status: str, settings: Settings) -> Text:
    return Text(settings.label(status), style=f"bold {settings.colour(status)}")


def table(*columns: str, title: str | None = None) -> Table:
    """A table with translated column headers (`_("order")`, ...)."""
    t = Table(title=title, header_style="bold", title_justify="left")
    identifiers = {"#", *(_(c) for c in _IDENTIFIERS)}
    for column in columns:
        # Identifiers are never cut: a planner copies them into the next command.
        t.add_column(column, no_wrap=column in identifiers)
    return t


_IDENTIFIERS = (
    N_("order"), N_("file"), N_("file:line"), N_("id"), N_("to"), N_("time"),
    N_("appointment"), N_("received"),
)  # fmt: skip


_zone: tzinfo | None = None  # the configured zone, set by context()


def json_time(value: datetime) -> str:
    """A time as every command's JSON writes it (docs/json.md): ISO 8601 in the configured
    zone with its offset, "2026-12-14T09:00:00+01:00". A time without a zone is local."""
    zone = _zone or ZoneInfo(Settings.timezone)
    if value.tzinfo is None:
        return value.replace(tzinfo=zone).isoformat()
    return value.astimezone(zone).isoformat()


def json_code(code: str | None) -> str | None:
    """A booking code as printed on the letter and typed by the customer: "ACDE-7FHA"."""
    from amsplan.domain.codes import format_code

    return format_code(code) if code else code


def _default(value: Any):
    if isinstance(value, datetime):
        return json_time(value)
    if isinstance(value, date | time):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def print_json(data: Any) -> None:
    """JSON for scripts (docs/json.md): objects with named fields, times by json_time,
    codes by json_code; keys stay English in every language."""
    typer.echo(json.dumps(data, default=_default, ensure_ascii=False, indent=2))


def when(value: datetime | None) -> str:
    return f"{value:%d.%m.%Y %H:%M}" if value else ""


def local_when(value: object, settings: Settings) -> str:
    """A stored (UTC) time as the planner reads it, in local time; "" for none."""
    if not isinstance(value, datetime):  # some service results type their times `object`
        return ""
    from amsplan import clock

    return when(clock.to_local(value, settings.tz))

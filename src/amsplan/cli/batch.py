"""What commands over many orders share: which orders, asking first, printing the result.

- `selection` / `chosen`: order numbers from the arguments or --filter;
- `orders_or_day`: order numbers, or a technician's (or everybody's) day;
- `ask_first`: the count and the confirmation prompt, skipped by --yes and --dry-run;
- `print_batch`: moved and refused orders of a batch, exit code 1 when any was refused;
- `set_clock`: --now; `allowed`: --allow-weekend, --allow-holiday.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import typer

from amsplan.cli.output import confirm, console, context, print_json, styled, table
from amsplan.errors import InputError
from amsplan.i18n import _


def selection(
    ctx: typer.Context, orders: list[str] | None, filter_name: str | None, sort: str = "order"
) -> list[str] | None:
    """Order numbers from the arguments or a saved filter; None when neither is given."""
    from amsplan.services.search import resolve_selection

    return resolve_selection(context(ctx), orders, filter_name, sort)


def chosen(ctx: typer.Context, orders: list[str] | None, filter_name: str | None) -> list[str]:
    """Order numbers from the arguments or a saved filter; one of them is required."""
    found = selection(ctx, orders, filter_name)
    if not found:
        raise InputError(_("name orders, or --filter"))
    return found


def orders_or_day(
    ctx: typer.Context,
    orders: list[str] | None,
    filter_name: str | None,
    tech: str | None,
    day: str | None,
    *,
    day_required: bool = False,
) -> tuple[list[str] | None, date | None]:
    """Orders (arguments or --filter), or --tech/--date: not both. Without either, the
    service takes every order it may (letters, SMS), unless `day_required` (lock: a day,
    of one technician or of everybody). (orders or None, the parsed --date.)"""
    from amsplan import clock

    found = selection(ctx, orders, filter_name)
    if found and (tech or day):
        raise InputError(
            _("name orders (or --filter), or --tech and --date, not both")
            if day_required
            else _("name orders, or filter with --tech/--date, not both")
        )
    if day_required and not found and not day:
        raise InputError(_("name orders, --filter, or --date (and --tech)"))
    return found, clock.parse_date(day, "--date") if day else None


def allowed(weekend: bool, holiday: bool) -> Any:
    """--allow-weekend and --allow-holiday for the planning services."""
    from amsplan.services.planning import Allow

    return Allow(weekend=weekend, holiday=holiday)


def ask_first(question: str, dry_run: bool = False, yes: bool = False) -> None:
    """Ask before a change to many orders (not for --dry-run or --yes); abort on no."""
    if not dry_run and not yes:
        confirm(question)


def print_batch(
    result: Any,
    moved_label: str,
    as_json: bool,
    detail: Callable[[Any], Any] = lambda d: d,
    *,
    moved: list[tuple[str, Any]] | None = None,
    header: str | None = None,
    to_json: Callable[[Any], Any] | None = None,
) -> None:
    """The moved (`result.moved`, or `moved`) and refused orders of a batch; exit code 1
    when any was refused. `moved_label` and `header` are in the planner's language;
    `to_json` makes the JSON document (docs/json.md; without it, the result as it is)."""
    rows = result.moved if moved is None else moved
    if as_json:
        print_json(result if to_json is None else to_json(result))
    else:
        out = table(_("order"), _("result"), header or _("detail"))
        refused = _("refused")
        for order_no, info in rows:
            out.add_row(order_no, styled(moved_label, "green"), detail(info))
        for order_no, reason in result.refused:
            out.add_row(order_no, styled(refused, "red"), reason)
        console.print(out)
        console.print(
            _("{n} {done}, {refused} refused").format(
                n=len(rows), done=moved_label, refused=len(result.refused)
            )
        )
    if result.refused:
        raise typer.Exit(1)


def refused_json(refused: list[tuple[str, str]]) -> list[dict[str, str]]:
    """The refused orders of a batch for --json: `{"order_no": ..., "reason": ...}`."""
    return [{"order_no": order_no, "reason": reason} for order_no, reason in refused]


def set_clock(c: Any, now: str | None) -> None:
    """--now: run as if it were this (local) time; for tests, replays and catching up."""
    if not now:
        return
    from amsplan import clock

    moment = clock.parse_moment(now, c.settings.tz, "--now")
    c.now = lambda: moment

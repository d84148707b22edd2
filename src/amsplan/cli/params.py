"""The command-line parameters many commands share, and enumerated options as choices.

Only typer and the domain's enums are imported here: every command module imports this
one, and `amsplan --help` must stay fast.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, Any

import typer

from amsplan.domain import reports as report_rules
from amsplan.domain import search as search_rules
from amsplan.domain.followups import FollowupKind
from amsplan.domain.states import SmsState
from amsplan.errors import InputError

Orders = Annotated[list[str] | None, typer.Argument(help="Order numbers.", show_default=False)]
OrderList = Annotated[
    list[str] | None, typer.Argument(help="Order numbers (or --filter).", show_default=False)
]
Tech = Annotated[str | None, typer.Option("--tech", help="Technician id.")]
Day = Annotated[str | None, typer.Option("--date", help="Day: 2026-04-22 or 22.04.2026.")]
Filter = Annotated[
    str | None,
    typer.Option("--filter", help="The orders of a saved filter (amsplan filters list)."),
]
Stage = Annotated[
    str | None, typer.Option("--stage", help='Stage, as in the customer system (e.g. "Etappe 1").')
]
Municipality = Annotated[
    str | None, typer.Option("--municipality", help="Municipality number (4 digits, e.g. 3403).")
]
Postcode = Annotated[str | None, typer.Option("--postcode", help="Postcode (4 digits, e.g. 2317).")]
Comment = Annotated[str, typer.Option("--comment", help="Why (kept in the history).")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Show; change nothing.")]
CountOnly = Annotated[bool, typer.Option("--dry-run", help="Only count.")]
Yes = Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")]
Json = Annotated[
    bool, typer.Option("--json", help="Print JSON for scripts instead (docs/json.md).")
]
Now = Annotated[
    str | None, typer.Option("--now", help="Pretend it is this time (ISO, local time).")
]
AllowWeekend = Annotated[
    bool,
    typer.Option("--allow-weekend", help="Plan on a day outside the technician's working days."),
]
AllowHoliday = Annotated[bool, typer.Option("--allow-holiday", help="Plan on a public holiday.")]

# The work lists (replies, returns, upstream): ids from their id column.
HandleComment = Annotated[str, typer.Option("--comment", help="What was done (required).")]
HandleAll = Annotated[
    bool, typer.Option("--all", help="Every item in the list now (asks first; --yes).")
]
RetryAll = Annotated[bool, typer.Option("--all", help="Every message in the list.")]


def choice(
    option: str,
    values: Iterable[str],
    help: str,
    *,
    use: str | None = None,
    normalise: Callable[[str], str] = lambda v: v,
    convert: Callable[[str], Any] = lambda v: v,
) -> Any:
    """An option whose values --help lists and the parser checks.

    --help shows them as the option's type (`a|b|c`), or, where that is long, in the
    help text, at `{choices}`.

    A value not among them is the error it always was: `Error: --by 'x': use reason, tech
    or week`, exit code 5 (a bad argument), not Click's usage error (exit code 2), so
    scripts see the exit codes the README documents. `use` words the list in the
    message (default: "one of a, b, c"); `normalise` is applied before the check (e.g.
    case), `convert` after it (e.g. to an enum).
    """
    allowed = tuple(values)
    listed = ", ".join(allowed)
    hint = use or f"one of {listed}"
    metavar = "|".join(allowed)

    def check(value: str | None) -> Any:
        if value is None:
            return None
        value = normalise(value)
        if value not in allowed:
            raise InputError(f"{option} {value!r}: use {hint}")
        return convert(value)

    return typer.Option(
        option,
        help=help.format(choices=listed),
        metavar=None if "{choices}" in help else metavar,
        callback=check,
        autocompletion=lambda: list(allowed),
    )


# The enumerated options: the domain's own lists (the services check them again, they are
# called from elsewhere too). The export formats are written out here so that start-up
# does not import the writers; tests/cli/test_params_cli.py keeps them equal.
SORTS = search_rules.SORTS
PERIODS = report_rules.PERIODS
FAILED_VISITS_BY = report_rules.FAILED_BY
FORMATS = ("csv", "json", "xlsx")

Sort = Annotated[str, choice("--sort", SORTS, "Sort by: {choices} (postcode: the visiting order).")]
# Typed str for typer (an enum there would be its own choice, exit code 2); the value
# is the enum member.
Reason = Annotated[
    str | None,
    choice(
        "--reason",
        FollowupKind,
        "Only orders with this reason among their open ones: {choices}.",
        convert=FollowupKind,
    ),
]
Period = Annotated[
    str, choice("--by", PERIODS, "Group by day, week (ISO) or month.", use="day, week or month")
]
FailedVisitsBy = Annotated[
    str,
    choice("--by", FAILED_VISITS_BY, "Group by reason, tech or week.", use="reason, tech or week"),
]
Format = Annotated[
    str | None,
    choice(
        "--format",
        FORMATS,
        "File format: csv, json or xlsx (default: by the suffix).",
        use="csv, json or xlsx",
        normalise=lambda v: v.strip().lower(),
    ),
]
SmsStatus = Annotated[
    str | None,
    choice(
        "--status",
        SmsState,
        "Only SMS in this state: queued, exported, sending, sent, failed, unknown or withdrawn.",
        convert=SmsState,
    ),
]

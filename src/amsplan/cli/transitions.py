"""The commands that move orders through one transition of the workflow, from one table.

`followup send-to-execution|confirm|manual|hold|resume`, `orders reopen|replan|close|
to-manual|uncancel`, `unassign`, `unlock`: each is a row of COMMANDS (its group, name,
transition, help with example, extra options); `add(app, group)` registers a group's
rows. Every one takes order numbers or --filter and a --comment, applies the transition
to each order on its own and prints moved and refused (exit code 1 when any was
refused). Rows with `asks` also take --dry-run, --yes and --json and ask first.
`amsplan transition NAME` is the general form (any transition a planner may start).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from amsplan.cli.batch import ask_first, chosen, print_batch, refused_json, selection
from amsplan.cli.output import context
from amsplan.cli.params import Comment, DryRun, Filter, Json, OrderList, Yes
from amsplan.domain.transitions import TABLE
from amsplan.errors import InputError
from amsplan.i18n import N_, _

if TYPE_CHECKING:
    from amsplan.config import Settings
    from amsplan.services.context import Context
    from amsplan.store.models import Order

Params = dict[str, Any]


@dataclass(frozen=True)
class Extra:
    """An option of one command, and what its value adds to the transition's parameters."""

    name: str
    annotation: Any
    to_params: Callable[[typer.Context, Any], Params]
    default: Any = inspect.Parameter.empty  # empty: required


@dataclass(frozen=True)
class Asks:
    """--dry-run, --yes and --json; the question before the change (a message formatted
    with n and transition, the transition's label)."""

    question: str
    would: str  # the result label of a dry run (a message)


@dataclass(frozen=True)
class TransitionCommand:
    group: str  # "followup", "orders", or "" for a top-level command
    name: str
    transition: str | Callable[[Order], str]  # a name, or one chosen per order
    help: str
    extras: tuple[Extra, ...] = ()
    comment: Any = Comment
    comment_default: Any = ""
    note: Callable[[Params], str] | None = None  # the comment when none is given
    asks: Asks | None = None
    done: str = N_("moved")  # the result label (a message)
    # a use case other than a transition (uncancel); it gets (context, orders, comment,
    # dry_run, params)
    run: Callable[[Context, list[str], str, bool, Params], Any] | None = None


def resolution_code(settings: Settings, text: str) -> str:
    """The configured resolution code a planner means (--resolution)."""
    code = settings.resolution_code(text)
    if code is None:
        known = ", ".join(settings.resolution_codes)
        raise InputError(
            _("--resolution {text!r} is not a resolution code ({known})").format(
                text=text, known=known
            )
        )
    return code


def _until(option_help: str) -> Extra:
    from amsplan import clock

    return Extra(
        "until",
        Annotated[str, typer.Option("--until", help=option_help)],
        lambda _, v: {"until": clock.parse_date(v, "--until")},
    )


def _resolution(option_help: str) -> Extra:
    return Extra(
        "resolution",
        Annotated[str, typer.Option("--resolution", help=option_help)],
        lambda ctx, v: {"resolution": resolution_code(context(ctx).settings, v)},
    )


def _unassign_or_held(order: Order) -> str:
    from amsplan.domain.transitions import unassign_transition

    return unassign_transition(order.status)


def _uncancel(c: Context, orders: list[str], comment: str, dry_run: bool, params: Params) -> Any:
    from amsplan.services.field import uncancel

    return uncancel(c, orders, comment)


def _hold_note(params: Params) -> str:
    day: date = params["until"]
    return f"På vent til ca. {day:%d.%m.%Y}"


COMMANDS: tuple[TransitionCommand, ...] = (
    TransitionCommand(
        "followup", "send-to-execution", "send_to_execution",
        """The time is agreed with the customer (e.g. by phone, or "Ok!!"): ready for execution.

    Example: amsplan followup send-to-execution AMS-2026-000123 --comment "Ringt, passer fint"
    """,
    ),
    TransitionCommand(
        "followup", "confirm", "confirm_sms",
        """Ready for execution, and a booking confirmation SMS to the customer.

    Example: amsplan followup confirm AMS-2026-000123
    """,
    ),
    TransitionCommand(
        "followup", "manual", "follow_up_manually",
        """Stop waiting for a reply: the orders go to manual follow-up.

    Example: amsplan followup manual AMS-2026-000123 --comment "Ringer kunden selv"
    """,
    ),
    TransitionCommand(
        "followup", "hold", "hold",
        """Put orders on hold until about a date (unsent reminders are withdrawn).

    Example: amsplan followup hold AMS-2026-000123 --until 2026-06-01 --unassign
    """,
        extras=(
            _until("Approximate date the customer is back."),
            Extra(
                "unassign",
                Annotated[
                    bool, typer.Option("--unassign", help="Take the order off the technician.")
                ],
                lambda _, v: {"unassign": v},
                False,
            ),
        ),
        note=_hold_note,
    ),
    TransitionCommand(
        "followup", "resume", "resume",
        """Take orders off hold: back to planning.

    Example: amsplan followup resume AMS-2026-000123
    """,
    ),
    TransitionCommand(
        "orders", "reopen", "reopen",
        """Reopen failed visits ("Re-åpne sak") to try again; then replan them.

    Example: amsplan orders reopen AMS-2026-000123 --comment "Kunden er hjemme neste uke"
    """,
    ),
    TransitionCommand(
        "orders", "replan", "replan",
        """Move reopened (or followed-up) orders back to planning for a new time and letter.

    The slot of a failed visit (in the past) or of a cancelled order is freed: the order
    is planned anew with `amsplan assign`. A future slot of an order still wanted stays.

    Example: amsplan orders replan AMS-2026-000123
    """,
    ),
    TransitionCommand(
        "orders", "close", "close",
        """Close orders ("Lukk sak") with a resolution code, by a planner's decision.

    Example: amsplan orders close AMS-2026-000123 --resolution Kansellert --comment "Anlegg revet"
    """,
        extras=(_resolution("Resolution code, e.g. Kansellert."),),
    ),
    TransitionCommand(
        "orders", "to-manual", "to_manual",
        """Move orders rejected by the meter-data system to manual follow-up.

    Example: amsplan orders to-manual AMS-2026-000123 --comment "Feil målernummer, sjekkes"
    """,
    ),
    TransitionCommand(
        "orders", "uncancel", "uncancel",
        """Lift a cancellation from the customer system, so the order may be booked again.

    Example: amsplan orders uncancel AMS-2026-000123 --comment "Kansellert ved en feil"
    """,
        comment=Annotated[
            str, typer.Option("--comment", help="Why the cancellation is lifted (required).")
        ],
        comment_default=inspect.Parameter.empty,
        done=N_("un-cancelled"),
        run=_uncancel,
    ),
    TransitionCommand(
        "", "unassign", _unassign_or_held,
        """Take orders off their technician: the slot is free, the booking code retired, a
    letter or queued SMS withdrawn; the order is open again. A held order stays on hold
    and only loses its slot.

    Example: amsplan unassign AMS-2026-000138 --comment "Kunden flytter"
    """,
        asks=Asks(N_("Unassign {n} orders?"), N_("would be unassigned")),
        done=N_("unassigned"),
    ),
    TransitionCommand(
        "", "unlock", "unlock",
        """Back to planning: the booking code is retired, a letter or queued SMS withdrawn;
    the order keeps its technician and time, ready to be changed and locked again.

    Example: amsplan unlock AMS-2026-000138 AMS-2026-000139 --comment "Ny tid"
    """,
        asks=Asks(N_("Unlock {n} orders?"), N_("would be unlocked")),
        done=N_("unlocked"),
    ),
)  # fmt: skip


def run(
    ctx: typer.Context,
    spec: TransitionCommand,
    orders: list[str] | None,
    filter_name: str | None,
    comment: str,
    params: Params,
    dry_run: bool = False,
    yes: bool = False,
    as_json: bool = False,
) -> None:
    """Apply the command's transition to each order and print moved and refused."""
    from amsplan.services.booking import transition_orders

    c = context(ctx)
    if spec.asks:
        picked = chosen(ctx, orders, filter_name)
        name = _transition_label(spec.transition)
        question = _(spec.asks.question)
        ask_first(
            question.format(n=len(picked), transition=name, name=spec.transition), dry_run, yes
        )
    else:
        picked = selection(ctx, orders, filter_name) or []
    if spec.run is not None:
        result = spec.run(c, picked, comment, dry_run, params)
    else:
        result = transition_orders(c, picked, spec.transition, comment, dry_run=dry_run, **params)
    label = _(spec.asks.would if spec.asks and dry_run else spec.done)
    statuses = {status for _order, status in result.moved}
    labels = {status: c.settings.label(status) for status in statuses}  # one per status

    def to_json(result: Any) -> dict[str, Any]:
        """docs/json.md, `amsplan transition`: each moved order with its (new) status."""
        moved = [{"order_no": order_no, "status": str(status), "status_label": labels[status]}
                 for order_no, status in result.moved]  # fmt: skip
        return {"moved": moved, "refused": refused_json(result.refused)}

    print_batch(result, label, as_json, labels.get, header=_("status"), to_json=to_json)


def _transition_label(transition: str | Callable[[Order], str]) -> str:
    """The label of a command's transition, for its question ("" for one chosen per order)."""
    from amsplan.domain.transitions import TRANSITIONS

    return TRANSITIONS[transition].label if isinstance(transition, str) else ""


def command(spec: TransitionCommand) -> Callable[..., None]:
    """The Typer command of one row: its options are the row's, in the usual order."""
    P = inspect.Parameter
    parameters = [
        P("ctx", P.POSITIONAL_OR_KEYWORD, annotation=typer.Context),
        P("orders", P.KEYWORD_ONLY, annotation=OrderList, default=None),
        *(P(e.name, P.KEYWORD_ONLY, annotation=e.annotation, default=e.default)
          for e in spec.extras),
        P("comment", P.KEYWORD_ONLY, annotation=spec.comment, default=spec.comment_default),
        P("filter_name", P.KEYWORD_ONLY, annotation=Filter, default=None),
    ]  # fmt: skip
    if spec.asks:
        parameters += [
            P("dry_run", P.KEYWORD_ONLY, annotation=DryRun, default=False),
            P("yes", P.KEYWORD_ONLY, annotation=Yes, default=False),
            P("as_json", P.KEYWORD_ONLY, annotation=Json, default=False),
        ]

    def handler(ctx: typer.Context, **values: Any) -> None:
        params: Params = {}
        for extra in spec.extras:
            params.update(extra.to_params(ctx, values[extra.name]))
        comment = values["comment"] or (spec.note(params) if spec.note else "")
        flags = [values.get(name, False) for name in ("dry_run", "yes", "as_json")]
        run(ctx, spec, values["orders"], values["filter_name"], comment, params, *flags)

    # typer reads the options from the signature (inspect honours __signature__, which
    # mypy does not know on a function)
    handler.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    handler.__annotations__ = {p.name: p.annotation for p in parameters}
    handler.__name__ = spec.name.replace("-", "_")
    handler.__doc__ = inspect.cleandoc(spec.help)
    return handler


def add(app: typer.Typer, group: str, *names: str) -> None:
    """Register the rows of a group (or only the named ones) on its Typer app."""
    for spec in COMMANDS:
        if spec.group == group and (not names or spec.name in names):
            app.command(spec.name)(command(spec))


# Transitions with their own command, or that follow from another (not started here).
OWN_COMMAND = {"print": "letters generate", "booking_sent": "sms book", "lock": "lock"}
FOLLOWS = ("change_sms", "change_letter")
_NAME_HELP = "Transition, by its name (amsplan workflow show): " + ", ".join(
    t.name for t in TABLE if t.name not in OWN_COMMAND and t.name not in FOLLOWS
)


def transition(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help=_NAME_HELP, show_default=False)],
    orders: OrderList = None,
    filter_name: Filter = None,
    comment: Comment = "",
    resolution: Annotated[
        str | None,
        typer.Option("--resolution", help="Resolution code, for resolve and close."),
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Approximate return date, for hold.")
    ] = None,
    dry_run: DryRun = False,
    yes: Yes = False,
    as_json: Json = False,
) -> None:
    """Move many orders through one transition of the workflow ("masseoppdatering").

    Shows how many orders it will touch and asks first (--yes for scripts). Each order
    is checked on its own; a refused order never blocks the others, and the exit code
    is 1 when any was refused.

    Example: amsplan transition follow_up_manually --filter "Venter på svar" --dry-run
    """
    from amsplan import clock
    from amsplan.domain.transitions import TRANSITIONS

    if name not in TRANSITIONS:
        raise InputError(
            _("no transition {name!r}: use one of {names}").format(
                name=name, names=", ".join(TRANSITIONS)
            )
        )
    label = TRANSITIONS[name].label
    if name in FOLLOWS:
        raise InputError(
            _("{transition} ({name}) follows a change of a booked time: "
              "amsplan followup reschedule or move").format(transition=label, name=name)
        )  # fmt: skip
    if name in OWN_COMMAND:
        own = OWN_COMMAND[name]
        raise InputError(
            _("{transition} ({name}) has its own command: amsplan {command} "
              "(it also takes --filter)").format(transition=label, name=name, command=own)
        )  # fmt: skip
    spec = TransitionCommand("", "transition", name, "", asks=Asks(
        N_('Apply "{transition}" ({name}) to {n} orders?'), N_("would move")))  # fmt: skip
    c = context(ctx)
    picked = chosen(ctx, orders, filter_name)
    params: Params = {}
    if resolution:
        params["resolution"] = resolution_code(c.settings, resolution)
    if until:
        params["until"] = clock.parse_date(until, "--until")
    run(ctx, spec, picked, None, comment, params, dry_run, yes, as_json)

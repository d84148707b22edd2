"""The amsplan command line. Errors become one line and an exit code here, and only here."""

from __future__ import annotations

import sys
from typing import Annotated, Any, NoReturn

import typer
from typer import _click  # typer vendors click: the base of typer.Context
from typer.core import TyperArgument, TyperGroup, TyperOption

from amsplan import __version__, i18n
from amsplan.cli.state import State
from amsplan.errors import AmsplanError, PermissionDenied
from amsplan.i18n import _

_WORDS = "amsplan.words"
_type_shown = TyperOption.display_type_rich


def _value_shown(self: TyperOption, ctx: _click.Context) -> str | None:
    """What help shows after an option: nothing for a flag (`--debug`, not `--debug
    <bool>`), the choices of a choice, its metavar, else its name (`--date DATE`, not
    `--date <str>`; typer 0.2x shows the Python type of every option)."""
    if self.is_flag:
        return None
    if self.metavar is not None or self.type_descriptor.is_choice:
        return _type_shown(self, ctx)
    return (self.name or "value").upper() + ("..." if self.multiple else "")


TyperOption.display_type_rich = _value_shown  # type: ignore[method-assign]
TyperArgument.display_type_rich = lambda self, ctx: None  # type: ignore[method-assign]


class AmsplanGroup(TyperGroup):
    """Turns AmsplanError (and database trouble) into `Error: ...` and its exit code."""

    def invoke(self, ctx: _click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AmsplanError as err:
            _report(ctx, err, str(err), getattr(err, "problems", []), err.exit_code)
        except Exception as err:  # noqa: BLE001 - the one place unexpected errors are shown
            if "sqlalchemy" not in sys.modules:  # not a database error (e.g. help's Exit)
                raise
            from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
            from sqlalchemy.orm.exc import StaleDataError

            if isinstance(err, DBAPIError) and getattr(err.orig, "sqlstate", "") == "42501":
                denied = self._denied(ctx)  # PostgreSQL: permission denied
                _report(ctx, err, str(denied), [], denied.exit_code)
            if isinstance(err, StaleDataError | IntegrityError):
                _report(ctx, err, _("another process changed the same orders; run again"), [], 7)
            if isinstance(err, OperationalError):
                _report(ctx, err, _("database error: {error}").format(error=err.orig), [], 7)
            raise

    def list_commands(self, ctx: _click.Context) -> list[str]:  # in the order they were added
        return list(self.commands)

    def resolve_command(self, ctx: _click.Context, args: list[str]) -> Any:
        ctx.meta[_WORDS] = list(args)  # the command and its arguments, for _denied
        return super().resolve_command(ctx, args)

    def _denied(self, ctx: _click.Context) -> PermissionDenied:
        """What the command needs and the login's roles, as one line (services.access)."""
        from amsplan.services.access import denied

        words: list[str] = ctx.meta.get(_WORDS, [])
        path: list[str] = []
        command: Any = self
        while len(path) < len(words) and hasattr(command, "get_command"):  # a group
            command = command.get_command(ctx, words[len(path)])
            if command is None:
                break
            path.append(words[len(path)])
        state = ctx.ensure_object(State)
        return denied(state.context(), " ".join(path), words[len(path) :])


def _report(
    ctx: _click.Context, err: Exception, message: str, problems: list[str], code: int
) -> NoReturn:
    from amsplan.cli.output import err_console

    state = ctx.find_object(State)
    if state is not None and state.debug:
        raise err
    from rich.text import Text

    err_console.print(Text.assemble((_("Error:"), "bold red"), " ", message))
    for problem in problems[:200]:
        err_console.print(Text(f"  {problem}"))
    if len(problems) > 200:
        err_console.print(Text("  " + _("... and {n} more").format(n=len(problems) - 200)))
    raise typer.Exit(code)


app = typer.Typer(
    cls=AmsplanGroup,
    help="Plan a smart-meter roll-out: lock days, letters, replies, reminders, follow-up.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    rich_markup_mode="rich",
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        print(f"amsplan {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    config: Annotated[
        str | None,
        typer.Option("--config", help="Configuration file (else AMSPLAN_CONFIG, ./amsplan.toml)."),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option("--user", help="Who is acting (else AMSPLAN_USER, the login name)."),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """amsplan: plan a smart-meter roll-out from the terminal and from cron."""
    i18n.use(i18n.chosen())  # AMSPLAN_LANGUAGE or Norwegian until the settings are read
    ctx.obj = State(config=config, user=user, debug=debug)
    ctx.call_on_close(ctx.obj.close)


def _register() -> None:
    """Every command group, in the order `amsplan --help` lists them."""
    from amsplan.cli import (
        email,
        exports,
        followup,
        letters,
        notify,
        orders,
        planning,
        privacy,
        reminders,
        replies,
        reports,
        returns,
        routes,
        serve,
        setup,
        sms,
        status,
        techs,
        upstream,
        views,
        workflow,
    )

    for module in (
        setup, orders, techs, planning, routes, letters, email, replies, sms, reminders, notify,
        followup,
        returns, upstream, exports, reports, privacy, views, status, workflow, serve,
    ):  # fmt: skip
        module.register(app)


_register()


def main() -> None:
    app(prog_name="amsplan")


if __name__ == "__main__":  # pragma: no cover
    main()

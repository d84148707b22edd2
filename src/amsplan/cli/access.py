"""amsplan db roles | grant: PostgreSQL group roles and personal logins (issue 18)."""

from __future__ import annotations

from typing import Annotated

import typer

from amsplan.cli.output import console, context
from amsplan.i18n import _


def roles(
    ctx: typer.Context,
    apply: Annotated[
        bool, typer.Option("--apply", help="Run it (as the owner of amsplan's tables).")
    ] = False,
) -> None:
    """Print the SQL that makes the group roles planner, viewer and cron (PostgreSQL).

    Each role gets exactly its rights on every table and sequence of amsplan's schema
    (docs/team.md); running it again changes nothing, and `db upgrade` renews the rights
    for a new version's tables. --apply runs it: as the owner, allowed to create roles.
    The names come from \\[database] roles (default amsplan: amsplan_planner, ...).

    Example: amsplan db roles --apply
             amsplan db roles > roles.sql && psql -f roles.sql amsplan
    """
    from amsplan.services.access import roles as make

    done = make(context(ctx), apply=apply)
    if not apply:
        typer.echo(f"-- amsplan's group roles {', '.join(done.groups)}: run as the owner")
        typer.echo("\n".join(f"{statement};" for statement in done.statements))
        return
    console.print(
        _(
            "Roles {roles}: rights on {tables} tables and {sequences} sequences"
            " ({statements} statements)"
        ).format(
            roles=", ".join(done.groups),
            tables=done.tables,
            sequences=done.sequences,
            statements=len(done.statements),
        )  # fmt: skip
    )
    console.print(_("Next: {command}").format(command="amsplan db grant LOGIN planner|viewer|cron"))


def grant(
    ctx: typer.Context,
    login: Annotated[str, typer.Argument(help="The person's login (created when missing).")],
    role: Annotated[str, typer.Argument(help="The role: planner, viewer or cron.")],
    revoke: Annotated[
        bool, typer.Option("--revoke", help="Take the role back (the login stays).")
    ] = False,
) -> None:
    """Give a personal login one of amsplan's roles (PostgreSQL), or take it back.

    A missing login is created without a password: it signs in by peer authentication
    (the same name on the database server), ~/.pgpass or PGPASSWORD (docs/team.md).

    Example: amsplan db grant kari planner
             amsplan db grant vera viewer
             amsplan db grant kari planner --revoke
    """
    from amsplan.services.access import grant as give

    done = give(context(ctx), login, role, revoke)
    if revoke:
        said = (
            _("{login}: no longer in {group}") if done.changed else _("{login}: was not in {group}")
        )
    elif done.created:
        said = _("{login} (login created, no password): now in {group}")
    else:
        said = _("{login}: now in {group}") if done.changed else _("{login}: already in {group}")
    console.print(said.format(login=done.login, group=done.group))


def register(db_app: typer.Typer) -> None:
    """Add `db roles` and `db grant` to the `db` group."""
    db_app.command("roles")(roles)
    db_app.command("grant")(grant)

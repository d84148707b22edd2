"""amsplan init, amsplan db upgrade|version."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from amsplan.cli.output import console, context
from amsplan.i18n import _

db_app = typer.Typer(help="The database schema.", no_args_is_help=True)


def init(
    ctx: typer.Context,
    folder: Annotated[
        Path | None,
        typer.Option("--folder", help="Where to write amsplan.toml (default: here)."),
    ] = None,
    company: Annotated[
        str, typer.Option("--company", help="Company name for letters.")
    ] = "Nettselskapet AS",
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite an existing amsplan.toml.")
    ] = False,
) -> None:
    """Write a commented amsplan.toml (unless there is one) and create the database.

    The file goes to --config, else AMSPLAN_CONFIG, else --folder, else the current folder.

    Example: amsplan init --company "Hedmark Nett AS"
    """
    from amsplan.cli.state import State
    from amsplan.services.setup import init as initialise

    done = initialise(ctx.ensure_object(State).config, folder, company, force)
    kept = _(" (kept the existing file; --force writes a new one)") if done.kept else ""
    console.print(_("Configuration: {file}").format(file=done.config) + kept, markup=False)
    before = done.before or _("new")
    console.print(
        _("Database: {url} (schema {before} → {after})").format(
            url=done.database, before=before, after=done.after
        ),
        markup=False,
    )
    console.print(_("Letters folder: {folder}").format(folder=done.letters), markup=False)


@db_app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Create or upgrade the database schema to this version of amsplan.

    Example: amsplan db upgrade
    """
    from amsplan.services.setup import upgrade_database

    before, after = upgrade_database(context(ctx).settings)
    console.print(_("Schema {before} → {after}").format(before=before or _("new"), after=after))


@db_app.command("version")
def version(ctx: typer.Context) -> None:
    """Show the schema version of the database and the one this amsplan needs.

    Example: amsplan db version
    """
    from amsplan.services.setup import schema_versions

    current, needed = schema_versions(context(ctx))
    console.print(
        _("database: {current}, needed: {needed}").format(
            current=current or _("none"), needed=needed
        )
    )


@db_app.command("backup")
def backup(
    ctx: typer.Context, file: Annotated[Path, typer.Argument(help="New file to write.")]
) -> None:
    """Copy the live SQLite database consistently (others may keep working meanwhile).

    For a PostgreSQL database, use pg_dump.

    Example: amsplan db backup backup/amsplan-2026-04-22.db
    """
    from amsplan.services.setup import backup as backup_database

    size = backup_database(context(ctx).settings, file)
    console.print(f"{file}: {size / 1e6:.1f} MB")


def register(app: typer.Typer) -> None:
    from amsplan.cli import access, audit, doctor

    app.command("init")(init)
    access.register(db_app)
    audit.register(db_app)
    app.add_typer(db_app, name="db")
    doctor.register(app)

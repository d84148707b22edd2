"""amsplan init, amsplan db upgrade|version."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from amsplan.cli.output import console

db_app = typer.Typer(help="The database schema.", no_args_is_help=True)


def init(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Option("--folder", help="Where to write amsplan.toml.")] = Path(
        "."
    ),
    company: Annotated[
        str, typer.Option("--company", help="Company name for letters.")
    ] = "Nettselskapet AS",
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite an existing amsplan.toml.")
    ] = False,
):
    """Write a commented amsplan.toml (unless there is one) and create the database.

    Example: amsplan init --company "Hedmark Nett AS"
    """
    from amsplan.cli.state import State
    from amsplan.config import CONFIG_NAME, load_settings
    from amsplan.services.setup import upgrade_database, write_config

    state = ctx.ensure_object(State)
    path = Path(state.config) if state.config else folder / CONFIG_NAME
    write_config(path, company, force)
    settings = load_settings(path)
    before, after = upgrade_database(settings)
    settings.letters_dir.mkdir(parents=True, exist_ok=True)
    console.print(f"Configuration: {path}")
    from amsplan.db import display_url

    console.print(
        f"Database: {display_url(settings.database_url)} (schema {before or 'new'} → {after})"
    )
    console.print(f"Letters folder: {settings.letters_dir}")


@db_app.command("upgrade")
def upgrade(ctx: typer.Context):
    """Create or upgrade the database schema to this version of amsplan.

    Example: amsplan db upgrade
    """
    from amsplan.cli.output import context
    from amsplan.services.setup import upgrade_database

    before, after = upgrade_database(context(ctx).settings)
    console.print(f"Schema {before or 'new'} → {after}")


@db_app.command("version")
def version(ctx: typer.Context):
    """Show the schema version of the database and the one this amsplan needs.

    Example: amsplan db version
    """
    from amsplan import db
    from amsplan.cli.output import context

    c = context(ctx)
    console.print(f"database: {db.schema_version(c.engine) or 'none'}, needed: {db.SCHEMA_HEAD}")


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.add_typer(db_app, name="db")

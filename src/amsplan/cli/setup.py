"""amsplan init, amsplan db upgrade|version."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from amsplan.cli.output import console

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
):
    """Write a commented amsplan.toml (unless there is one) and create the database.

    The file goes to --config, else AMSPLAN_CONFIG, else --folder, else the current folder.

    Example: amsplan init --company "Hedmark Nett AS"
    """
    import os

    from amsplan.cli.state import State
    from amsplan.config import CONFIG_NAME, load_settings
    from amsplan.errors import ConfigError
    from amsplan.services.setup import upgrade_database, write_config
    from amsplan.store.db import display_url

    state = ctx.ensure_object(State)
    named = state.config or os.environ.get("AMSPLAN_CONFIG")
    path = Path(named) if named else (folder or Path.cwd()) / CONFIG_NAME
    existed = path.exists()
    write_config(path, company, force)
    settings = load_settings(path)
    letters = settings.letters_dir
    if letters.exists() and not letters.is_dir():
        raise ConfigError(f"the letters folder {letters} is a file, not a folder")
    before, after = upgrade_database(settings)
    letters.mkdir(parents=True, exist_ok=True)
    kept = " (kept the existing file; --force writes a new one)" if existed and not force else ""
    console.print(f"Configuration: {path}{kept}")
    url = display_url(settings.database_url)
    console.print(f"Database: {url} (schema {before or 'new'} → {after})")
    console.print(f"Letters folder: {letters}")


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
    from amsplan.cli.output import context
    from amsplan.store import db

    c = context(ctx)
    console.print(f"database: {db.schema_version(c.engine) or 'none'}, needed: {db.SCHEMA_HEAD}")


@db_app.command("backup")
def backup(ctx: typer.Context, file: Annotated[Path, typer.Argument(help="New file to write.")]):
    """Copy the live SQLite database consistently (others may keep working meanwhile).

    For a PostgreSQL database, use pg_dump.

    Example: amsplan db backup backup/amsplan-2026-04-22.db
    """
    from amsplan.cli.output import context
    from amsplan.services.setup import backup as backup_database

    size = backup_database(context(ctx).settings, file)
    console.print(f"{file}: {size / 1e6:.1f} MB")


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.add_typer(db_app, name="db")

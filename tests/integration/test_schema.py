"""The schema comes from Alembic migrations; commands refuse a missing or old database."""

from __future__ import annotations

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

from amsplan.errors import NotInitialised
from amsplan.services.views import status_counts
from amsplan.store import db


def test_schema_head_constant_matches_the_migrations():
    cfg = Config()
    cfg.set_main_option("script_location", str(db.MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(cfg).get_current_head() == db.SCHEMA_HEAD


def test_migrations_create_exactly_the_models(workspace):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    import amsplan.store.models  # noqa: F401

    engine = workspace.context().engine
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_upgrade_twice_is_harmless(workspace):
    engine = workspace.context().engine
    db.upgrade(engine)
    assert db.schema_version(engine) == db.SCHEMA_HEAD


def test_commands_refuse_a_database_that_was_never_created(tmp_path):
    from amsplan.config import load_settings
    from amsplan.services.context import Context

    ctx = Context(settings=load_settings(), user="t")
    with pytest.raises(NotInitialised, match="amsplan init"):
        status_counts(ctx)


def test_password_is_not_shown():
    assert db.display_url("postgresql://amsplan:hemmelig@db/amsplan") == (
        "postgresql://amsplan:***@db/amsplan"
    )

"""Fixtures: every test runs in its own folder, with its own database on each backend.

Integration and CLI tests take `workspace`, which is parametrized over SQLite and
PostgreSQL. PostgreSQL runs when AMSPLAN_TEST_PG_URL names a server (`make test`
starts a throw-away one); with AMSPLAN_REQUIRE_PG=1 a missing server is an error,
not a skip.
"""

from __future__ import annotations

import itertools
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

# Wide tables before any console is made (also in pytest-xdist workers, which import the
# CLI before a test's monkeypatch runs).
os.environ["COLUMNS"] = "200"

from amsplan import i18n
from amsplan.adapters import private
from amsplan.config import Settings, load_settings
from amsplan.services.context import Context
from amsplan.store import db

PG_URL = os.environ.get("AMSPLAN_TEST_PG_URL")
TEST_NOW = "2026-04-01T08:00"
REQUIRE_PG = os.environ.get("AMSPLAN_REQUIRE_PG") == "1"
_counter = itertools.count()


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """No test reads the user's configuration or writes outside its tmp folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AMSPLAN_CONFIG", raising=False)
    monkeypatch.delenv("AMSPLAN_CRASH_AT", raising=False)
    monkeypatch.setenv("AMSPLAN_USER", "tester")
    # The suite reads English (the source language) unless a test asks for Norwegian, and a
    # message missing from the catalog fails the test (amsplan.i18n, docs/i18n.md).
    monkeypatch.setenv("AMSPLAN_LANGUAGE", "en")
    monkeypatch.setenv("AMSPLAN_I18N_STRICT", "1")
    i18n.use("en")
    monkeypatch.setenv("COLUMNS", "200")
    # Every command runs at a fixed time before the dates the tests plan (a test that
    # needs another time sets AMSPLAN_NOW, or gives the context its own clock).
    monkeypatch.setenv("AMSPLAN_NOW", TEST_NOW)
    # A command sets the process umask and the writers' file policy (docs/files.md):
    # each test starts from the same ones.
    monkeypatch.setattr(private, "_policy", private.policy())
    umask = os.umask(0o022)
    yield
    os.umask(umask)


def _pg_url(dbname: str) -> str:
    parts = urlsplit(PG_URL)
    return urlunsplit(parts._replace(path="/" + dbname))


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL.replace("postgresql://", "postgresql://", 1), autocommit=True) as c:
        c.execute(sql)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "amsplan.db"
    engine = db.make_engine(f"sqlite:///{path}")
    db.upgrade(engine)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file
    assert not path.with_name("amsplan.db-wal").exists()
    return path


@pytest.fixture(scope="session")
def pg_template() -> str:
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("AMSPLAN_REQUIRE_PG=1 but AMSPLAN_TEST_PG_URL is not set")
        pytest.skip("no PostgreSQL server (set AMSPLAN_TEST_PG_URL, or run make test)")
    name = f"amsplan_template_{os.getpid()}"
    _pg_admin(f"DROP DATABASE IF EXISTS {name}")
    _pg_admin(f"CREATE DATABASE {name}")
    engine = db.make_engine(_pg_url(name))
    db.upgrade(engine)
    engine.dispose()
    yield name
    _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        shutil.copy(template, tmp_path / "amsplan.db")
        yield f"sqlite:///{tmp_path / 'amsplan.db'}"
        return
    template = request.getfixturevalue("pg_template")
    name = f"amsplan_t{os.getpid()}_{next(_counter)}"
    _pg_admin(f"CREATE DATABASE {name} TEMPLATE {template}")
    yield _pg_url(name)
    _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@dataclass
class Workspace:
    path: Path
    url: str

    @property
    def settings(self) -> Settings:
        return load_settings(self.path / "amsplan.toml")

    def context(self, user: str = "tester", now: datetime | None = None) -> Context:
        ctx = Context(settings=self.settings, user=user)
        if now is not None:
            ctx.now = lambda: now
        return ctx

    @property
    def letters(self) -> Path:
        return self.path / "letters"


@pytest.fixture
def workspace(tmp_path, database_url) -> Workspace:
    (tmp_path / "amsplan.toml").write_text(
        f'[database]\nurl = "{database_url}"\n\n[company]\nname = "Testnett AS"\n',
        encoding="utf-8",
    )
    (tmp_path / "letters").mkdir()
    return Workspace(tmp_path, database_url)


FIXED_NOW = datetime(2026, 4, 10, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path) -> str:
    """A database with no schema at all, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("AMSPLAN_REQUIRE_PG=1 but AMSPLAN_TEST_PG_URL is not set")
        pytest.skip("no PostgreSQL server (set AMSPLAN_TEST_PG_URL, or run make test)")
    name = f"amsplan_e{os.getpid()}_{next(_counter)}"
    _pg_admin(f"CREATE DATABASE {name}")
    yield _pg_url(name)
    _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


# --- the throw-away Dovecot IMAP server (tests/fakes/dovecot.py) ------------------------

REQUIRE_IMAP = os.environ.get("AMSPLAN_REQUIRE_IMAP") == "1"


@pytest.fixture(scope="session")
def dovecot():
    """One Dovecot per pytest worker; skipped when Dovecot is not installed (an error with
    AMSPLAN_REQUIRE_IMAP=1, as `make test` sets)."""
    from tests.fakes.dovecot import BINARY, Dovecot

    if BINARY is None:
        if REQUIRE_IMAP:
            pytest.fail("AMSPLAN_REQUIRE_IMAP=1 but dovecot is not installed (dovecot-imapd)")
        pytest.skip("no Dovecot (apt-get install dovecot-imapd, or run make test)")
    server = Dovecot().start()
    yield server
    server.stop()


@pytest.fixture
def imap_account(dovecot, monkeypatch):
    """A new, empty IMAP account on the test Dovecot; its password in the environment
    (AMSPLAN_IMAP_PASSWORD) as amsplan reads it."""
    account = dovecot.add_user()
    monkeypatch.setenv("AMSPLAN_IMAP_PASSWORD", account.password)
    return account

"""Engine from a URL, transactions, and the schema (Alembic migrations)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlmodel import Session, create_engine

from amsplan.errors import NotInitialised
from amsplan.i18n import _
from amsplan.store import history

# The newest migration; a test checks it matches migrations/versions.
SCHEMA_HEAD = "0011"
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
BUSY_TIMEOUT_MS = 30_000


def normalise_url(url: str) -> str:
    """postgresql:// and postgres:// use psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        _sqlite_pragmas(engine)
        return engine
    engine = create_engine(url, pool_pre_ping=True)

    @event.listens_for(engine, "begin")
    def _begin(conn):
        # A read-only session (a report, a list, every dry run) is a read-only
        # transaction: PostgreSQL refuses any write or row lock in it.
        if conn.get_execution_options().get("readonly"):
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")

    return engine


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        # Let SQLAlchemy's "begin" event below issue BEGIN itself.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # A 64 MiB page cache (SQLite's default is 2 MiB): at a million orders an import
        # or a day's changes otherwise read the same index pages again and again (half
        # of SQLite's time inserting 500,000 orders).
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()
        # History and comments are append-only on amsplan's own connections (issue 18).
        history.guard_sqlite(dbapi_conn)

    @event.listens_for(engine, "begin")
    def _begin(conn):
        # Writers take the write lock up front, so two processes never both read,
        # then both write (no lost updates, no "database is locked" half-way).
        if conn.get_execution_options().get("readonly"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def session_scope(engine: Engine, readonly: bool = False) -> Iterator[Session]:
    """One transaction: commit at the end, roll back on any exception."""
    bind = engine.execution_options(readonly=True) if readonly else engine
    with Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()  # read-only: ends the transaction, keeps loaded objects usable
        except BaseException:
            session.rollback()
            raise


def serialise(session, name: str) -> None:
    """Hold a database-wide lock named `name` until the transaction ends.

    PostgreSQL: a transaction-level advisory lock, so two processes doing the same
    thing (ingesting the same file, say) take turns. SQLite needs nothing: every
    writing transaction already holds the one write lock (BEGIN IMMEDIATE).
    """
    if session.get_bind().dialect.name == "postgresql":
        import hashlib

        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def schema_version(engine: Engine) -> str | None:
    try:  # a read: never waits for (nor takes) the SQLite write lock
        with engine.execution_options(readonly=True).connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (OperationalError, ProgrammingError):
        return None


def require_file(url: str) -> None:
    """A SQLite database must exist already: connecting would create an empty file."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:" and not Path(path).exists():
            raise NotInitialised(
                _("no amsplan database at {where}: run `amsplan init`").format(where=path)
            )


def require_schema(engine: Engine, url: str) -> None:
    """Refuse to work on a database that is missing or not migrated to this version."""
    version = schema_version(engine)
    if version is None:
        raise NotInitialised(
            _("no amsplan database at {where}: run `amsplan init`").format(where=display_url(url))
        )
    if version != SCHEMA_HEAD:
        raise NotInitialised(
            _(
                "the database schema is at {version}, this amsplan needs {needed}: "
                "run `amsplan db upgrade`"
            ).format(version=version, needed=SCHEMA_HEAD)
        )


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema with Alembic."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def display_url(url: str) -> str:
    """The URL without its password."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in creds else url
    return url

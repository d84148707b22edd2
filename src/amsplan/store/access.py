"""PostgreSQL's catalog for issue 18: the login of a connection, its roles, the owner and
the schema of amsplan's tables; and running the statements of `db roles` / `db grant`.

amsplan's tables are found through `alembic_version` (the search path's, as every
query finds them)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from amsplan.domain.access import CRON, Catalog, Login, Membership, group_name

_LOGIN = text("""
SELECT session_user,
       r.rolsuper
       OR COALESCE(pg_has_role(session_user, c.relowner, 'MEMBER'), false)
       OR COALESCE((SELECT pg_has_role(session_user, g.oid, 'MEMBER')
                    FROM pg_roles g WHERE g.rolname = :cron), false),
       COALESCE(has_table_privilege(session_user, c.oid, 'SELECT'), true)
FROM pg_roles r
LEFT JOIN pg_class c ON c.oid = to_regclass('alembic_version')
WHERE r.rolname = session_user
""")

_MEMBER_OF = text("""
WITH RECURSIVE m(oid) AS (
    SELECT roleid FROM pg_auth_members
    WHERE member = (SELECT oid FROM pg_roles WHERE rolname = session_user)
    UNION
    SELECT a.roleid FROM pg_auth_members a JOIN m ON a.member = m.oid
)
SELECT session_user,
       ARRAY(SELECT rolname FROM pg_roles WHERE oid IN (SELECT oid FROM m) ORDER BY 1),
       (SELECT pg_get_userbyid(relowner) FROM pg_class
        WHERE oid = to_regclass('alembic_version'))
""")

_SCHEMA = text("""
SELECT current_database(), n.oid, n.nspname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = to_regclass('alembic_version')
""")

_TABLES = text("""
SELECT relname FROM pg_class WHERE relnamespace = :ns AND relkind IN ('r', 'p')
""")

# A sequence and the table whose column it numbers (serial or identity), if any.
_SEQUENCES = text("""
SELECT s.relname, t.relname
FROM pg_class s
LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid
     AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
LEFT JOIN pg_class t ON t.oid = d.refobjid
WHERE s.relnamespace = :ns AND s.relkind = 'S'
""")


def _read(engine: Engine) -> Connection:
    return engine.execution_options(readonly=True).connect()


def login(engine: Engine, prefix: str) -> Login:
    """The connection's login; whether it may act for others (superuser, the owner of
    amsplan's tables, or in the cron role `prefix`_cron); whether it may read amsplan's
    tables (True while there are none)."""
    with _read(engine) as conn:
        name, others, reads = conn.execute(_LOGIN, {"cron": group_name(prefix, CRON)}).one()
    return Login(name=name, may_act_for_others=bool(others), reads=bool(reads))


def membership(engine: Engine) -> Membership:
    """The login's roles, on a connection of its own (after a failed transaction)."""
    with _read(engine) as conn:
        name, roles, owner = conn.execute(_MEMBER_OF).one()
    return Membership(login=name, member_of=list(roles), owner=owner or "")


def catalog(session: Session) -> Catalog | None:
    """The database, the schema of amsplan's tables, its tables and sequences (with the
    table each numbers); None before `amsplan db upgrade` made them."""
    found = session.execute(_SCHEMA).one_or_none()
    if found is None:
        return None
    database, namespace, schema = found
    tables = list(session.execute(_TABLES, {"ns": namespace}).scalars())
    sequences = {name: table for name, table in session.execute(_SEQUENCES, {"ns": namespace})}
    return Catalog(database=database, schema=schema, tables=tables, sequences=sequences)


def role_exists(session: Session, name: str) -> bool:
    found = session.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name})
    return found.first() is not None


def is_member(session: Session, login: str, group: str) -> bool:
    """Whether `login` is directly a member of `group`."""
    query = text("""
        SELECT 1 FROM pg_auth_members a
        JOIN pg_roles g ON g.oid = a.roleid JOIN pg_roles m ON m.oid = a.member
        WHERE g.rolname = :group AND m.rolname = :login
    """)
    return session.execute(query, {"group": group, "login": login}).first() is not None


def run(session: Session, statements: Sequence[str]) -> None:
    """Run generated statements (no parameters: names are quoted in them) in the session's
    transaction."""
    connection = session.connection()
    for statement in statements:
        connection.exec_driver_sql(statement)

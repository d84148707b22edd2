"""History nobody can rewrite (issue 18): the hash chain, the acting login, and (on
PostgreSQL) a trigger that refuses UPDATE and DELETE of history and comments

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 09:00:00

- history.hash: SHA-256 (hex) of the previous row's hash for the order and the row's
  content (amsplan.domain.chain); filled here for every existing row, order by order in
  batches (one query and one bulk UPDATE per 5,000 orders).
- history.login, comment.login: the database login that acted for the actor, when they
  differ (None for the rows before).
- PostgreSQL: amsplan_append_only(), a statement trigger BEFORE UPDATE, DELETE or
  TRUNCATE on history and on comment, raising "history is append-only" unless the
  current user has the table owner's rights (a superuser has) AND the transaction set
  amsplan.rewrite (`SELECT set_config('amsplan.rewrite', 'purge', true)`, as a privacy
  purge does). A later migration that rewrites these tables sets it too. SQLite has no
  such trigger in the file: amsplan puts TEMP triggers on each of its connections
  (amsplan.store.history.guard_sqlite), and this migration writes the hashes past them
  with the same flag.
"""

from itertools import groupby

import sqlalchemy as sa
import sqlmodel
from alembic import op

from amsplan.domain import chain
from amsplan.store import history as stored

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BATCH = 5000  # orders a batch
_HISTORY = sa.table(
    "history",
    sa.column("id", sa.Integer),
    sa.column("order_id", sa.Integer),
    sa.column("at", sqlmodel.sql.sqltypes.UTCDateTime()),
    *(sa.column(name, sa.String) for name in chain.CONTENT[2:]),
    sa.column("hash", sa.String),
)
_TABLES = ("history", "comment")
_FUNCTION = """
CREATE FUNCTION amsplan_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('amsplan.rewrite', true), '') <> ''
       AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID),
                       'USAGE') THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'history is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Only a privacy purge run by the owner of the database rewrites it.';
END
$$
"""


def upgrade() -> None:
    op.add_column("history", sa.Column("login", sa.String(), nullable=True))
    op.add_column("history", sa.Column("hash", sa.String(length=64), nullable=True))
    op.add_column("comment", sa.Column("login", sa.String(), nullable=True))
    connection = op.get_bind()
    with stored.rewriting(connection, "migration 0010"):
        _fill(connection)
    if connection.dialect.name == "postgresql":
        op.execute(_FUNCTION)
        for table in _TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION amsplan_append_only()"
            )
    else:  # this connection's guard, had the tables not existed when it was opened
        stored.guard_sqlite(connection.connection.dbapi_connection)


def _fill(connection: sa.Connection) -> None:
    """Every existing row's hash, order by order, the rows of an order by id."""
    orders = [i for (i,) in connection.execute(
        sa.select(_HISTORY.c.order_id).distinct().order_by(_HISTORY.c.order_id)
    )]  # fmt: skip
    for start in range(0, len(orders), BATCH):
        batch = orders[start : start + BATCH]
        query = (
            sa.select(_HISTORY)
            .where(_HISTORY.c.order_id.between(batch[0], batch[-1]))
            .order_by(_HISTORY.c.order_id, _HISTORY.c.id)
        )
        ids, hashes = [], []
        rows = connection.execute(query).mappings().all()
        for _, mine in groupby(rows, key=lambda row: row["order_id"]):
            previous = chain.GENESIS
            for row in mine:
                previous = chain.link(previous, row)
                ids.append(row["id"])
                hashes.append(previous)
        _write(connection, ids, hashes)


def _write(connection: sa.Connection, ids: list[int], hashes: list[str]) -> None:
    """The hashes of these rows: PostgreSQL in one statement (arrays), SQLite in one
    executemany."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            sa.text(
                "UPDATE history SET hash = v.hash FROM (SELECT unnest(CAST(:ids AS integer[])) "
                "AS id, unnest(CAST(:hashes AS text[])) AS hash) AS v WHERE history.id = v.id"
            ),
            {"ids": ids, "hashes": hashes},
        )
        return
    update = (
        _HISTORY.update()
        .where(_HISTORY.c.id == sa.bindparam("_id"))
        .values(hash=sa.bindparam("_hash"))
    )
    connection.execute(update, [{"_id": i, "_hash": h} for i, h in zip(ids, hashes, strict=True)])


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        for table in _TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS amsplan_append_only()")
    with op.batch_alter_table("comment") as batch_op:
        batch_op.drop_column("login")
    with op.batch_alter_table("history") as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("login")

"""saved filters and order owner

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 04:00:39.534722
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_filter",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    with op.batch_alter_table("work_order", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.create_index(batch_op.f("ix_work_order_owner"), ["owner"], unique=False)
        batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))

    # Case-folding needs Python: SQLite's and a C-locale PostgreSQL's lower() are ASCII-only.
    conn = op.get_bind()
    orders = sa.table(
        "work_order",
        sa.column("id", sa.Integer),
        sa.column("customer_name", sa.Text),
        sa.column("street", sa.Text),
        sa.column("city", sa.Text),
        sa.column("search_text", sa.Text),
    )
    rows = conn.execute(sa.select(orders.c.id, orders.c.customer_name, orders.c.street,
                                  orders.c.city)).all()  # fmt: skip
    for row in rows:
        folded = " ".join((row.customer_name or "", row.street or "", row.city or "")).casefold()
        conn.execute(orders.update().where(orders.c.id == row.id).values(search_text=folded))


def downgrade() -> None:
    with op.batch_alter_table("work_order", schema=None) as batch_op:
        batch_op.drop_column("search_text")
        batch_op.drop_index(batch_op.f("ix_work_order_owner"))
        batch_op.drop_column("owner")

    op.drop_table("saved_filter")

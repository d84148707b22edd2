"""everyday changes: working days, absences, letter truth, handled work lists,
follow-up flags, purged orders, case-insensitive order numbers

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 22:30:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_DT = sqlmodel.sql.sqltypes.UTCDateTime
_STR = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("technician", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("working_days", _STR(length=7), nullable=False, server_default="12345")
        )
    op.create_table(
        "technician_absence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("technician_id", _STR(length=40), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("reason", _STR(), nullable=False),
        sa.Column("created_by", _STR(), nullable=False),
        sa.Column("created_at", _DT(), nullable=False),
        sa.ForeignKeyConstraint(["technician_id"], ["technician.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("technician_absence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_technician_absence_technician_id"), ["technician_id"], unique=False
        )

    with op.batch_alter_table("work_order", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purged_at", _DT(), nullable=True))
    # Order numbers are found whatever their case (`orders show ams-2026-000134`).
    op.create_index("ix_work_order_order_no_upper", "work_order", [sa.text("upper(order_no)")])

    with op.batch_alter_table("letter", schema=None) as batch_op:
        batch_op.add_column(sa.Column("planned_start", _DT(), nullable=True))
        batch_op.add_column(sa.Column("technician_id", _STR(), nullable=True))
        batch_op.add_column(sa.Column("printed_at", _DT(), nullable=True))
        batch_op.add_column(sa.Column("printed_by", _STR(), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_at", _DT(), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_reason", _STR(), nullable=True))

    for table in ("reply", "inbound_message"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("handled_at", _DT(), nullable=True))
            batch_op.add_column(sa.Column("handled_by", _STR(), nullable=True))
            batch_op.add_column(sa.Column("handled_note", _STR(), nullable=True))

    with op.batch_alter_table("sms", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_at", _DT(), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_reason", _STR(), nullable=True))

    op.create_table(
        "export_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", _STR(length=40), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("order_ids", sa.Text(), nullable=False),
        sa.Column("created_at", _DT(), nullable=False),
        sa.Column("created_by", _STR(), nullable=False),
        sa.Column("removed_at", _DT(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "followup_flag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("kind", _STR(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", _DT(), nullable=False),
        sa.Column("actor", _STR(), nullable=False),
        sa.Column("cleared_at", _DT(), nullable=True),
        sa.Column("cleared_by", _STR(), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["work_order.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("followup_flag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_followup_flag_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_followup_flag_kind"), ["kind"], unique=False)

    # The open follow-up of existing orders becomes their first flag.
    conn = op.get_bind()
    conn.execute(
        sa.text(
            "INSERT INTO followup_flag (order_id, kind, reason, at, actor) "
            "SELECT id, followup_kind, COALESCE(followup_reason, ''), updated_at, 'migration' "
            "FROM work_order WHERE followup_kind IS NOT NULL"
        )
    )
    # Free-text search finds phone numbers too (models.search_text_of).
    from amsplan.store.models import search_text_of

    orders = sa.table(
        "work_order",
        *(sa.column(name, sa.Text) for name in
          ("customer_name", "street", "city", "phone", "mobile", "search_text")),
        sa.column("id", sa.Integer),
    )  # fmt: skip
    rows = conn.execute(
        sa.select(orders.c.id, orders.c.customer_name, orders.c.street, orders.c.city,
                  orders.c.phone, orders.c.mobile).where(orders.c.phone != "")
    ).all()  # fmt: skip
    for row in rows:
        folded = search_text_of(row.customer_name, row.street, row.city, row.phone, row.mobile)
        conn.execute(orders.update().where(orders.c.id == row.id).values(search_text=folded))
    # Letters already in the folder: what they say is what the order says now.
    conn.execute(
        sa.text(
            "UPDATE letter SET planned_start = (SELECT planned_start FROM work_order "
            "WHERE work_order.id = letter.order_id), technician_id = (SELECT technician_id "
            "FROM work_order WHERE work_order.id = letter.order_id)"
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("followup_flag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_followup_flag_kind"))
        batch_op.drop_index(batch_op.f("ix_followup_flag_order_id"))
    op.drop_table("followup_flag")
    op.drop_table("export_file")
    with op.batch_alter_table("sms", schema=None) as batch_op:
        batch_op.drop_column("withdrawn_reason")
        batch_op.drop_column("withdrawn_at")
    for table in ("inbound_message", "reply"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("handled_note")
            batch_op.drop_column("handled_by")
            batch_op.drop_column("handled_at")
    with op.batch_alter_table("letter", schema=None) as batch_op:
        for column in ("withdrawn_reason", "withdrawn_at", "printed_by", "printed_at",
                       "technician_id", "planned_start"):  # fmt: skip
            batch_op.drop_column(column)
    op.drop_index("ix_work_order_order_no_upper", table_name="work_order")
    with op.batch_alter_table("work_order", schema=None) as batch_op:
        batch_op.drop_column("purged_at")
    with op.batch_alter_table("technician_absence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_technician_absence_technician_id"))
    op.drop_table("technician_absence")
    with op.batch_alter_table("technician", schema=None) as batch_op:
        batch_op.drop_column("working_days")

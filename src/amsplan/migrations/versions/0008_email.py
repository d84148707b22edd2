"""E-mail: customers' addresses, the e-mails amsplan sends, replies by e-mail, and the
changes notified to planners

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 09:30:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_DT = sqlmodel.sql.sqltypes.UTCDateTime
_STR = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("work_order", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("email", sa.String(length=320), nullable=False, server_default="")
        )
    op.create_index("ix_work_order_email_lower", "work_order", [sa.text("lower(email)")])
    with op.batch_alter_table("reply", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("channel", _STR(length=8), nullable=False, server_default="sms")
        )
        batch_op.add_column(sa.Column("subject", _STR(), nullable=True))
    op.create_index("ix_history_at", "history", ["at"])
    op.create_index("ix_followup_flag_at", "followup_flag", ["at"])

    op.create_table(
        "email_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("booking_code", _STR(), nullable=True),
        sa.Column("to", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("message_id", sa.String(length=250), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("created_by", _STR(), nullable=False),
        sa.Column("sending_at", _DT(), nullable=False),
        sa.Column("sent_at", _DT(), nullable=True),
        sa.Column("error", _STR(), nullable=True),
        sa.Column("bounced_at", _DT(), nullable=True),
        sa.Column("settled_at", _DT(), nullable=True),
        sa.Column("settled_by", _STR(), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["work_order.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
    )
    op.create_index("ix_email_message_order_id", "email_message", ["order_id"])
    op.create_index("ix_email_message_state", "email_message", ["state", "sending_at"])

    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", _STR(length=8), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("recipient", _STR(length=320), nullable=False),
        sa.Column("email_id", sa.Integer(), nullable=True),
        sa.Column("at", _DT(), nullable=False),
        sa.ForeignKeyConstraint(["email_id"], ["email_message.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "source_id", "recipient", name="uq_notice_change_recipient"),
    )
    op.create_index("ix_notice_email_id", "notice", ["email_id"])


def downgrade() -> None:
    op.drop_index("ix_notice_email_id", table_name="notice")
    op.drop_table("notice")
    op.drop_index("ix_email_message_state", table_name="email_message")
    op.drop_index("ix_email_message_order_id", table_name="email_message")
    op.drop_table("email_message")
    op.drop_index("ix_followup_flag_at", table_name="followup_flag")
    op.drop_index("ix_history_at", table_name="history")
    with op.batch_alter_table("reply", schema=None) as batch_op:
        batch_op.drop_column("subject")
        batch_op.drop_column("channel")
    op.drop_index("ix_work_order_email_lower", table_name="work_order")
    # Not in batch mode: on SQLite that copies the table and loses its expression index
    # ix_work_order_order_no_upper (SQLite >= 3.35 drops a column in place).
    op.drop_column("work_order", "email")

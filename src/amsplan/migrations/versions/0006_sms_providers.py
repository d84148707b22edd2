"""SMS through a provider's API: references, provider ids, delivery reports, and the
callbacks `amsplan serve` stores before it answers

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 04:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_DT = sqlmodel.sql.sqltypes.UTCDateTime
_STR = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("sms", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provider", _STR(length=20), nullable=True))
        batch_op.add_column(sa.Column("reference", _STR(length=40), nullable=True))
        batch_op.add_column(sa.Column("provider_id", _STR(length=64), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("sending_at", _DT(), nullable=True))
        batch_op.add_column(sa.Column("sent_at", _DT(), nullable=True))
        batch_op.add_column(sa.Column("error", _STR(), nullable=True))
        batch_op.add_column(sa.Column("delivery", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("delivery_at", _DT(), nullable=True))
        batch_op.add_column(sa.Column("delivery_error", _STR(), nullable=True))
        batch_op.create_index(batch_op.f("ix_sms_reference"), ["reference"], unique=True)
        batch_op.create_index(batch_op.f("ix_sms_provider_id"), ["provider_id"], unique=False)

    op.create_table(
        "sms_callback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", _STR(length=20), nullable=False),
        sa.Column("kind", _STR(length=12), nullable=False),
        sa.Column("dedup", _STR(length=200), nullable=False),
        sa.Column("provider_message_id", _STR(length=64), nullable=False),
        sa.Column("received_at", _DT(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("processed_at", _DT(), nullable=True),
        sa.Column("outcome", _STR(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sms_callback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sms_callback_dedup"), ["dedup"], unique=True)
        batch_op.create_index(
            batch_op.f("ix_sms_callback_provider_message_id"),
            ["provider_message_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_sms_callback_processed_at"), ["processed_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sms_callback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sms_callback_processed_at"))
        batch_op.drop_index(batch_op.f("ix_sms_callback_provider_message_id"))
        batch_op.drop_index(batch_op.f("ix_sms_callback_dedup"))
    op.drop_table("sms_callback")
    with op.batch_alter_table("sms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sms_provider_id"))
        batch_op.drop_index(batch_op.f("ix_sms_reference"))
        columns = "delivery_error delivery_at delivery error sent_at sending_at attempts"
        for column in (*columns.split(), "provider_id", "reference", "provider"):
            batch_op.drop_column(column)

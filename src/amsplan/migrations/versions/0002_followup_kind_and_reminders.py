"""follow-up kind, one reminder per appointment

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 03:36:26.155248
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sms_status"))
        batch_op.create_index("ix_sms_status_due", ["status", "due_at"], unique=False)
        batch_op.create_index(
            "uq_sms_one_reminder",
            ["order_id", "kind", "appointment"],
            unique=True,
            sqlite_where=sa.text(
                "kind IN ('booking_reminder', 'appointment_reminder') AND status != 'withdrawn'"
            ),
            postgresql_where=sa.text(
                "kind IN ('booking_reminder', 'appointment_reminder') AND status != 'withdrawn'"
            ),
        )

    with op.batch_alter_table("work_order", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("followup_kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_work_order_followup_kind"), ["followup_kind"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("work_order", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_order_followup_kind"))
        batch_op.drop_column("followup_kind")

    with op.batch_alter_table("sms", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_sms_one_reminder",
            sqlite_where=sa.text(
                "kind IN ('booking_reminder', 'appointment_reminder') AND status != 'withdrawn'"
            ),
            postgresql_where=sa.text(
                "kind IN ('booking_reminder', 'appointment_reminder') AND status != 'withdrawn'"
            ),
        )
        batch_op.drop_index("ix_sms_status_due")
        batch_op.create_index(batch_op.f("ix_sms_status"), ["status"], unique=False)

"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 03:26:11.644369
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "technician",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("work_start", sa.Time(), nullable=False),
        sa.Column("work_end", sa.Time(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "work_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_no", sa.String(length=80), nullable=False),
        sa.Column("meter_point_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("meter_number", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("customer_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("street", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("postcode", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("city", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("municipality_no", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("mobile", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("important_info", sa.Boolean(), nullable=False),
        sa.Column("difficult_meter", sa.Boolean(), nullable=False),
        sa.Column("no_sms", sa.Boolean(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("technician_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("planned_start", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("estimate_minutes", sa.Integer(), nullable=True),
        sa.Column("booking_seq", sa.Integer(), nullable=True),
        sa.Column("booking_code", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("booking_channel", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("awaiting_since", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("followup_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("resolution", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("hold_until", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technician.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("booking_code"),
        sa.UniqueConstraint("order_no"),
    )
    with op.batch_alter_table("work_order", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_work_order_meter_point_id"), ["meter_point_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_work_order_municipality_no"), ["municipality_no"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_work_order_postcode"), ["postcode"], unique=False)
        batch_op.create_index(batch_op.f("ix_work_order_stage"), ["stage"], unique=False)
        batch_op.create_index(batch_op.f("ix_work_order_status"), ["status"], unique=False)
        batch_op.create_index(
            "ix_work_order_status_start", ["status", "planned_start"], unique=False
        )
        batch_op.create_index(
            "ix_work_order_tech_start", ["technician_id", "planned_start"], unique=False
        )

    op.create_table(
        "booking_code",
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("retired_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["work_order.id"],
        ),
        sa.PrimaryKeyConstraint("code"),
    )
    with op.batch_alter_table("booking_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_booking_code_order_id"), ["order_id"], unique=False)

    op.create_table(
        "comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["work_order.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comment_order_id"), ["order_id"], unique=False)

    op.create_table(
        "history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("transition", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("from_status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("to_status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["work_order.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_history_order_id"), ["order_id"], unique=False)

    op.create_table(
        "letter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("booking_code", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("file_name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("generated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["work_order.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("letter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_letter_file_name"), ["file_name"], unique=False)
        batch_op.create_index(batch_op.f("ix_letter_order_id"), ["order_id"], unique=False)

    op.create_table(
        "reply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_file", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("source_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("sender", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("provider_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("handled", sa.Boolean(), nullable=False),
        sa.Column("ingested_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["work_order.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_sha256", "line_no", name="uq_reply_source_line"),
    )
    with op.batch_alter_table("reply", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reply_code"), ["code"], unique=False)
        batch_op.create_index(batch_op.f("ix_reply_fingerprint"), ["fingerprint"], unique=False)
        batch_op.create_index(batch_op.f("ix_reply_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reply_outcome"), ["outcome"], unique=False)

    op.create_table(
        "sms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("to", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("due_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("appointment", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("batch", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("exported_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["work_order.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sms_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sms_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sms_status"))
        batch_op.drop_index(batch_op.f("ix_sms_order_id"))

    op.drop_table("sms")
    with op.batch_alter_table("reply", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reply_outcome"))
        batch_op.drop_index(batch_op.f("ix_reply_order_id"))
        batch_op.drop_index(batch_op.f("ix_reply_fingerprint"))
        batch_op.drop_index(batch_op.f("ix_reply_code"))

    op.drop_table("reply")
    with op.batch_alter_table("letter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_letter_order_id"))
        batch_op.drop_index(batch_op.f("ix_letter_file_name"))

    op.drop_table("letter")
    with op.batch_alter_table("history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_history_order_id"))

    op.drop_table("history")
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comment_order_id"))

    op.drop_table("comment")
    with op.batch_alter_table("booking_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_booking_code_order_id"))

    op.drop_table("booking_code")
    with op.batch_alter_table("work_order", schema=None) as batch_op:
        batch_op.drop_index("ix_work_order_tech_start")
        batch_op.drop_index("ix_work_order_status_start")
        batch_op.drop_index(batch_op.f("ix_work_order_status"))
        batch_op.drop_index(batch_op.f("ix_work_order_stage"))
        batch_op.drop_index(batch_op.f("ix_work_order_postcode"))
        batch_op.drop_index(batch_op.f("ix_work_order_municipality_no"))
        batch_op.drop_index(batch_op.f("ix_work_order_meter_point_id"))

    op.drop_table("work_order")
    op.drop_table("technician")

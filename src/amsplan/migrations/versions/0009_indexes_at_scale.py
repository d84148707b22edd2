"""Indexes at a million orders: a queued SMS found by its order; no index entry for an
order without follow-up, owner or technician; no second index of the status

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 15:00:00

- sms (order_id, status) instead of (order_id): SQLite read the queued messages of a
  day's orders through the (status, due_at) index, every queued message of the roll-out.
- work_order followup_kind, owner and (technician_id, planned_start): partial, for the
  orders that have one (queries name a value, which implies it): most orders have none,
  and each such entry cost every import its index writes.
- work_order (status): gone, (status, planned_start) serves the same queries.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_PARTIAL = {  # index -> its columns; the first column is not null
    "ix_work_order_followup_kind": ["followup_kind"],
    "ix_work_order_owner": ["owner"],
    "ix_work_order_tech_start": ["technician_id", "planned_start"],
}


def _where(column: str) -> dict:
    condition = sa.text(f"{column} IS NOT NULL")
    return {"sqlite_where": condition, "postgresql_where": condition}


def upgrade() -> None:
    op.drop_index("ix_work_order_status", table_name="work_order")
    for name, columns in _PARTIAL.items():
        op.drop_index(name, table_name="work_order")
        op.create_index(name, "work_order", columns, **_where(columns[0]))
    op.drop_index("ix_sms_order_id", table_name="sms")
    op.create_index("ix_sms_order_status", "sms", ["order_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_sms_order_status", table_name="sms")
    op.create_index("ix_sms_order_id", "sms", ["order_id"])
    for name, columns in _PARTIAL.items():
        op.drop_index(name, table_name="work_order")
        op.create_index(name, "work_order", columns)
    op.create_index("ix_work_order_status", "work_order", ["status"])

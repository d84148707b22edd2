"""History rows carry the event's own time (a return's field time, a reply's receipt)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 16:30:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "history", sa.Column("happened_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
    )


def downgrade() -> None:
    # In place (SQLite 3.35+ drops a column without copying the table).
    op.drop_column("history", "happened_at")

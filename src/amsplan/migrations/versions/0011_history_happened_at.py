"""History rows carry the event's own time (a return's field time, a reply's receipt);
the hash chain takes it in only where it is set, so the rows before keep their hashes

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 16:30:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "history", sa.Column("happened_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
    )


def downgrade() -> None:
    # In place (SQLite 3.35+ drops a column without copying the table).
    op.drop_column("history", "happened_at")

"""Technicians' start points (home or depot) for route planning

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 05:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("technician", schema=None) as batch_op:
        batch_op.add_column(sa.Column("start_lat", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("start_lon", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("technician", schema=None) as batch_op:
        batch_op.drop_column("start_lon")
        batch_op.drop_column("start_lat")

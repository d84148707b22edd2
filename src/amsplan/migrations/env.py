"""Alembic environment: runs on the connection amsplan hands it (amsplan.store.db.upgrade)."""

from alembic import context
from sqlmodel import SQLModel

import amsplan.store.models  # noqa: F401  (registers the tables)

target_metadata = SQLModel.metadata
connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()

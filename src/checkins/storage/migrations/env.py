"""Alembic environment: run with the connection the caller hands in (see storage.schema)."""

from __future__ import annotations

from alembic import context

from checkins.storage.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - the library always passes a connection
    raise RuntimeError("run migrations through checkins.storage.schema.upgrade()")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

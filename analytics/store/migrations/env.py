"""Alembic environment of the store: always run in code by :func:`analytics.store.engine.open_store`, which
passes the open connection in ``config.attributes["connection"]``."""

from __future__ import annotations

from alembic import context

from analytics.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the store never runs Alembic without a connection
    raise RuntimeError("Run the store's migrations through analytics.store.open_store(url).")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()

"""Alembic environment of the results database (crawler.store.results).

Run programmatically by `ResultsStore` (never by hand): the caller passes an open
connection in `config.attributes["connection"]`, already holding the upgrade lock."""
from __future__ import annotations

from alembic import context

from crawler.store.results import VERSION_TABLE

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - `alembic` CLI without our wrapper
    raise RuntimeError("run migrations through crawler.store.results.ResultsStore (or upgrade_results_db)")

context.configure(connection=connection, target_metadata=None, version_table=VERSION_TABLE,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()

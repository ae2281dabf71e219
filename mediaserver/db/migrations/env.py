"""Alembic environment: the connection is handed in by mediaserver.db.migrate."""

from alembic import context

from mediaserver.db.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - alembic CLI use is not supported
    raise SystemExit("run migrations with `mediaserver migrate`")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite needs batch mode to alter tables
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

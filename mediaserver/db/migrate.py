"""Run Alembic migrations programmatically (on start and with `mediaserver migrate`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from mediaserver.db.engine import Database

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def upgrade(db: Database) -> tuple[str | None, str | None]:
    """Bring the schema to head; return (before, after) revisions."""
    async with db.engine.connect() as conn:
        before = await conn.run_sync(_current)
    async with db.write() as conn:
        await conn.run_sync(_upgrade)
    async with db.engine.connect() as conn:
        after = await conn.run_sync(_current)
    return before, after

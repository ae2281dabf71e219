"""The schema is written twice: Core tables (mediaserver/db/*schema*.py) and hand-written
Alembic migrations. A database migrated to head must match the Core metadata exactly, on every
backend, or queries built from the tables meet a database that differs from them.
"""

from __future__ import annotations

import importlib
import pprint
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

import mediaserver.db
from mediaserver.db.engine import Database
from mediaserver.db.metadata import metadata

# Every module that registers tables on the metadata, found by name so a new one cannot be
# forgotten here.
for _module in sorted(Path(mediaserver.db.__file__).parent.glob("*schema*.py")):
    importlib.import_module(f"mediaserver.db.{_module.stem}")

# The full-text index (mediaserver/db/search.py) is created by the migration with raw DDL and is
# deliberately not a Core table: it differs per backend (an FTS5 virtual table on SQLite, a
# tsvector table with a GIN index on PostgreSQL) and is only ever queried with text SQL.
# On SQLite, FTS5 also creates its own shadow tables, title_search_<suffix>, which SQLite
# maintains itself.
SEARCH_TABLES = {
    "title_search",
    *(f"title_search_{suffix}" for suffix in ("data", "idx", "content", "docsize", "config")),
}


def _include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    if type_ == "table":
        return name not in SEARCH_TABLES
    return parent_names.get("table_name") not in SEARCH_TABLES


def _compare_server_default(
    context: MigrationContext,
    inspected_column,  # noqa: ANN001 - alembic's hook signature
    metadata_column,  # noqa: ANN001
    inspected_default: str | None,
    metadata_default,  # noqa: ANN001
    rendered_metadata_default: str | None,
) -> bool | None:
    # Alembic's SQLite comparison unquotes '...' only when it holds at least one character, so
    # an empty-string default (DEFAULT '') is always reported as changed. Decide that one case
    # here; None hands every other column to alembic's own comparison.
    if (
        context.dialect.name == "sqlite"
        and rendered_metadata_default == ""
        and inspected_default in ("''", "('')")
    ):
        return False
    return None


def _differences(connection: Connection) -> list:
    context = MigrationContext.configure(
        connection,
        opts={
            "compare_type": True,
            "compare_server_default": _compare_server_default,
            "include_name": _include_name,
        },
    )
    return compare_metadata(context, metadata)


async def test_migrated_database_matches_core_metadata(db: Database) -> None:
    # `db` is a fresh database brought to head by mediaserver.db.migrate.upgrade, the same path
    # the server takes on start.
    async with db.engine.connect() as conn:
        differences = await conn.run_sync(_differences)
    assert differences == [], "migrations and Core tables disagree:\n" + pprint.pformat(differences)

"""INSERT ... ON CONFLICT for the connection's dialect (SQLite and PostgreSQL spell it alike)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


async def upsert(
    conn: AsyncConnection,
    table: sa.Table,
    keys: list[sa.Column[Any]],
    values: dict[str, Any],
    update: dict[str, Any],
) -> None:
    """Insert `values`, or on a key conflict set `update` on the existing row."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(table).values(**values)
    await conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=update))

"""INSERT ... ON CONFLICT for the connection's dialect.

SQLite and PostgreSQL spell it alike, but SQLAlchemy builds it only from each dialect's own
insert(); this is the one place that picks it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


def dialect_insert(conn: AsyncConnection, table: sa.Table) -> postgresql.Insert | sqlite.Insert:
    """INSERT INTO `table` that has `on_conflict_do_update` and `excluded` on this connection."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def upsert(
    conn: AsyncConnection,
    table: sa.Table,
    keys: list[sa.Column[Any]],
    values: dict[str, Any],
    update: dict[str, Any],
) -> None:
    """Insert `values`, or on a key conflict set `update` on the existing row."""
    stmt = dialect_insert(conn, table).values(**values)
    await conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=update))

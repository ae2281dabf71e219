"""The rollups' watermarks (analytics_state): how far each rollup has read."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.db.analytics_schema import analytics_state
from mediaserver.db.engine import Database
from mediaserver.db.upsert import upsert


async def get_mark(db: Database, name: str) -> float:
    async with db.read() as conn:
        value = (
            await conn.execute(
                analytics_state.select()
                .with_only_columns(analytics_state.c.value)
                .where(analytics_state.c.name == name)
            )
        ).scalar()
    return float(value) if value is not None else 0.0


async def set_mark(db: Database, name: str, value: float) -> None:
    async with db.write() as conn:
        await set_mark_in(conn, name, value)


async def set_mark_in(conn: AsyncConnection, name: str, value: float) -> None:
    """Move a watermark inside the transaction that rolled up to it."""
    await upsert(
        conn,
        analytics_state,
        [analytics_state.c.name],
        {"name": name, "value": value},
        {"value": value},
    )

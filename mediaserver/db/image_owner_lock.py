"""One writer at a time chooses a title's (or episode's) selected image.

Several writers pick the selected picture of the same owner: the scan's still or embedded cover,
the metadata providers' artwork and packaging's poster candidates. Each clears the others'
`is_selected` and inserts its own in one transaction; under PostgreSQL's READ COMMITTED two such
transactions running at once would not see each other's new row and both would leave theirs
selected. Locking the owner's row first makes them take turns (SQLite writers already do).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.db.catalog_schema import episodes, titles


async def lock_image_owner(
    conn: AsyncConnection, *, title_id: int | None = None, episode_id: int | None = None
) -> None:
    """Hold the owner's row until the transaction ends (no-op on SQLite)."""
    if episode_id is not None:
        query = sa.select(episodes.c.id).where(episodes.c.id == episode_id)
    elif title_id is not None:
        query = sa.select(titles.c.id).where(titles.c.id == title_id)
    else:
        return
    await conn.execute(query.with_for_update())

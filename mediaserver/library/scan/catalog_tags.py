"""Genres and people of a title (ids cached by normalised name for the whole scan), and the
titles' search documents. Used by `catalog_writer` and by admin title edits.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.db import search_index
from mediaserver.db.catalog_schema import genres, people, title_genres, title_people
from mediaserver.library.scan.catalog_media import cut

MAX_GENRES = 20
MAX_PEOPLE = 50


def name_key(name: str) -> str:
    return " ".join(name.casefold().split())


class TagCache:
    """Genre and person ids by normalised name, filled as names are met."""

    def __init__(self) -> None:
        self.genres: dict[str, int] = {}
        self.people: dict[str, int] = {}

    async def _id(
        self, conn: AsyncConnection, table: sa.Table, cache: dict[str, int], name: str, limit: int
    ) -> int:
        name = " ".join(name.split())[:limit]
        key = name_key(name)
        found = cache.get(key)
        if found is None:
            found = (
                await conn.execute(sa.select(table.c.id).where(table.c.name_key == key))
            ).scalar()
            if found is None:
                found = (
                    await conn.execute(
                        table.insert().values(name=name, name_key=key).returning(table.c.id)
                    )
                ).scalar_one()
            cache[key] = found
        return found

    async def set_genres(
        self, conn: AsyncConnection, title_id: int, names: Sequence[str], *, fresh: bool = False
    ) -> None:
        if not fresh:
            await conn.execute(title_genres.delete().where(title_genres.c.title_id == title_id))
        ids: list[int] = []
        for name in names[:MAX_GENRES]:
            if name.strip():
                gid = await self._id(conn, genres, self.genres, name, 80)
                if gid not in ids:
                    ids.append(gid)
        if ids:
            await conn.execute(
                title_genres.insert(), [{"title_id": title_id, "genre_id": g} for g in ids]
            )

    async def set_people(
        self,
        conn: AsyncConnection,
        title_id: int,
        credits: Sequence[tuple[str, str, str | None]],
        *,
        fresh: bool = False,
    ) -> None:
        """credits: (name, role, character) in billing order."""
        if not fresh:
            await conn.execute(title_people.delete().where(title_people.c.title_id == title_id))
        rows = []
        for position, (name, role, character) in enumerate(credits[:MAX_PEOPLE]):
            if not name.strip():
                continue
            pid = await self._id(conn, people, self.people, name, 200)
            rows.append(
                {
                    "title_id": title_id,
                    "person_id": pid,
                    "role": role,
                    "character": cut(character, 200),
                    "position": position,
                }
            )
        if rows:
            await conn.execute(title_people.insert(), rows)

    def forget(self) -> None:
        self.genres.clear()
        self.people.clear()


async def reindex_titles(conn: AsyncConnection, title_ids: Sequence[int]) -> None:
    """Rewrite the search documents of these titles (names, year, people, episode names)."""
    await search_index.reindex_titles(conn, title_ids)

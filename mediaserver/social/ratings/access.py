"""Which titles a profile sees (its rating cap and its account's libraries): ratings and
reviews of any other title answer 404, so a kids profile learns nothing of an adult title."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.accounts import Profile
from mediaserver.catalog import title_visible
from mediaserver.db.catalog_schema import titles
from mediaserver.errors import NotFound

GONE = "No such title, or none you may rate."


async def title_name(conn: AsyncConnection, profile: Profile, title_id: int) -> str:
    """The title's name, or NotFound when this profile does not see it."""
    query = sa.select(titles.c.title).where(titles.c.id == title_id, title_visible(profile))
    name = (await conn.execute(query)).scalar()
    if name is None:
        raise NotFound(GONE)
    return str(name)

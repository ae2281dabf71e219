"""Which titles a profile sees (its rating cap and its account's libraries): ratings and
reviews of any other title answer 404, so a kids profile learns nothing of an adult title."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.accounts import RATINGS, Profile, library_condition
from mediaserver.db.catalog_schema import titles
from mediaserver.errors import NotFound

GONE = "No such title, or none you may rate."


def title_visible(profile: Profile) -> sa.ColumnElement[bool]:
    """Titles this profile sees anywhere: not removed, within its rating cap (a capped profile
    never sees unrated titles) and in a library its account may see."""
    conditions = [
        titles.c.removed_at.is_(None),
        library_condition(profile.user_id, titles.c.library_id),
    ]
    if profile.max_rating is not None:
        allowed = RATINGS[: RATINGS.index(profile.max_rating) + 1]
        conditions.append(titles.c.maturity_rating.in_(allowed))
    return sa.and_(*conditions)


async def title_name(conn: AsyncConnection, profile: Profile, title_id: int) -> str:
    """The title's name, or NotFound when this profile does not see it."""
    query = sa.select(titles.c.title).where(titles.c.id == title_id, title_visible(profile))
    name = (await conn.execute(query)).scalar()
    if name is None:
        raise NotFound(GONE)
    return str(name)

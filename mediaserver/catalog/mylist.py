"""My List: the titles a profile saved. Every query is scoped to that one profile."""

from __future__ import annotations

import time

import sqlalchemy as sa

from mediaserver.accounts import Profile
from mediaserver.catalog.browse import TitleCard, card_select, fetch_cards, may_see_title
from mediaserver.db.catalog_schema import titles
from mediaserver.db.engine import Database
from mediaserver.db.viewer_schema import my_list
from mediaserver.errors import NotFound

MAX_ITEMS = 500


async def add(db: Database, profile: Profile, title_id: int) -> None:
    """Add a title (idempotent). A title the profile may not see is "not found", as by URL."""
    async with db.write() as conn:
        if not await may_see_title(conn, profile, title_id):
            raise NotFound("No such title.")
        already = await conn.scalar(
            sa.select(my_list.c.title_id).where(
                my_list.c.profile_id == profile.id, my_list.c.title_id == title_id
            )
        )
        if already is None:
            await conn.execute(
                my_list.insert().values(
                    profile_id=profile.id, title_id=title_id, added_at=time.time()
                )
            )


async def remove(db: Database, profile: Profile, title_id: int) -> None:
    """Remove a title from this profile's list (idempotent: absent is fine)."""
    async with db.write() as conn:
        await conn.execute(
            my_list.delete().where(
                my_list.c.profile_id == profile.id, my_list.c.title_id == title_id
            )
        )


async def cards(db: Database, profile: Profile, limit: int = MAX_ITEMS) -> list[TitleCard]:
    """The profile's list, newest addition first; titles it may no longer see are left out."""
    query = (
        card_select(profile)
        .join(my_list, my_list.c.title_id == titles.c.id)
        .where(my_list.c.profile_id == profile.id)
        .order_by(my_list.c.added_at.desc(), titles.c.id.desc())
        .limit(limit)
    )
    async with db.read() as conn:
        return await fetch_cards(conn, query)

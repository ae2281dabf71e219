"""Cold start: a new profile picks a few titles it likes (popular ones within its cap first),
which count as strong signals and queue a training run so its own picks follow."""

from __future__ import annotations

import sqlalchemy as sa
from aiohttp import web

from mediaserver.accounts import Profile
from mediaserver.catalog import TitleCard, cards_by_ids, title_visible
from mediaserver.db.catalog_schema import titles
from mediaserver.db.engine import Database
from mediaserver.db.social_ratings_schema import title_ratings
from mediaserver.errors import NotFound
from mediaserver.jobs import Queued
from mediaserver.keys import db_key
from mediaserver.recommend.reco import store, training

CHOICES = 30
MAX_PICKS = 50


async def may_see(db: Database, profile: Profile | None, title_id: int) -> bool:
    query = sa.select(titles.c.id).where(titles.c.id == title_id, title_visible(profile))
    async with db.read() as conn:
        return await conn.scalar(query) is not None


async def choices(db: Database, profile: Profile) -> list[TitleCard]:
    """Trending titles first, then the best rated, then the newest: all within the cap."""
    rated = (
        sa.select(titles.c.id)
        .outerjoin(title_ratings, title_ratings.c.title_id == titles.c.id)
        .where(title_visible(profile))
        .order_by(
            sa.func.coalesce(title_ratings.c.count, 0).desc(),
            titles.c.added_at.desc(),
            titles.c.id.desc(),
        )
        .limit(CHOICES * 2)
    )
    async with db.read() as conn:
        ids = await store.trending(conn, profile.id, CHOICES)
        ids += [i for i in (await conn.execute(rated)).scalars() if i not in ids]
        return (await cards_by_ids(conn, profile, ids))[:CHOICES]


async def pick(app: web.Application, profile: Profile, title_ids: list[int]) -> tuple[int, Queued]:
    """Keep the picks the profile may see and queue training: how many were kept, the job."""
    db = app[db_key]
    wanted = list(dict.fromkeys(title_ids))[:MAX_PICKS]
    query = sa.select(titles.c.id).where(titles.c.id.in_(wanted), title_visible(profile))
    async with db.read() as conn:
        allowed = set((await conn.execute(query)).scalars())
    kept = [t for t in wanted if t in allowed]
    if not kept:  # not found, like any title the profile may not see
        raise NotFound("None of those titles can be found.")
    await store.add_liked(db, profile.id, kept)
    return len(kept), await training.queue_training(app)

"""Clip queries."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa

from mediaserver.accounts import Profile
from mediaserver.catalog import title_visible
from mediaserver.db.catalog_schema import episodes, media_files, titles
from mediaserver.db.engine import Database
from mediaserver.db.schema import profiles
from mediaserver.db.social_clips_schema import clips
from mediaserver.social.clips.records import Clip

UNFINISHED = ("queued", "playable")  # the making job has work left
PLAYABLE = ("playable", "ready")  # its HLS playlist and poster are stored

_SELECT = (
    sa.select(clips, profiles.c.name.label("owner_name"), titles.c.title.label("title"))
    .outerjoin(profiles, profiles.c.id == clips.c.profile_id)
    .outerjoin(titles, titles.c.id == clips.c.title_id)
)


async def title_seen(db: Database, viewer: Profile, title_id: int) -> bool:
    """Whether the viewer sees the title at all (its rating cap, its account's libraries)."""
    query = sa.select(titles.c.id).where(titles.c.id == title_id, title_visible(viewer))
    async with db.read() as conn:
        return (await conn.execute(query)).first() is not None


async def file_facts(db: Database, media_file_id: int) -> Any:
    """The file's title (the series for an episode), duration and path, or None."""
    owner = sa.func.coalesce(media_files.c.title_id, episodes.c.series_id)
    query = (
        sa.select(owner.label("title_id"), media_files.c.duration_seconds, media_files.c.path,
                  media_files.c.removed_at)
        .select_from(media_files)
        .outerjoin(episodes, episodes.c.id == media_files.c.episode_id)
        .where(media_files.c.id == media_file_id)
    )  # fmt: skip
    async with db.read() as conn:
        return (await conn.execute(query)).first()


async def insert(db: Database, values: dict[str, Any]) -> Clip:
    async with db.write() as conn:
        inserted = await conn.execute(clips.insert().values(**values).returning(clips.c.id))
        new_id = inserted.scalar_one()
        return Clip.of((await conn.execute(_SELECT.where(clips.c.id == new_id))).one())


async def by_slug(db: Database, slug: str) -> Clip | None:
    async with db.read() as conn:
        row = (await conn.execute(_SELECT.where(clips.c.slug == slug))).first()
    return Clip.of(row) if row is not None else None


async def by_id(db: Database, clip_id: int) -> Clip | None:
    async with db.read() as conn:
        row = (await conn.execute(_SELECT.where(clips.c.id == clip_id))).first()
    return Clip.of(row) if row is not None else None


async def waiting(db: Database) -> list[int]:
    """Ids of the clips not made yet (or still without their MP4)."""
    async with db.read() as conn:
        query = sa.select(clips.c.id).where(clips.c.status.in_(UNFINISHED)).order_by(clips.c.id)
        return list((await conn.execute(query)).scalars())


async def finish(db: Database, clip_id: int, **values: Any) -> None:
    async with db.write() as conn:
        await conn.execute(clips.update().where(clips.c.id == clip_id).values(**values))


async def delete(db: Database, clip_id: int) -> None:
    async with db.write() as conn:
        await conn.execute(clips.delete().where(clips.c.id == clip_id))


async def listed(db: Database, *where: sa.ColumnElement[bool], limit: int = 100) -> list[Clip]:
    query = _SELECT.where(clips.c.status.in_(PLAYABLE), *where).order_by(clips.c.id.desc())
    async with db.read() as conn:
        return [Clip.of(r) for r in (await conn.execute(query.limit(limit))).all()]


def of_title(title_id: int) -> sa.ColumnElement[bool]:
    return clips.c.title_id == title_id


def of_profile(profile_id: int) -> sa.ColumnElement[bool]:
    return clips.c.profile_id == profile_id


def now() -> float:
    return time.time()

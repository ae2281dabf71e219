"""Queries of the offline_downloads table; rows become `Download` records here."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from mediaserver.db.catalog_schema import episodes, media_files, titles
from mediaserver.db.engine import Database
from mediaserver.db.offline_schema import offline_downloads as downloads
from mediaserver.db.schema import profiles, users
from mediaserver.offline.records import Download

_series = titles.alias("series")
_SELECT = (
    sa.select(
        downloads,
        titles.c.title.label("title_name"),
        _series.c.title.label("series_name"),
        episodes.c.season_number,
        episodes.c.episode_number,
        episodes.c.title.label("episode_title"),
        users.c.username,
        users.c.disabled.label("user_disabled"),
        profiles.c.name.label("profile_name"),
    )
    .select_from(downloads)
    .join(media_files, media_files.c.id == downloads.c.media_file_id)
    .outerjoin(titles, titles.c.id == media_files.c.title_id)
    .outerjoin(episodes, episodes.c.id == media_files.c.episode_id)
    .outerjoin(_series, _series.c.id == episodes.c.series_id)
    .join(users, users.c.id == downloads.c.user_id)
    .join(profiles, profiles.c.id == downloads.c.profile_id)
)


async def insert(db: Database, values: dict[str, Any]) -> Download:
    async with db.write() as conn:
        new_id = (
            await conn.execute(downloads.insert().values(**values).returning(downloads.c.id))
        ).scalar_one()
        return Download.of((await conn.execute(_SELECT.where(downloads.c.id == new_id))).one())


async def get(db: Database, download_id: int) -> Download | None:
    async with db.read() as conn:
        row = (await conn.execute(_SELECT.where(downloads.c.id == download_id))).first()
    return Download.of(row) if row else None


async def of_user(db: Database, user_id: int) -> list[Download]:
    query = _SELECT.where(downloads.c.user_id == user_id).order_by(downloads.c.id.desc())
    async with db.read() as conn:
        return [Download.of(r) for r in await conn.execute(query)]


async def everyone(db: Database, limit: int = 500) -> list[Download]:
    query = _SELECT.order_by(downloads.c.id.desc()).limit(limit)
    async with db.read() as conn:
        return [Download.of(r) for r in await conn.execute(query)]


async def held(db: Database, user_id: int, now: float) -> int:
    """Downloads the account holds now: neither revoked nor past their check-in."""
    query = sa.select(sa.func.count()).where(
        downloads.c.user_id == user_id,
        downloads.c.revoked_at.is_(None),
        downloads.c.expires_at > now,
    )
    async with db.read() as conn:
        return int(await conn.scalar(query) or 0)


async def update(db: Database, download_id: int, **values: Any) -> None:
    async with db.write() as conn:
        await conn.execute(downloads.update().where(downloads.c.id == download_id).values(**values))


async def revoke(db: Database, download_id: int, reason: str, now: float) -> bool:
    """Mark a download revoked (once); whether it was active before."""
    async with db.write() as conn:
        done = await conn.execute(
            downloads.update()
            .where(downloads.c.id == download_id, downloads.c.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason[:200])
        )
    return bool(done.rowcount)


async def delete(db: Database, download_id: int, user_id: int) -> bool:
    async with db.write() as conn:
        done = await conn.execute(
            downloads.delete().where(downloads.c.id == download_id, downloads.c.user_id == user_id)
        )
    return bool(done.rowcount)


async def purge(db: Database, before: float) -> int:
    """Forget downloads revoked, or overdue for check-in, before `before`."""
    stale = sa.or_(downloads.c.revoked_at < before, downloads.c.expires_at < before)
    async with db.write() as conn:
        return int((await conn.execute(downloads.delete().where(stale))).rowcount or 0)

"""What a profile may browse: visible titles, capped by a kids profile's maturity rating."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from mediaserver.accounts.profiles import RATINGS, Profile
from mediaserver.db.catalog_schema import episodes, libraries, media_files, titles
from mediaserver.db.engine import Database


@dataclass(frozen=True, slots=True)
class TitleCard:
    id: int
    kind: str
    title: str
    year: int | None
    maturity_rating: str | None
    # The main file of a movie (first part, not an extra), for the Play link; None for series.
    play_file_id: int | None


def allowed_ratings(profile: Profile | None) -> tuple[str, ...] | None:
    """The ratings a capped profile may see, lowest first; None when there is no cap."""
    if profile is None or profile.max_rating is None:
        return None
    return RATINGS[: RATINGS.index(profile.max_rating) + 1]


def rating_condition(profile: Profile | None) -> sa.ColumnElement[bool]:
    """Titles this profile may see. A capped profile never sees unrated titles."""
    allowed = allowed_ratings(profile)
    return sa.true() if allowed is None else titles.c.maturity_rating.in_(allowed)


async def library_count(db: Database) -> int:
    async with db.read() as conn:
        return (await conn.execute(sa.select(sa.func.count()).select_from(libraries))).scalar_one()


async def recently_added(db: Database, profile: Profile | None, limit: int = 24) -> list[TitleCard]:
    main_file = (
        sa.select(sa.func.min(media_files.c.id))
        .where(
            media_files.c.title_id == titles.c.id,
            media_files.c.status == "ok",
            media_files.c.extra_kind.is_(None),
            media_files.c.episode_id.is_(None),
            sa.func.coalesce(media_files.c.part, 1) == 1,
        )
        .scalar_subquery()
    )
    query = (
        sa.select(
            titles.c.id,
            titles.c.kind,
            titles.c.title,
            titles.c.year,
            titles.c.maturity_rating,
            main_file.label("play_file_id"),
        )
        .where(titles.c.removed_at.is_(None), rating_condition(profile))
        .order_by(titles.c.added_at.desc(), titles.c.id.desc())
        .limit(limit)
    )
    async with db.read() as conn:
        rows = (await conn.execute(query)).all()
    return [TitleCard(*row) for row in rows]


async def may_watch_file(db: Database, profile: Profile | None, media_file_id: int) -> bool:
    """Whether this profile may play this file: its title is not removed and is within the
    profile's rating cap. A capped (kids) profile never plays a file without a rated title.

    The caller answers "not found" either way, so a kids profile asking for an adult title by
    URL learns nothing.
    """
    owner = sa.func.coalesce(media_files.c.title_id, episodes.c.series_id)
    query = (
        sa.select(titles.c.id, titles.c.removed_at, titles.c.maturity_rating)
        .select_from(media_files)
        .outerjoin(episodes, episodes.c.id == media_files.c.episode_id)
        .outerjoin(titles, titles.c.id == owner)
        .where(media_files.c.id == media_file_id)
    )
    async with db.read() as conn:
        row = (await conn.execute(query)).first()
    if row is None or row.removed_at is not None:
        return False
    allowed = allowed_ratings(profile)
    return allowed is None or (row.id is not None and row.maturity_rating in allowed)

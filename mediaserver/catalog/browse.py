"""What a profile may browse: visible titles, capped by a kids profile's maturity rating."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from mediaserver.accounts.profiles import RATINGS, Profile
from mediaserver.db.catalog_schema import libraries, media_files, titles
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


def rating_condition(profile: Profile | None) -> sa.ColumnElement[bool]:
    """Titles this profile may see. A capped profile never sees unrated titles."""
    if profile is None or profile.max_rating is None:
        return sa.true()
    allowed = RATINGS[: RATINGS.index(profile.max_rating) + 1]
    return titles.c.maturity_rating.in_(allowed)


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

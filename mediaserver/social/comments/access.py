"""Which thread a request names, if the profile may see it (404 otherwise, so a kids profile
learns nothing of an adult title), and whether comments are on there."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.accounts import Profile
from mediaserver.catalog import playable_file, title_visible
from mediaserver.db.catalog_schema import episodes, media_files, titles
from mediaserver.db.social_comments_schema import comment_blocks, comments_off
from mediaserver.errors import NotFound
from mediaserver.social.comments.records import Thread

GONE = "No such title, or it has no comments you may read."


def _first_file(*where: sa.ColumnElement[bool]) -> sa.ScalarSelect[int]:
    query = sa.select(sa.func.min(media_files.c.id)).where(*where, *playable_file())
    return query.scalar_subquery()


async def thread_of(
    conn: AsyncConnection, profile: Profile, title_id: int, episode_id: int | None
) -> Thread:
    """The thread, or NotFound when the title (or episode) is not one this profile sees."""
    movie_file = _first_file(
        media_files.c.title_id == titles.c.id,
        media_files.c.episode_id.is_(None),
        sa.func.coalesce(media_files.c.part, 1) == 1,
    )
    row = (
        await conn.execute(
            sa.select(titles.c.id, titles.c.title, titles.c.library_id, titles.c.kind,
                      movie_file.label("file_id"))
            .where(titles.c.id == title_id, title_visible(profile))
        )
    ).first()  # fmt: skip
    if row is None or (episode_id is not None and row.kind != "series"):
        raise NotFound(GONE)
    if episode_id is None:
        file_id = row.file_id if row.kind == "movie" else None
        return Thread(row.id, row.title, row.library_id, None, None, file_id)
    ep = (
        await conn.execute(
            sa.select(episodes.c.season_number, episodes.c.episode_number, episodes.c.title,
                      _first_file(media_files.c.episode_id == episodes.c.id).label("file_id"))
            .where(episodes.c.id == episode_id, episodes.c.series_id == title_id,
                   episodes.c.removed_at.is_(None))
        )
    ).first()  # fmt: skip
    if ep is None:
        raise NotFound(GONE)
    label = f"S{ep.season_number}E{ep.episode_number}" + (f" {ep.title}" if ep.title else "")
    return Thread(row.id, row.title, row.library_id, episode_id, label, ep.file_id)


async def comments_allowed(conn: AsyncConnection, thread: Thread) -> bool:
    """Not turned off for this title or its library (the server-wide switch is the caller's)."""
    off = sa.select(comments_off.c.id).where(
        sa.or_(comments_off.c.title_id == thread.title_id,
               comments_off.c.library_id == thread.library_id)
    )  # fmt: skip
    return (await conn.execute(off.limit(1))).first() is None


async def is_blocked(conn: AsyncConnection, user_id: int) -> bool:
    query = sa.select(comment_blocks.c.user_id).where(comment_blocks.c.user_id == user_id)
    return (await conn.execute(query)).first() is not None

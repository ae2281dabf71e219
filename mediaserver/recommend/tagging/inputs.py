"""What a title's analysis reads: its main file (a movie's, or a series' first episode's), the
file's best text subtitle track and the description; checked to lie inside its library."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.catalog import playable_file
from mediaserver.db.catalog_schema import (
    episodes,
    libraries,
    media_files,
    subtitle_tracks,
    titles,
)
from mediaserver.db.engine import Database
from mediaserver.recommend.tagging.analysis import MediaInput
from mediaserver.safe_paths import file_inside, from_db_path, library_roots

ENGLISH = ("en", "eng")


@dataclass(frozen=True, slots=True)
class TitleInput:
    title_id: int
    title: str
    media_file_id: int | None  # None: nothing playable, the description alone is read
    media: MediaInput


async def _main_file(conn: AsyncConnection, title_id: int) -> sa.Row | None:
    mf = media_files.c
    query = (
        sa.select(mf.id, mf.path, mf.duration_seconds, libraries.c.paths, mf.library_id)
        .join(libraries, libraries.c.id == mf.library_id)
        .outerjoin(episodes, episodes.c.id == mf.episode_id)
        .where(
            sa.or_(mf.title_id == title_id, episodes.c.series_id == title_id),
            *playable_file(),
            episodes.c.removed_at.is_(None),
        )
        .order_by(
            episodes.c.season_number.nulls_first(),
            episodes.c.episode_number,
            sa.func.coalesce(mf.part, 1),
            mf.id,
        )
        .limit(1)
    )
    return (await conn.execute(query)).first()


async def _subtitle(conn: AsyncConnection, media_file_id: int) -> sa.Row | None:
    st = subtitle_tracks.c
    english = sa.case((sa.func.lower(sa.func.coalesce(st.language, "")).in_(ENGLISH), 0), else_=1)
    query = (
        sa.select(st.source, st.path, st.stream_index)
        .where(st.media_file_id == media_file_id, ~st.is_bitmap, ~st.is_forced)
        .order_by(english, st.is_sdh, st.is_default.desc(), st.id)
        .limit(1)
    )
    return (await conn.execute(query)).first()


async def load_input(db: Database, title_id: int, data_dir: Path) -> TitleInput | None:
    """None when the title is gone."""
    async with db.read() as conn:
        title = (
            await conn.execute(
                sa.select(titles.c.title, titles.c.description).where(
                    titles.c.id == title_id, titles.c.removed_at.is_(None)
                )
            )
        ).first()
        if title is None:
            return None
        main = await _main_file(conn, title_id)
        sub = await _subtitle(conn, main.id) if main is not None else None
    path = sidecar = None
    if main is not None:
        roots = library_roots(main.paths, main.library_id, data_dir)
        path = await asyncio.to_thread(file_inside, from_db_path(main.path), roots)
        if sub is not None and sub.source == "sidecar" and sub.path:
            sidecar = await asyncio.to_thread(file_inside, from_db_path(sub.path), roots)
    if path is None:  # nothing to look at or listen to: the description alone
        media = MediaInput("", None, None, None, title.description or "")
        return TitleInput(title_id, title.title, None, media)
    stream = sub.stream_index if sub is not None and sub.source == "embedded" else None
    media = MediaInput(path, main.duration_seconds, sidecar, stream, title.description or "")
    return TitleInput(title_id, title.title, main.id, media)

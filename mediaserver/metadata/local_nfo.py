"""Which of a title's fields its NFO file sets: those the provider leaves alone (unless an admin
prefers the provider for that title)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import sqlalchemy as sa

from mediaserver.db.catalog_schema import media_files
from mediaserver.db.engine import Database
from mediaserver.library import NfoData, NfoError, read_nfo
from mediaserver.safe_paths import from_db_path

NFO_FIELDS = {
    "title": "title",
    "original_title": "original_title",
    "sort_title": "sort_title",
    "year": "year",
    "plot": "description",
    "outline": "description",
    "tagline": "tagline",
    "maturity_rating": "maturity_rating",
    "community_rating": "community_rating",
    "genres": "genres",
    "actors": "people",
    "directors": "people",
    "studios": "studios",
}


def _candidates(video: Path, kind: str) -> list[Path]:
    if kind == "series":
        return [video.parent / "tvshow.nfo", video.parent.parent / "tvshow.nfo"]
    return [video.with_suffix(".nfo"), video.parent / "movie.nfo"]


def _read(video: Path, kind: str) -> NfoData | None:
    for path in _candidates(video, kind):
        if path.is_file():
            try:
                return read_nfo(path)
            except NfoError:
                return None
    return None


def fields_of(nfo: NfoData | None) -> frozenset[str]:
    if nfo is None:
        return frozenset()
    return frozenset(ours for attr, ours in NFO_FIELDS.items() if getattr(nfo, attr))


async def nfo_fields(db: Database, title_id: int, kind: str) -> frozenset[str]:
    """The fields the title's NFO (movie NFO or tvshow.nfo) gives a value to."""
    async with db.read() as conn:
        path = await conn.scalar(
            sa.select(media_files.c.path)
            .where(media_files.c.title_id == title_id, media_files.c.removed_at.is_(None))
            .order_by(media_files.c.extra_kind.is_not(None), media_files.c.id)
            .limit(1)
        )
    if path is None:
        return frozenset()
    nfo = await asyncio.to_thread(_read, Path(from_db_path(path)), kind)
    return fields_of(nfo)

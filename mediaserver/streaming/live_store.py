"""The probed facts an on-the-fly session needs about a file's main video stream."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from mediaserver.db.catalog_schema import media_streams
from mediaserver.db.engine import Database


@dataclass(frozen=True)
class VideoGeometry:
    index: int
    codec: str
    profile: str | None
    level: int | None
    width: int
    height: int
    sample_aspect: str | None
    rotation: int
    frame_rate: float | None
    bitrate: int | None


async def video_geometry(db: Database, media_file_id: int, index: int) -> VideoGeometry | None:
    """Stream `index` of the file as probed, or None when it is not a video stream."""
    c = media_streams.c
    query = sa.select(
        c.stream_index,
        c.codec,
        c.profile,
        c.level,
        c.width,
        c.height,
        c.sample_aspect,
        c.rotation,
        c.frame_rate,
        c.bitrate,
    ).where(c.media_file_id == media_file_id, c.stream_index == index, c.kind == "video")
    async with db.read() as conn:
        row = (await conn.execute(query)).first()
    if row is None or not row.width or not row.height:
        return None
    return VideoGeometry(
        index=row.stream_index,
        codec=row.codec or "",
        profile=row.profile,
        level=row.level,
        width=row.width,
        height=row.height,
        sample_aspect=row.sample_aspect,
        rotation=int(row.rotation or 0),
        frame_rate=row.frame_rate,
        bitrate=row.bitrate,
    )

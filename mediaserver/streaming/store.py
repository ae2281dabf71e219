"""Streaming's queries: a media file as playback needs it (streams, subtitles, chapters, title).

Every function is one short read; nothing here touches the filesystem or PyAV.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from mediaserver.db.catalog_schema import (
    chapters,
    episodes,
    libraries,
    media_files,
    media_streams,
    subtitle_tracks,
    titles,
)
from mediaserver.db.engine import Database
from mediaserver.packaging import SubtitleSource as SubtitleTrack
from mediaserver.packaging import subtitle_source
from mediaserver.safe_paths import from_db_path, library_roots
from mediaserver.streaming.decision import AudioInfo, SourceInfo, main_video
from mediaserver.streaming.stream_facts import StreamFacts


@dataclass(frozen=True, slots=True)
class Chapter:
    title: str | None
    start: float
    end: float | None


@dataclass(frozen=True, slots=True)
class PlayableFile:
    """A media file with everything the decision and the media routes need."""

    source: SourceInfo
    path: str  # OS path (surrogate escapes kept)
    roots: tuple[str, ...]  # the library's roots (safe_paths.library_roots): the file stays inside
    size: int
    mtime: float
    duration_seconds: float | None
    title: str
    subtitles: tuple[SubtitleTrack, ...] = ()
    chapters: tuple[Chapter, ...] = ()

    @property
    def media_file_id(self) -> int:
        return self.source.media_file_id


def _display_title(row: sa.Row) -> str:
    if row.episode_id is not None and row.owner_title:
        code = f"S{row.season_number:02d}E{row.episode_number:02d}"
        name = f" · {row.episode_title}" if row.episode_title else ""
        return f"{row.owner_title} · {code}{name}"
    if row.owner_title:
        return row.owner_title
    return os.path.basename(row.display_path) or "Untitled"


def _stream_facts(s: sa.Row) -> StreamFacts:
    """A `media_streams` row of a video stream as the decision and the live code read it."""
    return StreamFacts(
        index=s.stream_index,
        codec=s.codec or "",
        profile=s.profile,
        level=s.level,
        width=s.width or 0,
        height=s.height or 0,
        bit_depth=s.bit_depth,
        interlaced=bool(s.interlaced),
        sample_aspect=s.sample_aspect,
        rotation=int(s.rotation or 0),
        frame_rate=s.frame_rate,
        bitrate=s.bitrate,
    )


async def load_playable(db: Database, media_file_id: int, data_dir: Path) -> PlayableFile | None:
    """The file, unless it is unknown, removed, missing or failed; `data_dir` holds the
    library's upload folder, one of its roots."""
    mf, ep, st = media_files, episodes, media_streams
    owner = sa.func.coalesce(mf.c.title_id, ep.c.series_id)
    query = (
        sa.select(
            mf.c.id,
            mf.c.path,
            mf.c.display_path,
            mf.c.size,
            mf.c.mtime,
            mf.c.status,
            mf.c.removed_at,
            mf.c.container,
            mf.c.duration_seconds,
            mf.c.bitrate,
            mf.c.episode_id,
            mf.c.library_id,
            libraries.c.paths,
            titles.c.title.label("owner_title"),
            ep.c.title.label("episode_title"),
            ep.c.season_number,
            ep.c.episode_number,
        )
        .join(libraries, libraries.c.id == mf.c.library_id)
        .outerjoin(ep, ep.c.id == mf.c.episode_id)
        .outerjoin(titles, titles.c.id == owner)
        .where(mf.c.id == media_file_id)
    )
    async with db.read() as conn:
        row = (await conn.execute(query)).first()
        if row is None or row.removed_at is not None or row.status != "ok":
            return None
        streams = (
            await conn.execute(
                sa.select(st).where(st.c.media_file_id == media_file_id).order_by(st.c.stream_index)
            )
        ).all()
        subs = (
            await conn.execute(
                sa.select(subtitle_tracks)
                .where(subtitle_tracks.c.media_file_id == media_file_id)
                .order_by(subtitle_tracks.c.id)
            )
        ).all()
        marks = (
            await conn.execute(
                sa.select(chapters)
                .where(chapters.c.media_file_id == media_file_id)
                .order_by(chapters.c.position)
            )
        ).all()
    videos = [_stream_facts(s) for s in streams if s.kind == "video"]
    audio = tuple(
        AudioInfo(
            s.stream_index, s.codec or "", s.channels, s.language, s.title, bool(s.is_default)
        )
        for s in streams
        if s.kind == "audio"
    )
    video = main_video(videos)
    path = from_db_path(row.path)
    source = SourceInfo(
        media_file_id=row.id,
        container=(row.container or "").lower(),
        extension=os.path.splitext(path)[1].lower(),
        video=video,
        audio=audio,
        bitrate=row.bitrate,
    )
    return PlayableFile(
        source=source,
        path=path,
        roots=library_roots(row.paths or (), row.library_id, data_dir),
        size=row.size,
        mtime=row.mtime,
        duration_seconds=row.duration_seconds,
        title=_display_title(row),
        subtitles=tuple(subtitle_source(s) for s in subs),
        chapters=tuple(Chapter(c.title, c.start_seconds, c.end_seconds) for c in marks),
    )

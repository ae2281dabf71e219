"""A scanned file's rows: the media_files row itself and what hangs off it (streams, subtitle
tracks, chapters) and local artwork of a title, season or episode. Used by `catalog_writer`;
genres, people and the search document are in `catalog_tags`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.db.catalog_schema import (
    chapters,
    images,
    media_files,
    media_streams,
    subtitle_tracks,
)
from mediaserver.library.scan.analysis import Analysis
from mediaserver.library.scan.store import KnownFile
from mediaserver.media.probe_result import ProbeResult
from mediaserver.safe_paths import display_path, stays_inside, to_db_path

# Embedded subtitle codecs -> subtitle_tracks.format.
SUBTITLE_CODECS = {
    "subrip": "srt",
    "srt": "srt",
    "ass": "ass",
    "ssa": "ssa",
    "webvtt": "vtt",
    "mov_text": "mov_text",
    "hdmv_pgs_subtitle": "pgs",
    "dvd_subtitle": "sub_idx",
    "dvb_subtitle": "dvb",
}


def cut(value: Any, limit: int) -> Any:
    return value[:limit] if isinstance(value, str) else value


def _lang(value: str | None) -> str | None:
    return cut(value, 16) if value else None


async def replace_streams(
    conn: AsyncConnection, file_id: int, probe: ProbeResult, *, fresh: bool = False
) -> None:
    """The file's streams, embedded subtitle tracks and chapters, as the probe saw them.
    `fresh`: the file row is new, there is nothing to delete first."""
    if not fresh:
        for table in (media_streams, chapters):
            await conn.execute(table.delete().where(table.c.media_file_id == file_id))
        await conn.execute(
            subtitle_tracks.delete().where(
                subtitle_tracks.c.media_file_id == file_id, subtitle_tracks.c.source == "embedded"
            )
        )
    rows: list[dict[str, Any]] = []
    for v in probe.video:
        rows.append(
            _stream(file_id, v.index, "video", v.codec, v.language, v.title, v.default, v.forced)
            | {
                "profile": cut(v.profile, 64),
                "level": v.level,
                "width": v.width,
                "height": v.height,
                "sample_aspect": cut(v.sample_aspect, 16),
                "display_aspect": cut(v.display_aspect, 16),
                "frame_rate": v.frame_rate,
                "bit_depth": v.bit_depth,
                "pixel_format": cut(v.pixel_format, 32),
                "hdr_transfer": cut(v.hdr_transfer, 32),
                "rotation": v.rotation,
                "interlaced": v.interlaced,
                "bitrate": v.bitrate,
            }
        )
    for a in probe.audio:
        rows.append(
            _stream(file_id, a.index, "audio", a.codec, a.language, a.title, a.default, False)
            | {
                "profile": cut(a.profile, 64),
                "channels": a.channels,
                "channel_layout": cut(a.channel_layout, 32),
                "sample_rate": a.sample_rate,
                "bitrate": a.bitrate,
            }
        )
    subs: list[dict[str, Any]] = []
    for s in probe.subtitles:
        rows.append(
            _stream(file_id, s.index, "subtitle", s.codec, s.language, s.title, s.default, s.forced)
        )
        subs.append(
            {
                "media_file_id": file_id,
                "source": "embedded",
                "stream_index": s.index,
                "path": None,
                "format": SUBTITLE_CODECS.get(s.codec, "other"),
                "language": _lang(s.language),
                "is_forced": s.forced,
                "is_default": s.default,
                "is_sdh": "sdh" in (s.title or "").lower(),
                "is_bitmap": s.is_bitmap,
            }
        )
    for o in probe.other:
        kind = o.kind if o.kind in ("attachment", "data") else "data"
        rows.append(_stream(file_id, o.index, kind, o.codec, None, o.filename, False, False))
    if rows:
        await conn.execute(media_streams.insert(), _uniform(rows))
    if subs:
        await conn.execute(subtitle_tracks.insert(), subs)
    if probe.chapters:
        await conn.execute(
            chapters.insert(),
            [
                {
                    "media_file_id": file_id,
                    "position": c.position,
                    "title": cut(c.title, 500),
                    "start_seconds": c.start_seconds,
                    "end_seconds": c.end_seconds,
                }
                for c in probe.chapters
            ],
        )


def _stream(
    file_id: int,
    index: int,
    kind: str,
    codec: str | None,
    language: str | None,
    title: str | None,
    default: bool,
    forced: bool,
) -> dict[str, Any]:
    return {
        "media_file_id": file_id,
        "stream_index": index,
        "kind": kind,
        "codec": cut(codec, 64),
        "language": _lang(language),
        "title": cut(title, 500),
        "is_default": bool(default),
        "is_forced": bool(forced),
        "interlaced": False,  # every row names the same columns (one executemany)
    }


_STREAM_COLUMNS = [c.name for c in media_streams.c if c.name != "id"]


def _uniform(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """executemany needs the same keys in every row."""
    return [{k: row.get(k) for k in _STREAM_COLUMNS} for row in rows]


async def replace_sidecar_subtitles(
    conn: AsyncConnection, file_id: int, sidecars: Any, root: str, *, fresh: bool = False
) -> None:
    if not fresh:
        await conn.execute(
            subtitle_tracks.delete().where(
                subtitle_tracks.c.media_file_id == file_id, subtitle_tracks.c.source == "sidecar"
            )
        )
    subs = getattr(sidecars, "subtitles", ()) or ()
    rows = [
        {
            "media_file_id": file_id,
            "source": "sidecar",
            "stream_index": None,
            "path": to_db_path(os.fspath(s.path)),
            "format": cut(s.format, 16),
            "language": _lang(s.language),
            "is_forced": s.is_forced,
            "is_default": s.is_default,
            "is_sdh": s.is_sdh,
            "is_bitmap": s.is_bitmap,
        }
        for s in subs
        if stays_inside(s.path, root)
    ]
    if rows:
        await conn.execute(subtitle_tracks.insert(), rows)


async def replace_local_images(
    conn: AsyncConnection,
    artwork: Sequence[Any],
    root: str,
    now: float,
    *,
    fresh: bool = False,
    title_id: int | None = None,
    season_id: int | None = None,
    episode_id: int | None = None,
) -> None:
    """Local artwork of one title, season or episode; an admin's upload stays selected."""
    if title_id is not None:
        owner = images.c.title_id == title_id
        owner_cond = [owner, images.c.season_id.is_(None), images.c.episode_id.is_(None)]
    elif season_id is not None:
        owner_cond = [images.c.season_id == season_id]
    else:
        owner_cond = [images.c.episode_id == episode_id]
    uploaded: set[str] = set()
    if not fresh:
        await conn.execute(images.delete().where(*owner_cond, images.c.source == "local"))
        uploaded = set(
            (
                await conn.execute(
                    sa.select(images.c.kind).where(
                        *owner_cond, images.c.source == "upload", images.c.is_selected.is_(True)
                    )
                )
            ).scalars()
        )
    if not artwork:
        return
    rows: list[dict[str, Any]] = []
    chosen: set[str] = set()
    for art in artwork:
        if not stays_inside(art.path, root):
            continue
        selected = art.kind not in uploaded and art.kind not in chosen
        chosen.add(art.kind)
        rows.append(
            {
                "title_id": title_id,
                "season_id": season_id,
                "episode_id": episode_id,
                "kind": art.kind,
                "source": "local",
                "location": to_db_path(os.fspath(art.path)),
                "is_selected": selected,
                "created_at": now,
            }
        )
    if rows:
        await conn.execute(images.insert(), rows)


async def write_file_row(
    conn: AsyncConnection,
    library_id: int,
    a: Analysis,
    known: KnownFile | None,
    now: float,
    *,
    title_id: int | None = None,
    episode_id: int | None = None,
    error: str | None = None,
) -> int:
    """Insert or update the media_files row of an analysed file (failed with `error`); its id."""
    f, g = a.found, a.guess
    values: dict[str, Any] = {
        "path": to_db_path(f.path),
        "display_path": display_path(f.path),
        "size": f.size,
        "mtime": f.mtime,
        "device": f.device,
        "inode": f.inode,
        "status": "failed" if error else "ok",
        "error": error,
        "title_id": title_id,
        "episode_id": episode_id,
        "part": g.part if g is not None and error is None else None,
        "extra_kind": g.extra_kind if g is not None and error is None else None,
        "last_seen_at": now,
        "removed_at": None,
    }
    if a.probed:
        p = a.probe
        values |= {
            "container": cut(getattr(p, "container", None), 64),
            "duration_seconds": getattr(p, "duration_seconds", None),
            "bitrate": getattr(p, "bitrate", None),
            "probe": p.to_json() if p is not None else None,
            "probed_at": now,
        }
    if known is not None:
        await conn.execute(media_files.update().where(media_files.c.id == known.id).values(values))
        return known.id
    return (
        await conn.execute(
            media_files.insert()
            .values(library_id=library_id, first_seen_at=now, **values)
            .returning(media_files.c.id)
        )
    ).scalar_one()

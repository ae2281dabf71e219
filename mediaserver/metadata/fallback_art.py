"""A poster for every title, provider or not: when a title has no selected poster (no local
artwork file, no upload, no provider image), its cover art embedded in the file (a Matroska
attachment named like cover/poster, an MP4 `covr`/attached picture) is used, else the best
still the poster picker takes from the video (the one packaging uses). A series uses its first
episode. Stored as "generated" images; runs in a thread, in the background job."""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from pathlib import Path

import av
import av.stream
import sqlalchemy as sa
from aiohttp import web

from mediaserver.db.catalog_schema import episodes, images, media_files
from mediaserver.db.image_owner_lock import lock_image_owner
from mediaserver.keys import db_key, storage_key
from mediaserver.media.posters import make_poster_candidates
from mediaserver.media.sniff import MediaRejected, open_media
from mediaserver.metadata.artwork import ImageRefused, store_image
from mediaserver.safe_paths import from_db_path

log = logging.getLogger(__name__)

MAX_COVER_BYTES = 20 * 1024 * 1024
COVER_NAMES = ("cover", "poster", "folder", "front")


def embedded_cover(path: Path) -> bytes | None:
    """The bytes of the cover picture stored in the file, if any. Blocking."""
    try:
        with open_media(path) as (container, _sniffed):
            attachments = [
                s for s in container.streams
                if isinstance(s, av.stream.AttachmentStream)
                and str(s.mimetype or "").startswith("image/")
            ]  # fmt: skip
            attachments.sort(
                key=lambda s: not any(n in str(s.name or "").lower() for n in COVER_NAMES)
            )
            for s in attachments:
                data = bytes(s.data or b"")
                if 0 < len(data) <= MAX_COVER_BYTES:
                    return data
            for s in container.streams.video:
                if s.disposition & av.stream.Disposition.attached_pic:
                    for packet in container.demux(s):
                        data = bytes(packet)
                        if 0 < len(data) <= MAX_COVER_BYTES:
                            return data
                        break
    except (MediaRejected, av.FFmpegError, OSError, ValueError):
        return None
    return None


def video_still(path: Path) -> bytes | None:
    """The best still the poster picker finds (JPEG bytes), or None. Blocking."""
    with tempfile.TemporaryDirectory(prefix="poster-") as tmp:
        try:
            candidates = make_poster_candidates(path, Path(tmp), count=3, widths=(640,))
        except (MediaRejected, OSError, ValueError):
            return None
        files = candidates[0].files if candidates else {}
        name = next(
            (n for (w, fmt), n in sorted(files.items(), reverse=True) if fmt == "jpeg"), None
        )
        return (Path(tmp) / name).read_bytes() if name else None


async def _main_file(app: web.Application, title_id: int, kind: str) -> Path | None:
    query = sa.select(media_files.c.path).where(
        media_files.c.status == "ok", media_files.c.removed_at.is_(None),
        media_files.c.extra_kind.is_(None),
    )  # fmt: skip
    if kind == "series":
        query = (
            query.join(episodes, episodes.c.id == media_files.c.episode_id)
            .where(episodes.c.series_id == title_id)
            .order_by(episodes.c.season_number == 0, episodes.c.season_number,
                      episodes.c.episode_number)
        )  # fmt: skip
    else:
        query = query.where(media_files.c.title_id == title_id).order_by(
            media_files.c.part.nulls_first(), media_files.c.id
        )
    async with app[db_key].read() as conn:
        found = await conn.scalar(query.limit(1))
    return Path(from_db_path(found)) if found else None


async def _selected(app: web.Application, title_id: int) -> tuple[str, str] | None:
    """(source, location) of the title's selected poster, if it has one."""
    async with app[db_key].read() as conn:
        row = (
            await conn.execute(
                sa.select(images.c.source, images.c.location)
                .where(
                    images.c.title_id == title_id, images.c.kind == "poster",
                    images.c.is_selected.is_(True), images.c.season_id.is_(None),
                    images.c.episode_id.is_(None),
                )
                .limit(1)
            )
        ).first()  # fmt: skip
    return (row[0], row[1]) if row is not None else None


async def ensure_poster(app: web.Application, title_id: int, kind: str) -> bool:
    """Give the title a poster from its own file when it has none, or only a video still (the
    file's embedded cover art beats a still, whoever took it); True when it has one after."""
    selected = await _selected(app, title_id)
    if selected is not None and (selected[0] != "generated" or "/embedded/" in selected[1]):
        return True
    path = await _main_file(app, title_id, kind)
    if path is None:
        return selected is not None
    data = await asyncio.to_thread(embedded_cover, path)
    how = "embedded"
    if data is None:
        if selected is not None:
            return True  # a still already: no need for another
        data, how = await asyncio.to_thread(video_still, path), "still"
    if data is None:
        return False
    try:
        stored = await store_image(
            app[storage_key], f"images/titles/{title_id}/{how}", "poster", data
        )
    except ImageRefused as exc:
        log.info("title %s: %s poster refused: %s", title_id, how, exc)
        return selected is not None
    async with app[db_key].write() as conn:
        await lock_image_owner(conn, title_id=title_id)
        owner = sa.and_(
            images.c.title_id == title_id, images.c.kind == "poster",
            images.c.season_id.is_(None), images.c.episode_id.is_(None),
        )  # fmt: skip
        # Looked at again under the lock: a provider's or the admin's poster chosen meanwhile
        # wins over this one, and a still never replaces any poster chosen meanwhile.
        chosen_now = await conn.scalar(
            sa.select(images.c.source).where(owner, images.c.is_selected.is_(True)).limit(1)
        )
        if chosen_now is not None and (chosen_now != "generated" or how == "still"):
            return True
        await conn.execute(images.update().where(owner).values(is_selected=False))
        await conn.execute(
            images.insert().values(
                title_id=title_id, kind="poster", source="generated",
                location=stored.location, width=stored.width, height=stored.height,
                is_selected=True, created_at=time.time(),
            )
        )  # fmt: skip
    return True

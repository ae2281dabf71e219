"""Poster images an admin uploads: sniffed by their first bytes, decoded once with PyAV to prove
they are a real JPEG, PNG or WebP of sane dimensions, then stored under a random storage key.

The demuxer is chosen from our own sniffing (a fixed table), never from the client's file name or
content type, and only single-image pipe demuxers are used: nothing here can open another file.
"""

from __future__ import annotations

import asyncio
import io
import secrets
import time
from dataclasses import dataclass

import av
import sqlalchemy as sa

from mediaserver.db.catalog_schema import images
from mediaserver.db.engine import Database
from mediaserver.errors import BadRequest
from mediaserver.storage.base import Storage

MAX_BYTES = 10 * 1024 * 1024
MAX_SIDE = 8000
MAX_PIXELS = 40_000_000
MIN_SIDE = 16
# magic -> (demuxer, extension)
_KINDS = (
    (b"\xff\xd8\xff", "jpeg_pipe", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "png_pipe", "png"),
)


def sniff_image(data: bytes) -> tuple[str, str]:
    """(demuxer, extension) for JPEG, PNG or WebP bytes; BadRequest for anything else."""
    for magic, demuxer, ext in _KINDS:
        if data.startswith(magic):
            return demuxer, ext
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp_pipe", "webp"
    raise BadRequest("The poster must be a JPEG, PNG or WebP image.", field="poster")


def check_image(data: bytes) -> tuple[str, int, int]:
    """Decode the first frame; return (extension, width, height). Blocking: run in a thread."""
    if not data:
        raise BadRequest("Choose an image file.", field="poster")
    if len(data) > MAX_BYTES:
        raise BadRequest(f"The poster is larger than {MAX_BYTES >> 20} MB.", field="poster")
    demuxer, ext = sniff_image(data)
    try:
        with av.open(io.BytesIO(data), format=demuxer, options={"probesize": "32"}) as container:
            stream = container.streams.video[0]
            width, height = stream.codec_context.width, stream.codec_context.height
            _check_size(width, height)
            frame = next(container.decode(stream), None)
    except BadRequest:
        raise
    except (av.FFmpegError, IndexError, StopIteration, ValueError, OSError):
        raise BadRequest("The poster image is damaged or not an image.", field="poster") from None
    if frame is None:
        raise BadRequest("The poster image has no picture in it.", field="poster")
    _check_size(frame.width, frame.height)
    return ext, frame.width, frame.height


def _check_size(width: int, height: int) -> None:
    if width and height and (width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS):
        raise BadRequest(f"The poster is larger than {MAX_SIDE}×{MAX_SIDE} pixels.", field="poster")
    if width and height and (width < MIN_SIDE or height < MIN_SIDE):
        raise BadRequest("The poster is too small.", field="poster")


async def save_poster(db: Database, storage: Storage, title_id: int, data: bytes) -> str:
    """Validate, store and select an uploaded poster; return its storage key."""
    ext, width, height = await asyncio.to_thread(check_image, data)
    key = f"images/titles/{title_id}/poster-{secrets.token_hex(8)}.{ext}"
    await storage.put_bytes(key, data)
    async with db.write() as conn:
        await conn.execute(
            images.update()
            .where(images.c.title_id == title_id, images.c.kind == "poster")
            .values(is_selected=False)
        )
        await conn.execute(
            images.insert().values(
                title_id=title_id,
                kind="poster",
                source="upload",
                location=key,
                width=width,
                height=height,
                is_selected=True,
                created_at=time.time(),
            )
        )
    return key


@dataclass(frozen=True, slots=True)
class SelectedPoster:
    source: str
    location: str
    width: int | None
    height: int | None


async def selected_poster(db: Database, title_id: int) -> SelectedPoster | None:
    """The title's own selected poster (not a season's or episode's), newest first."""
    async with db.read() as conn:
        row = (
            await conn.execute(
                sa.select(images.c.source, images.c.location, images.c.width, images.c.height)
                .where(
                    images.c.title_id == title_id,
                    images.c.kind == "poster",
                    images.c.is_selected.is_(True),
                    images.c.season_id.is_(None),
                    images.c.episode_id.is_(None),
                )
                .order_by(images.c.id.desc())
                .limit(1)
            )
        ).first()
    if row is None:
        return None
    return SelectedPoster(row.source, row.location, row.width, row.height)

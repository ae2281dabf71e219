"""The MP4 of one rung, one audio rendition and some subtitles of a published ladder, laid out
from the ladder's files: sample tables from the segments' moofs, bytes copied from their mdats.

Only the box headers of each segment are read before the first byte goes out (a few KiB per
segment, many segments at once); the layouts of recent downloads are kept in memory, so a
resumed download (a Range request) starts at once.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from mediaserver.media.packaged.bmff import BmffError
from mediaserver.offline.fragments import (
    HEAD_BYTES,
    Run,
    TrackInit,
    read_segment_runs,
    read_track_init,
)
from mediaserver.offline.mov_text import packed_language, text_track
from mediaserver.offline.mp4_write import Chunk, Layout, TrackTable, lay_out
from mediaserver.storage import ObjectInfo, Storage

PARALLEL_READS = 64
CACHED_LAYOUTS = 8


class LadderUnreadable(Exception):
    """The ladder's files are missing or not what the packager writes."""


@dataclass(frozen=True, slots=True)
class Rendition:
    """What goes into the file: storage keys under the ladder's published prefix."""

    prefix: str
    rung: str  # folder under video/
    audio: str | None  # folder under audio/
    audio_language: str | None = None  # ISO 639-2, as the ladder records it
    subtitles: tuple[tuple[str, str | None], ...] = ()  # (storage key of subs.vtt, language)

    @property
    def etag(self) -> str:
        parts = [self.prefix, self.rung, self.audio or "-", *(k for k, _ in self.subtitles)]
        digest = hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:32]
        return f'"{digest}"'


async def _read(storage: Storage, key: str, start: int, length: int) -> bytes:
    async with await storage.open_range(key, start, start + length) as stream:
        return b"".join([chunk async for chunk in stream])


async def _segments(storage: Storage, folder: str) -> tuple[bytes, list[ObjectInfo]]:
    listed = [info async for info in storage.list_prefix(folder)]
    segments = [info for info in listed if info.key.rsplit("/", 1)[-1].startswith("seg_")]
    if not segments:
        raise LadderUnreadable(f"{folder} has no segments")
    init = await _read(storage, f"{folder}/init.mp4", 0, 1 << 20)
    return init, segments


async def _runs(storage: Storage, info: ObjectInfo, init: TrackInit, gate: asyncio.Semaphore):
    async def read(start: int, length: int) -> bytes:
        return await _read(storage, info.key, start, length)

    async with gate:
        first = await read(0, min(HEAD_BYTES, info.size))

        async def cached(start: int, length: int) -> bytes:
            if start + length <= len(first):
                return first[start : start + length]
            return await read(start, length)

        return await read_segment_runs(cached, info.size, init)


async def _track(storage: Storage, folder: str, kind: str, gate: asyncio.Semaphore) -> TrackTable:
    init_bytes, segments = await _segments(storage, folder)
    try:
        init = read_track_init(init_bytes)
        found = await asyncio.gather(*(_runs(storage, s, init, gate) for s in segments))
    except BmffError as exc:
        raise LadderUnreadable(f"{folder}: {exc}") from None
    chunks: list[Chunk] = []
    runs: list[Run] = []
    for info, segment_runs in zip(segments, found, strict=True):
        for run in segment_runs:
            length = int(run.sizes.sum())
            start = run.decode_start / init.timescale
            chunks.append(Chunk(start, len(run.sizes), length, info.key, run.offset))
            runs.append(run)
    if not runs:
        raise LadderUnreadable(f"{folder} holds no samples")
    sync = np.concatenate([r.sync for r in runs])
    return TrackTable(
        kind="video" if kind == "video" else "audio",
        timescale=init.timescale,
        sample_entry=init.sample_entry,
        hdlr=init.hdlr,
        language=init.language,
        durations=np.concatenate([r.durations for r in runs]),
        sizes=np.concatenate([r.sizes for r in runs]),
        chunks=chunks,
        sync=None if sync.all() else sync,
        cts=np.concatenate([r.cts for r in runs]),
        media_time=init.media_time,
        width=init.width if kind == "video" else 0,
        height=init.height if kind == "video" else 0,
    )


async def build_layout(storage: Storage, rendition: Rendition) -> Layout:
    """The whole file's layout; reads only headers (and the subtitles, which are small)."""
    gate = asyncio.Semaphore(PARALLEL_READS)
    wanted = [_track(storage, f"{rendition.prefix}/video/{rendition.rung}", "video", gate)]
    if rendition.audio is not None:
        wanted.append(_track(storage, f"{rendition.prefix}/audio/{rendition.audio}", "audio", gate))
    tracks = list(await asyncio.gather(*wanted))
    if rendition.audio is not None and rendition.audio_language:
        tracks[1].language = packed_language(rendition.audio_language)
    total_ms = max(t.movie_duration() for t in tracks)
    for key, language in rendition.subtitles:
        info = await storage.stat(key)
        if info is None:
            raise LadderUnreadable(f"{key} is missing")
        vtt = (await _read(storage, key, 0, info.size)).decode("utf-8", "replace")
        tracks.append(text_track(vtt, language, total_ms))
    return lay_out(tracks)


class LayoutCache:
    """The layouts of the last few renditions asked for, and one build at a time for each."""

    def __init__(self, size: int = CACHED_LAYOUTS) -> None:
        self.size = size
        self._done: OrderedDict[Rendition, Layout] = OrderedDict()
        self._building: dict[Rendition, asyncio.Future[Layout]] = {}

    async def get(self, storage: Storage, rendition: Rendition) -> Layout:
        found = self._done.get(rendition)
        if found is not None:
            self._done.move_to_end(rendition)
            return found
        pending = self._building.get(rendition)
        if pending is None:
            pending = asyncio.ensure_future(build_layout(storage, rendition))
            self._building[rendition] = pending
            pending.add_done_callback(lambda _f: self._building.pop(rendition, None))
        layout = await asyncio.shield(pending)
        self._done[rendition] = layout
        while len(self._done) > self.size:
            self._done.popitem(last=False)
        return layout

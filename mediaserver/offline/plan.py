"""The MP4 of one rung, one audio rendition and some subtitles of a published ladder, laid out
from the ladder's files: sample tables from the segments' moofs, bytes copied from their mdats.

Only the box headers of each segment are read before the first byte goes out (a few KiB per
segment, many segments at once); the layouts of recent downloads are kept in memory, so a
resumed download (a Range request) starts at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from mediaserver.media.packaged.bmff import BmffError
from mediaserver.offline.fragments import (
    HEAD_BYTES,
    Run,
    TrackInit,
    columns,
    read_segment_runs,
    read_track_init,
)
from mediaserver.offline.mov_text import packed_language, text_track
from mediaserver.offline.mp4_write import Chunk, Layout, TrackTable, lay_out
from mediaserver.storage import ObjectInfo, ObjectNotFound, Storage

PARALLEL_READS = 64
SEGMENT_NAME = re.compile(r"seg_[0-9]{5}\.m4s")
CACHED_LAYOUTS = 8
LAYOUT_VERSION = "mp4-layout-1"


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
        # Everything the bytes depend on, and the writer's version: a change of either is a
        # new ETag, so a resumed download (If-Range) never mixes two versions.
        subtitles = [f"{key}:{language}" for key, language in self.subtitles]
        parts = [LAYOUT_VERSION, self.prefix, self.rung, self.audio or "-"]
        parts += [self.audio_language or "-", *subtitles]
        digest = hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:32]
        return f'"{digest}"'


async def _read(storage: Storage, key: str, start: int, length: int) -> bytes:
    async with await storage.open_range(key, start, start + length) as stream:
        return b"".join([chunk async for chunk in stream])


class _Missing(Exception):
    def __init__(self, start: int, length: int) -> None:
        self.start, self.length = start, length


async def _runs_remote(storage: Storage, info: ObjectInfo, init: TrackInit, gate) -> list[Run]:
    """A segment's runs from storage without local files: ranged reads, a few KiB each."""
    held: dict[int, bytes] = {}

    def read(start: int, length: int) -> bytes:
        for at, data in held.items():
            if at <= start and start + length <= at + len(data):
                return data[start - at : start - at + length]
        raise _Missing(start, length)

    async with gate:
        while True:
            try:
                return read_segment_runs(read, info.size, init)
            except _Missing as missing:
                length = min(max(missing.length, HEAD_BYTES), info.size - missing.start)
                held[missing.start] = await _read(storage, info.key, missing.start, length)


def _runs_local(folder: Path, init: TrackInit) -> list[tuple[str, list[Run]]]:
    """Every segment's runs, read in this thread from the folder local storage gave for the
    track's init segment: only the packager's segment names, links never followed."""
    names = sorted(e.name for e in os.scandir(folder) if SEGMENT_NAME.fullmatch(e.name))
    found = []
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    for name in names:
        fd = os.open(folder / name, flags)
        try:
            size = os.fstat(fd).st_size
            found.append((name, read_segment_runs(lambda at, n: os.pread(fd, n, at), size, init)))  # noqa: B023
        finally:
            os.close(fd)
    return found


async def _segment_runs(
    storage: Storage, folder: str
) -> tuple[TrackInit, list[tuple[str, list[Run]]]]:
    """The track's init and (segment key, runs) of every segment, in order."""
    init_key = f"{folder}/init.mp4"
    try:
        local = await storage.local_path(init_key)
    except ObjectNotFound:
        raise LadderUnreadable(f"{init_key} is missing") from None
    if local is not None:
        init = read_track_init(await asyncio.to_thread(local.read_bytes))
        found = await asyncio.to_thread(_runs_local, local.parent, init)
        return init, [(f"{folder}/{name}", runs) for name, runs in found]
    init = read_track_init(await _read(storage, init_key, 0, 1 << 20))
    listed = [info async for info in storage.list_prefix(folder)]
    segments = [i for i in listed if SEGMENT_NAME.fullmatch(i.key.rsplit("/", 1)[-1])]
    gate = asyncio.Semaphore(PARALLEL_READS)
    runs = await asyncio.gather(*(_runs_remote(storage, s, init, gate) for s in segments))
    return init, [(s.key, r) for s, r in zip(segments, runs, strict=True)]


async def _track(storage: Storage, folder: str, kind: str) -> TrackTable:
    try:
        init, found = await _segment_runs(storage, folder)
    except (BmffError, OSError) as exc:
        raise LadderUnreadable(f"{folder}: {exc}") from None
    runs = [run for _key, segment_runs in found for run in segment_runs]
    keys = [key for key, segment_runs in found for _run in segment_runs]
    if not runs:
        raise LadderUnreadable(f"{folder} holds no samples")
    table = columns(runs)
    chunks = [
        Chunk(run.decode_start / init.timescale, run.count, int(length), key, run.offset)
        for run, key, length in zip(runs, keys, table.lengths, strict=True)
    ]
    return TrackTable(
        kind="video" if kind == "video" else "audio",
        timescale=init.timescale,
        sample_entry=init.sample_entry,
        hdlr=init.hdlr,
        language=init.language,
        durations=table.durations,
        sizes=table.sizes,
        chunks=chunks,
        sync=None if table.sync.all() else table.sync,
        cts=table.cts,
        media_time=init.media_time,
        width=init.width if kind == "video" else 0,
        height=init.height if kind == "video" else 0,
    )


async def build_layout(storage: Storage, rendition: Rendition) -> Layout:
    """The whole file's layout; reads only headers (and the subtitles, which are small)."""
    wanted = [_track(storage, f"{rendition.prefix}/video/{rendition.rung}", "video")]
    if rendition.audio is not None:
        wanted.append(_track(storage, f"{rendition.prefix}/audio/{rendition.audio}", "audio"))
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

"""Per-process caches on the hot path of media URLs: a ladder's storage prefix and rung heights,
playable files, local paths of ladder files, and (capped) playlists.

The ladder's prefix and rung sizes are refreshed every LADDER_TTL seconds, a playable file every
FILE_TTL seconds. Ladder files never change under a key (each publish has its own prefix), so the
path and playlist caches only need a size bound.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from aiohttp import web

from mediaserver.errors import NotFound
from mediaserver.http.files import Body
from mediaserver.keys import config_key, db_key, storage_key
from mediaserver.packaging import get_ladder
from mediaserver.streaming.direct import SubtitleCache
from mediaserver.streaming.playlist_rewrite import capped
from mediaserver.streaming.store import PlayableFile, SubtitleTrack, load_playable

LADDER_TTL = 10.0  # seconds a ladder's prefix and rungs are cached
FILE_TTL = 30.0
MAX_CACHED_PATHS = 50_000  # storage key -> local path of ladder files (checked once each)
MAX_CACHED_PLAYLIST_BYTES = 32 * 1024 * 1024
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class LadderView:
    prefix: str
    heights: dict[str, int]  # rung folder name -> height


class TtlCache(Generic[V]):  # noqa: UP046 - Python 3.11 has no type parameter syntax
    """A small time-limited cache (per process) keyed by media file id."""

    def __init__(self, ttl: float, size: int = 4096) -> None:
        self.ttl, self.size = ttl, size
        self._items: dict[int, tuple[float, V | None]] = {}

    def get(self, key: int) -> tuple[bool, V | None]:
        hit = self._items.get(key)
        if hit is None or hit[0] < time.monotonic():
            return False, None
        return True, hit[1]

    def put(self, key: int, value: V | None) -> None:
        if len(self._items) >= self.size:
            self._items.clear()  # rare: thousands of different files within one TTL
        self._items[key] = (time.monotonic() + self.ttl, value)


_ladders: web.AppKey[TtlCache[LadderView]] = web.AppKey("streaming_ladder_cache")
_files: web.AppKey[TtlCache[PlayableFile]] = web.AppKey("streaming_file_cache")
subtitle_cache_key: web.AppKey[SubtitleCache] = web.AppKey("streaming_subtitle_cache")
_local_paths: web.AppKey[dict[str, Path]] = web.AppKey("streaming_local_paths")
_playlists: web.AppKey[dict[tuple[str, int], Body]] = web.AppKey("streaming_playlists")


def setup_media_caches(app: web.Application) -> None:
    app[_ladders] = TtlCache(LADDER_TTL)
    app[_files] = TtlCache(FILE_TTL)
    app[subtitle_cache_key] = SubtitleCache(app[config_key].paths.cache_dir)
    app[_local_paths] = {}
    app[_playlists] = {}


async def subtitle_vtt(app: web.Application, file: PlayableFile, track: SubtitleTrack) -> Path:
    """A text subtitle track of the file as WebVTT, made once into the cache folder."""
    return await app[subtitle_cache_key].vtt(file, track)


async def ladder_view(app: web.Application, media_file_id: int) -> LadderView | None:
    """The file's published ladder as the media routes need it; None when there is none."""
    cache = app[_ladders]
    hit, view = cache.get(media_file_id)
    if hit:
        return view
    ladder = await get_ladder(app[db_key], media_file_id)
    view = None
    if ladder is not None and ladder.published and ladder.storage_prefix:
        heights = {r.name: r.height for r in ladder.rungs}
        view = LadderView(ladder.storage_prefix, heights)
    cache.put(media_file_id, view)
    return view


async def playable(app: web.Application, media_file_id: int) -> PlayableFile:
    """The file as playback needs it (cached); NotFound when it is not available."""
    cache = app[_files]
    hit, file = cache.get(media_file_id)
    if not hit:
        file = await load_playable(app[db_key], media_file_id, app[config_key].paths.data_dir)
        cache.put(media_file_id, file)
    if file is None:
        raise NotFound("This title's file is not available.")
    return file


async def local_ladder_path(app: web.Application, key: str) -> Path | None:
    """The local path of a ladder file; None for storage without local files (S3)."""
    paths = app[_local_paths]
    local = paths.get(key)
    if local is None:
        local = await app[storage_key].local_path(key)
        if local is None:
            return None
        if len(paths) >= MAX_CACHED_PATHS:
            paths.clear()
        paths[key] = local
    return local


async def ladder_playlist(app: web.Application, key: str, cap: int) -> Body:
    """A ladder playlist or manifest (capped when asked), from the cache when it is there."""
    cache = app[_playlists]
    body = cache.get((key, cap))
    if body is not None:
        return body
    async with await app[storage_key].open_range(key) as stream:
        data = await stream.read_all()
    body = Body(capped(key, data, cap))
    if sum(b.size for b in cache.values()) + 2 * len(body.data) > MAX_CACHED_PLAYLIST_BYTES:
        cache.clear()
    cache[(key, cap)] = body
    return body

"""The on-the-fly service behind the live routes: which rungs a play gets, the timeline, the spec
of a session, and the cache and session manager (one per app, `live_sessions_key`).

Every value that reaches the encoder is decided here from the probed file and typed settings:
the request only picks a mode and a rung by name (checked against fixed sets) and stream indices
(checked against the file's probed streams).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from mediaserver.errors import Conflict, NotFound
from mediaserver.keys import active_streams_key, config_key, db_key, live_sessions_key
from mediaserver.media.ladder.rungs import RungPlan
from mediaserver.media.live.keyframes import (
    Timeline,
    TimelineError,
    grid_timeline,
    load_or_index,
    remux_timeline,
)
from mediaserver.media.live.session import COPY_CODECS, LiveSpec
from mediaserver.streaming import live_playlists
from mediaserver.streaming.live_store import VideoGeometry, video_geometry
from mediaserver.streaming.segment_cache import SegmentCache
from mediaserver.streaming.sessions import SessionManager
from mediaserver.streaming.store import PlayableFile

TIMELINES_KEPT = 256  # timelines of the files streamed last (a remux one is a list of keyframes)
DECODE_THREADS = 2  # decoder frame threads: more only adds start-up latency on small machines


@dataclass(frozen=True)
class Variant:
    """A checked variant: the audio stream (None: no audio) and a bitmap subtitle to burn in."""

    name: str
    audio_index: int | None
    burn_index: int | None


class LiveService:
    def __init__(self, app: web.Application) -> None:
        settings = app[config_key].streaming
        self.app = app
        self.settings = settings
        self.cache = SegmentCache(app[config_key].paths.cache_dir, settings.cache_max_bytes)
        self.manager = SessionManager(
            self.cache,
            max_sessions=settings.max_sessions,
            run_ahead=settings.run_ahead_segments,
            idle_timeout=settings.idle_timeout_seconds,
        )
        self._sources: set[tuple[int, int, float]] = set()
        self._timelines: dict[tuple[int, int, float, str], Timeline] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    # -- checks ----------------------------------------------------------------------------------

    def variant(self, file: PlayableFile, mode: str, name: str, parsed: tuple) -> Variant:
        audio_index, burn_index = parsed
        source = file.source
        if audio_index is not None and audio_index not in {a.index for a in source.audio}:
            raise NotFound(f"This file has no audio stream {audio_index}.")
        if audio_index is None and source.audio:
            raise NotFound("Choose one of this file's audio streams.")
        if burn_index is not None:
            bitmap = {
                s.stream_index
                for s in file.subtitles
                if s.bitmap and s.source == "embedded" and s.stream_index is not None
            }
            if mode != "transcode" or burn_index not in bitmap:
                raise NotFound(f"This file has no bitmap subtitle stream {burn_index} to burn in.")
        return Variant(name, audio_index, burn_index)

    async def geometry(self, file: PlayableFile) -> VideoGeometry:
        video = file.source.video
        found = None
        if video is not None:
            found = await video_geometry(self.app[db_key], file.media_file_id, video.index)
        if found is None:
            raise NotFound("This file has no video to stream on the fly.")
        return found

    async def prepare(self, file: PlayableFile) -> None:
        """Drop cached files of an older version of the source (once per version)."""
        key = (file.media_file_id, file.size, file.mtime)
        if key in self._sources:
            return
        async with self._lock(file.media_file_id):  # one check at a time per file
            if key in self._sources:
                return
            changed = await asyncio.to_thread(
                self.cache.check_source, file.media_file_id, file.size, file.mtime
            )
            if changed:
                self.manager.stop_file(file.media_file_id)
            self._sources.add(key)

    def _lock(self, media_file_id: int) -> asyncio.Lock:
        return self._locks.setdefault(media_file_id, asyncio.Lock())

    # -- rungs and timelines ---------------------------------------------------------------------

    def rungs(
        self, mode: str, geometry: VideoGeometry, max_height: int
    ) -> dict[str, tuple[RungPlan | None, int, int, int, str]]:
        """name -> (plan or None for remux, width, height, video bits/s, codec string)."""
        if mode == "remux":
            if geometry.codec not in COPY_CODECS:
                raise Conflict("This file's video cannot be copied (not H.264 or HEVC).")
            if max_height and min(geometry.width, geometry.height) > max_height:
                raise NotFound("This stream's quality is above what the token allows.")
            bps = geometry.bitrate or 8_000_000
            codec = live_playlists.source_codecs(geometry)
            name = live_playlists.REMUX_RUNG
            return {name: (None, geometry.width, geometry.height, int(bps * 1.2), codec)}
        plans = live_playlists.transcode_plans(geometry, self.settings.live_preset, max_height)
        fps = geometry.frame_rate or 30.0
        return {
            p.name: (
                p,
                p.width,
                p.height,
                p.maxrate,
                live_playlists.avc1(live_playlists.h264_level(p, fps)),
            )
            for p in plans
        }

    async def timeline(self, file: PlayableFile, mode: str) -> Timeline:
        key = (file.media_file_id, file.size, file.mtime, mode)
        found = self._timelines.get(key)
        if found is not None:
            return found
        length = self.settings.live_segment_seconds
        try:
            if mode == "transcode":
                found = grid_timeline(file.duration_seconds or 0.0, length)
            else:
                async with self._lock(file.media_file_id):
                    cache_file = self.cache.file_dir(file.media_file_id) / "keyframes.json"
                    index = await asyncio.to_thread(load_or_index, Path(file.path), cache_file)
                found = remux_timeline(index, length)
        except TimelineError as exc:
            raise Conflict(f"This file cannot be streamed on the fly: {exc}") from None
        self._timelines[key] = found
        while len(self._timelines) > TIMELINES_KEPT:
            self._timelines.pop(next(iter(self._timelines)))  # the oldest
        return found

    def spec(
        self,
        file: PlayableFile,
        mode: str,
        variant: Variant,
        plan: RungPlan | None,
        timeline: Timeline,
        geometry: VideoGeometry,
    ) -> LiveSpec:
        level = live_playlists.h264_level(plan, geometry.frame_rate or 30.0) if plan else "4.0"
        return LiveSpec(
            source=Path(file.path),
            mode="transcode" if mode == "transcode" else "remux",
            timeline=timeline,
            audio_index=variant.audio_index,
            burn_index=variant.burn_index,
            rung=plan,
            preset=self.settings.live_preset,
            level=level,
            threads=max(1, os.cpu_count() or 1),
            decode_threads=DECODE_THREADS,
        )


async def live_sessions_ctx(app: web.Application) -> AsyncIterator[None]:
    """The on-the-fly service: sessions stop when their play is stopped and at shutdown."""
    service = await asyncio.to_thread(LiveService, app)
    service.manager.start()
    app[live_sessions_key] = service
    if active_streams_key in app:
        app[active_streams_key].on_stop(service.manager.stop_play)
    yield
    await service.manager.close()

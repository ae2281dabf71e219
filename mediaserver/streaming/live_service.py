"""The on-the-fly service behind the live routes: which rungs a play gets, the timeline, the spec
of a session, and the cache and session manager (one per app, `live_sessions_key`). The routes
call one method per answer: `master`, `media_playlist` or `segment`.

Every value that reaches the encoder is decided here from the probed file and typed settings:
the request only picks a mode and a rung by name (checked against fixed sets) and stream indices
(checked against the file's probed streams).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from mediaserver.errors import Conflict, NotFound, Unavailable
from mediaserver.keys import config_key
from mediaserver.media.ladder.rungs import RungPlan
from mediaserver.media.live.copy import COPY_CODECS
from mediaserver.media.live.keyframes import (
    Timeline,
    TimelineError,
    grid_timeline,
    load_or_index,
    readable_end,
    remux_timeline,
)
from mediaserver.media.live.session import LiveSpec
from mediaserver.streaming import live_playlists
from mediaserver.streaming.decision import parse_live_variant
from mediaserver.streaming.direct import original_path
from mediaserver.streaming.keys import active_streams_key, live_sessions_key
from mediaserver.streaming.live_playlists import LiveRung
from mediaserver.streaming.media_cache import playable
from mediaserver.streaming.methods import LiveMode
from mediaserver.streaming.segment_cache import SegmentCache
from mediaserver.streaming.session_run import INIT
from mediaserver.streaming.sessions import (
    RETRY_AFTER,
    SessionFailed,
    SessionKey,
    SessionManager,
    SessionsFull,
)
from mediaserver.streaming.store import PlayableFile
from mediaserver.streaming.stream_facts import StreamFacts
from mediaserver.streaming.tokens import MediaGrant

TIMELINES_KEPT = 256  # timelines of the files streamed last (a remux one is a list of keyframes)
DECODE_THREADS = 2  # decoder frame threads: more only adds start-up latency on small machines
FULL_RETRY_SECONDS = 10


@dataclass(frozen=True, slots=True)
class Variant:
    """A checked variant: the audio stream (None: no audio) and a bitmap subtitle to burn in."""

    name: str
    audio_index: int | None
    burn_index: int | None


@dataclass(frozen=True, slots=True)
class LivePlay:
    """What a live URL names, checked against the token and the probed file."""

    grant: MediaGrant
    file: PlayableFile
    mode: LiveMode
    variant: Variant
    video: StreamFacts
    rungs: dict[str, LiveRung]


@dataclass(frozen=True, slots=True)
class LiveSegment:
    """A written segment (or the init segment) of a rung, ready to be sent."""

    path: Path
    init: bool


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

    def variant(self, file: PlayableFile, mode: LiveMode, name: str) -> Variant:
        parsed = parse_live_variant(name)
        if parsed is None:
            raise NotFound("No such stream variant.")
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

    @staticmethod
    def video(file: PlayableFile) -> StreamFacts:
        video = file.source.video
        if video is None or not video.width or not video.height:
            raise NotFound("This file has no video to stream on the fly.")
        return video

    async def prepare(self, file: PlayableFile) -> None:
        """Check the source stays inside its library's roots, as direct play does, and drop
        cached files of an older version of it (once per version)."""
        key = (file.media_file_id, file.size, file.mtime)
        if key in self._sources:
            return
        async with self._lock(file.media_file_id):  # one check at a time per file
            if key in self._sources:
                return
            await original_path(file)
            changed = await asyncio.to_thread(
                self.cache.check_source, file.media_file_id, file.size, file.mtime
            )
            if changed:
                self.manager.stop_file(file.media_file_id)
            self._sources.add(key)

    def _lock(self, media_file_id: int) -> asyncio.Lock:
        return self._locks.setdefault(media_file_id, asyncio.Lock())

    # -- rungs and timelines ---------------------------------------------------------------------

    def rungs(self, mode: LiveMode, video: StreamFacts, max_height: int) -> dict[str, LiveRung]:
        """The rungs by name: the source's for remux, the transcoder's plans within the cap."""
        if mode == "remux":
            if video.codec not in COPY_CODECS:
                raise Conflict("This file's video cannot be copied (not H.264 or HEVC).")
            if max_height and min(video.width, video.height) > max_height:
                raise NotFound("This stream's quality is above what the token allows.")
            bps = video.bitrate or 8_000_000
            codec = live_playlists.source_codecs(video)
            name = live_playlists.REMUX_RUNG
            return {name: LiveRung(name, None, video.width, video.height, int(bps * 1.2), codec)}
        plans = live_playlists.transcode_plans(video, self.settings.live_preset, max_height)
        fps = video.frame_rate or 30.0
        return {
            p.name: LiveRung(
                p.name,
                p,
                p.width,
                p.height,
                p.maxrate,
                live_playlists.avc1(live_playlists.h264_level(p, fps)),
            )
            for p in plans
        }

    async def timeline(self, file: PlayableFile, mode: LiveMode) -> Timeline:
        key = (file.media_file_id, file.size, file.mtime, mode)
        found = self._timelines.get(key)
        if found is not None:
            return found
        length = self.settings.live_segment_seconds
        try:
            if mode == "transcode":
                found = grid_timeline(await self._duration(file, length), length)
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

    async def _duration(self, file: PlayableFile, length: float) -> float:
        """The probed duration, unless the video can be read only to well before it (the file
        was cut short since it was scanned): then what can be read, so that the playlist lists
        only segments that can be made. Audio running on up to a segment past the picture is
        normal (the session shows the last frame there), so that much shortfall is kept."""
        declared = file.duration_seconds or 0.0
        if declared <= 0:
            return declared
        readable = await asyncio.to_thread(readable_end, Path(file.path), declared)
        return readable if readable < declared - length else declared

    def spec(self, play: LivePlay, plan: RungPlan | None, timeline: Timeline) -> LiveSpec:
        fps = play.video.frame_rate or 30.0
        level = live_playlists.h264_level(plan, fps) if plan else "4.0"
        return LiveSpec(
            source=Path(play.file.path),
            mode=play.mode,
            timeline=timeline,
            audio_index=play.variant.audio_index,
            burn_index=play.variant.burn_index,
            rung=plan,
            preset=self.settings.live_preset,
            level=level,
            threads=max(1, os.cpu_count() or 1),
            decode_threads=DECODE_THREADS,
            frame_rate=fps,
        )

    # -- what the routes call --------------------------------------------------------------------

    async def play(self, grant: MediaGrant, mode: LiveMode, variant: str) -> LivePlay:
        """The checked play a live URL names (NotFound or Conflict when it cannot be)."""
        file = await playable(self.app, grant.media_file_id)
        checked = self.variant(file, mode, variant)
        video = self.video(file)
        await self.prepare(file)
        rungs = self.rungs(mode, video, grant.max_height)
        return LivePlay(grant, file, mode, checked, video, rungs)

    async def master(self, grant: MediaGrant, mode: LiveMode, variant: str) -> str:
        """The master playlist: one variant per rung the token allows."""
        play = await self.play(grant, mode, variant)
        if not play.rungs:
            raise NotFound("No quality of this title fits what the token allows.")
        audio = play.variant.audio_index is not None
        return live_playlists.master_playlist(list(play.rungs.values()), play.video, audio)

    async def _rung(self, play: LivePlay, rung: str) -> tuple[LiveRung, Timeline]:
        if rung not in play.rungs:
            raise NotFound("No such quality for this title.")
        return play.rungs[rung], await self.timeline(play.file, play.mode)

    async def media_playlist(
        self, grant: MediaGrant, mode: LiveMode, variant: str, rung: str
    ) -> str:
        """A rung's media playlist, complete from the start."""
        play = await self.play(grant, mode, variant)
        _found, timeline = await self._rung(play, rung)
        return live_playlists.media_playlist(timeline)

    async def segment(
        self, grant: MediaGrant, mode: LiveMode, variant: str, rung: str, n: int
    ) -> LiveSegment:
        """Segment n of a rung (INIT: its init segment), from the cache or from its session;
        counted for the play. 503 when the machine is full or the segment is not ready yet; 404
        when it is past the end or cannot be made from the file."""
        play = await self.play(grant, mode, variant)
        found, timeline = await self._rung(play, rung)
        if n != INIT and n >= timeline.count:
            raise NotFound(f"Segment {n} is past the end ({timeline.count} segments).")
        file_id = play.file.media_file_id
        folder = self.cache.rung_dir(file_id, mode, play.variant.name, rung)
        name = "init.mp4" if n == INIT else self.cache.segment_name(n)
        path = self.cache.lookup(folder / name)
        key: SessionKey = (grant.play_id, file_id, mode, play.variant.name, rung)
        if path is None:
            path = await self._made(key, lambda: self.spec(play, found.plan, timeline), folder, n)
        else:
            self.manager.touch(key, n)
        if active_streams_key in self.app:
            size = path.stat().st_size if n != INIT else 0
            self.app[active_streams_key].touch(grant.play_id, nbytes=size, rung=rung)
        return LiveSegment(path, init=n == INIT)

    async def _made(
        self, key: SessionKey, spec: Callable[[], LiveSpec], folder: Path, n: int
    ) -> Path:
        try:
            return await self.manager.segment(key, spec, folder, n)
        except SessionsFull:
            raise Unavailable(
                "Too many streams are being converted right now; try again shortly.",
                retry_after=FULL_RETRY_SECONDS,
            ) from None
        except TimeoutError:
            raise Unavailable(
                "This part of the stream is not ready yet; try again.", retry_after=RETRY_AFTER
            ) from None
        except SessionFailed as exc:
            # A segment that cannot be made (past where a damaged file can be read, or a source
            # that cannot be decoded there) is missing, not a server fault: players skip a
            # missing fragment or end there.
            raise NotFound(f"This part of the title cannot be streamed: {exc.reason}.") from None


async def live_sessions_ctx(app: web.Application) -> AsyncIterator[None]:
    """The on-the-fly service: sessions stop when their play is stopped and at shutdown."""
    service = await asyncio.to_thread(LiveService, app)
    service.manager.start()
    app[live_sessions_key] = service
    if active_streams_key in app:
        app[active_streams_key].on_stop(service.manager.stop_play)
    yield
    await service.manager.close()

"""Cheap in-memory figures of the streaming domain, read by the metrics at scrape time: plays
by method, on-the-fly sessions and their encoding speed, and the segment cache's use."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import get_args

from aiohttp import web

from mediaserver.streaming.keys import active_streams_key, live_sessions_key
from mediaserver.streaming.methods import LiveMode, PlaybackMethod


@dataclass(frozen=True, slots=True)
class StreamingStats:
    """What streaming is doing now in this process; every method and mode has a count, 0
    included (a graph of a series that comes and goes has gaps)."""

    plays_by_method: dict[str, int] = field(default_factory=dict)
    sessions_by_mode: dict[str, int] = field(default_factory=dict)
    encoder_fps_by_mode: dict[str, float] = field(default_factory=dict)
    max_sessions: int = 0
    cache_hits: int = 0
    cache_misses: int = 0
    cache_bytes: int = 0
    cache_max_bytes: int = 0


def streaming_stats(app: web.Application) -> StreamingStats:
    """Counts from the active-streams registry and the on-the-fly service (no I/O)."""
    plays: Counter[str] = Counter(dict.fromkeys(get_args(PlaybackMethod), 0))
    if active_streams_key in app:
        plays.update(entry.method for entry in app[active_streams_key].listing())
    service = app.get(live_sessions_key)
    if service is None:
        return StreamingStats(dict(plays))
    sessions: Counter[str] = Counter(dict.fromkeys(get_args(LiveMode), 0))
    fps: Counter[str] = Counter(dict.fromkeys(get_args(LiveMode), 0.0))
    now = time.monotonic()
    for session in list(service.manager.sessions.values()):
        run = session.run
        if run is None or run.done:
            continue
        mode = session.key[2]
        sessions[mode] += 1
        fps[mode] += run.encoding_speed(now) * session.spec.frame_rate
    cache = service.cache
    return StreamingStats(
        plays_by_method=dict(plays),
        sessions_by_mode=dict(sessions),
        encoder_fps_by_mode=dict(fps),
        max_sessions=service.manager.max_sessions,
        cache_hits=cache.hits,
        cache_misses=cache.misses,
        cache_bytes=cache.total_bytes,
        cache_max_bytes=cache.max_bytes,
    )

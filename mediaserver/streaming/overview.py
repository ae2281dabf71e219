"""What streaming shows of itself to the admin dashboard: the plays being watched, the on-the-fly
sessions, and how much the on-the-fly segment cache holds. Read from memory, never the database:
cheap enough to call every second."""

from __future__ import annotations

import time
from dataclasses import dataclass

from aiohttp import web

from mediaserver.streaming.keys import active_streams_key, live_sessions_key
from mediaserver.streaming.methods import PlaybackMethod


@dataclass(frozen=True, slots=True)
class ActivePlay:
    """A play seen in the last few minutes, as the active streams registry knows it."""

    play_id: str
    user_id: int
    user_name: str
    profile_id: int
    profile_name: str
    media_file_id: int
    title: str
    client: str  # the User-Agent as sent (cut)
    device: str  # "Chrome on Linux"
    method: PlaybackMethod
    reason: str
    rung: str | None
    bandwidth_bps: int  # over the last few seconds; 0 when nothing was served lately
    bytes_sent: int
    start_seconds: float  # where in the title the play began
    started_at: float
    last_seen_at: float


@dataclass(frozen=True, slots=True)
class LiveSessionInfo:
    """One on-the-fly session: a PyAV thread remuxing or transcoding one rung of a play."""

    play_id: str
    media_file_id: int
    mode: str  # "remux" | "transcode"
    rung: str
    running: bool
    segment: int  # the last segment it wrote (-1: none yet)
    fps: float | None  # frames made per second spent encoding; None when not running


def active_plays(app: web.Application) -> list[ActivePlay]:
    """The plays seen lately, most recently started first."""
    registry = app.get(active_streams_key)
    if registry is None:
        return []
    now = time.time()
    return [
        ActivePlay(
            play_id=e.play_id,
            user_id=e.user_id,
            user_name=e.user_name,
            profile_id=e.profile_id,
            profile_name=e.profile_name,
            media_file_id=e.media_file_id,
            title=e.title,
            client=e.client,
            device=e.device,
            method=e.method,
            reason=e.reason,
            rung=e.rung,
            bandwidth_bps=e.bandwidth_bps(now),
            bytes_sent=e.bytes_total,
            start_seconds=e.start_seconds,
            started_at=e.started_at,
            last_seen_at=e.last_seen,
        )
        for e in registry.listing(now)
    ]


def live_sessions(app: web.Application) -> list[LiveSessionInfo]:
    """The on-the-fly sessions of this process (none before the service has started)."""
    service = app.get(live_sessions_key)
    if service is None:
        return []
    now = time.monotonic()
    found = []
    for key, session in list(service.manager.sessions.items()):
        run = session.run
        running = run is not None and not run.done
        fps = run.encoding_speed(now) * session.spec.frame_rate if running and run else None
        found.append(
            LiveSessionInfo(
                play_id=key[0],
                media_file_id=key[1],
                mode=key[2],
                rung=key[4],
                running=running,
                segment=session.position(),
                fps=fps or None,
            )
        )
    return found


def live_cache_bytes(app: web.Application) -> int:
    """Bytes the on-the-fly segment cache holds now (kept in memory by the cache itself)."""
    service = app.get(live_sessions_key)
    return 0 if service is None else service.cache.total_bytes

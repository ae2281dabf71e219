"""Streaming settings changed at run time (Admin > Settings).

Per-request values (max_height, token lifetimes) and what a new on-the-fly session reads from the
live StreamingSettings (preset, segment length) need nothing; the session manager and the segment
cache copied their limits at start-up, so they are given the new ones here. A lower max_sessions
stops no running session: it only refuses new ones until fewer run.
"""

from __future__ import annotations

from aiohttp import web

from mediaserver.config import Settings
from mediaserver.streaming.keys import live_sessions_key


def streaming_settings_changed(app: web.Application, settings: Settings) -> None:
    service = app.get(live_sessions_key)
    if service is None:
        return
    streaming = settings.streaming
    service.manager.max_sessions = streaming.max_sessions
    service.manager.run_ahead = streaming.run_ahead_segments
    service.manager.idle_timeout = streaming.idle_timeout_seconds
    service.cache.max_bytes = streaming.cache_max_bytes

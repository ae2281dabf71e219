"""Streaming's own AppKeys: the active-streams registry and the on-the-fly service."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from mediaserver.streaming.active import ActiveStreams
    from mediaserver.streaming.live_service import LiveService

active_streams_key: web.AppKey[ActiveStreams] = web.AppKey("active_streams")
live_sessions_key: web.AppKey[LiveService] = web.AppKey("live_sessions")

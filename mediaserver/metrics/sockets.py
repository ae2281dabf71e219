"""Open long-lived connections by kind: watch-together WebSockets and the admin's live job
event streams (Server-Sent Events)."""

from __future__ import annotations

from aiohttp import web

from mediaserver import watchparty
from mediaserver.keys import job_events_key


def websocket_count(app: web.Application) -> dict[str, int]:
    counts = {"job_events": 0}
    if job_events_key in app:
        counts["job_events"] = app[job_events_key].subscriber_count
    rooms = getattr(watchparty, "websocket_count", None)
    if rooms is not None:
        counts["watchparty"] = int(rooms(app))
    return counts

"""Open long-lived connections by kind: watch-together WebSockets and the admin's live job
event streams (Server-Sent Events)."""

from __future__ import annotations

from aiohttp import web

from mediaserver.keys import job_events_key
from mediaserver.watchparty import websocket_count as room_sockets


def websocket_count(app: web.Application) -> dict[str, int]:
    """Connections open on this instance, by kind (each kind always present)."""
    events = app[job_events_key].subscriber_count if job_events_key in app else 0
    return {"watchparty": room_sockets(app), "job_events": events}

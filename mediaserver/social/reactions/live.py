"""Moments appear live for everyone watching the file: the comment sections' in-process hub
(CommentHub), keyed by media file here, carries "a moment was added / deleted" events to a
text/event-stream the player listens to; the player then reloads the moments as its own viewer
sees them (so rights and escaping stay on the server). On PostgreSQL, where several server processes
share the database, each change is also sent on the `mediaserver_moments` channel (NOTIFY) and
every other process hands it to its own hub, so a viewer on any process hears it at once.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from typing import Literal

from aiohttp import web

from mediaserver.accounts import request_profile
from mediaserver.db.notify import listening, notify
from mediaserver.http.auth import access
from mediaserver.http.forms import int_path
from mediaserver.keys import db_key
from mediaserver.social.comments.hub import CommentHub
from mediaserver.social.reactions import service

KEEPALIVE_SECONDS = 25.0
CHANNEL = "mediaserver_moments"
moments_hub_key: web.AppKey[CommentHub] = web.AppKey("moments_hub", CommentHub)
# This process's name on the channel: its own notifications come back to it and are skipped
# (its viewers heard of the change already, straight from the hub).
origin_key: web.AppKey[str] = web.AppKey("moments_origin", str)
routes = web.RouteTableDef()


@dataclass(frozen=True, slots=True)
class MomentEvent:
    kind: Literal["new", "delete"]
    id: int

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


async def publish(app: web.Application, media_file_id: int, event: MomentEvent) -> None:
    """Tell this process's listeners now, and the other processes through the database."""
    hub = app.get(moments_hub_key)
    if hub is None:
        return
    hub.publish(media_file_id, event)  # type: ignore[arg-type]  # any event with as_dict
    payload = {"origin": app[origin_key], "file": media_file_id, **event.as_dict()}
    await notify(app[db_key], CHANNEL, json.dumps(payload))


def _heard(app: web.Application, payload: str) -> None:
    """A change another process sent: to this process's listeners of that file."""
    data = json.loads(payload)
    if data.get("origin") == app[origin_key] or data.get("kind") not in ("new", "delete"):
        return
    event = MomentEvent(data["kind"], int(data["id"]))
    app[moments_hub_key].publish(int(data["file"]), event)  # type: ignore[arg-type]


@routes.get(r"/media/{media_file_id:\d{1,12}}/moments/events", name="moment_events")
@access("profile")
async def moment_events(request: web.Request) -> web.StreamResponse:
    """text/event-stream of the file's moment changes: `moment` events, JSON {kind, id}."""
    media_file_id = int_path(request, "media_file_id")
    await service.moments_of(request.app, request_profile(request), media_file_id)  # 404 check
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    await response.write(b"retry: 3000\n\n")
    async with request.app[moments_hub_key].subscribe(media_file_id) as queue:
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), timeout=KEEPALIVE_SECONDS)
            except TimeoutError:
                await response.write(b": keep-alive\n\n")
                continue
            if event is None:  # the server is shutting down
                break
            data = json.dumps(event.as_dict())
            await response.write(f"event: moment\ndata: {data}\n\n".encode())
    return response


async def close_hub(app: web.Application) -> None:
    app[moments_hub_key].close()


async def hear_other_processes(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: listen on the channel while the server runs (PostgreSQL only)."""
    async with listening(app[db_key], CHANNEL, lambda payload: _heard(app, payload)):
        yield


def setup_live(app: web.Application) -> None:
    app[moments_hub_key] = CommentHub()
    app[origin_key] = uuid.uuid4().hex
    app.on_shutdown.append(close_hub)
    app.cleanup_ctx.append(hear_other_processes)
    app.router.add_routes(routes)

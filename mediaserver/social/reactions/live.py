"""Moments appear live for everyone watching the file: the comment sections' in-process hub
(CommentHub), keyed by media file here, carries "a moment was added / deleted" events to a
text/event-stream the player listens to; the player then reloads the moments as its own viewer
sees them (so rights and escaping stay on the server). On PostgreSQL, where several server
processes share the database, the comments' relay (comments/relay.py) carries each change on
the `mediaserver_moments` channel to every other process's hub, so a viewer on any process
hears it at once.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from typing import Literal

from aiohttp import web

from mediaserver.accounts import request_profile
from mediaserver.http.auth import access
from mediaserver.http.forms import int_path
from mediaserver.keys import db_key
from mediaserver.social.comments.hub import CommentHub
from mediaserver.social.comments.relay import HubRelay
from mediaserver.social.reactions import service

KEEPALIVE_SECONDS = 25.0
CHANNEL = "mediaserver_moments"
moments_hub_key: web.AppKey[CommentHub] = web.AppKey("moments_hub", CommentHub)
moments_relay_key: web.AppKey[HubRelay] = web.AppKey("moments_relay", HubRelay)
routes = web.RouteTableDef()


@dataclass(frozen=True, slots=True)
class MomentEvent:
    kind: Literal["new", "delete"]
    id: int

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def publish(app: web.Application, media_file_id: int, event: MomentEvent) -> None:
    """Tell this process's listeners now, the other processes' in a moment (PostgreSQL)."""
    relay = app.get(moments_relay_key)
    if relay is not None:
        relay.publish(app[db_key], media_file_id, event)


def moment_event(data: dict) -> MomentEvent:
    kind = data["kind"]
    if kind not in ("new", "delete"):
        raise ValueError(f"unknown moment event {kind!r}")
    return MomentEvent(kind, int(data["id"]))


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
    async with app[moments_relay_key].running(app[db_key]):
        yield


def setup_live(app: web.Application) -> None:
    app[moments_hub_key] = CommentHub()
    app[moments_relay_key] = HubRelay(CHANNEL, app[moments_hub_key], moment_event)
    app.on_shutdown.append(close_hub)
    app.cleanup_ctx.append(hear_other_processes)
    app.router.add_routes(routes)

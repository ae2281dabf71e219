"""Admin: the active streams -- who, what, which device, how and why, rung, bandwidth -- and Stop.

GET /admin/streams (HTMX refreshes the rows every few seconds), POST /admin/streams/{play_id}/stop;
JSON: GET /api/v1/admin/streams, POST /api/v1/admin/streams/{play_id}/stop. A stopped play's
next media request is refused (403) and on-the-fly sessions listening with `on_stop` end.
"""

from __future__ import annotations

import re
import time

from aiohttp import web

from mediaserver.db.audit import audit_request
from mediaserver.errors import NotFound
from mediaserver.http.api import api, json_model
from mediaserver.http.auth import access
from mediaserver.http.templating import is_htmx, render
from mediaserver.streaming.api_models import ActiveStreamOut, ActiveStreamsOut, StreamStoppedOut
from mediaserver.streaming.keys import active_streams_key

routes = web.RouteTableDef()

_PLAY_ID = re.compile(r"[0-9a-f]{16}")
STOPPED = "The stream was stopped; the player's next request is refused."


def _play_id(request: web.Request) -> str:
    play_id = request.match_info["play_id"]
    if not _PLAY_ID.fullmatch(play_id):
        raise NotFound("No such stream.")
    return play_id


async def _stop(request: web.Request) -> None:
    registry, play_id = request.app[active_streams_key], _play_id(request)
    entry = next((e for e in registry.listing() if e.play_id == play_id), None)
    if not registry.stop(play_id):
        raise NotFound("No such stream; it may have ended already.")
    who = f"{entry.user_name} watching {entry.title}" if entry else ""
    detail = {"method": entry.method, "device": entry.device} if entry else {}
    await audit_request(request, "stream.stop", f"play {play_id} {who}".strip(), detail)


def _page(request: web.Request, notice: str | None = None) -> web.Response:
    now = time.time()
    streams = [ActiveStreamOut.of(e, now) for e in request.app[active_streams_key].listing(now)]
    return render(
        request,
        "streaming/admin.html",
        {"streams": streams, "notice": notice},
        block="stream_rows",
    )


@routes.get("/admin/streams", name="admin_streams")
@access("admin")
async def streams_page(request: web.Request) -> web.Response:
    return _page(request, STOPPED if request.query.get("done") == "stopped" else None)


@routes.post("/admin/streams/{play_id}/stop", name="admin_stream_stop")
@access("admin")
async def stop_stream(request: web.Request) -> web.StreamResponse:
    await _stop(request)
    if is_htmx(request):
        return _page(request)
    raise web.HTTPSeeOther("/admin/streams?done=stopped")


@routes.get("/api/v1/admin/streams", name="api_admin_streams")
@access("admin")
@api(response=ActiveStreamsOut)
async def api_streams(request: web.Request) -> web.Response:
    """List the plays seen in the last few minutes, most recently started first."""
    now = time.time()
    entries = request.app[active_streams_key].listing(now)
    return json_model(ActiveStreamsOut(streams=[ActiveStreamOut.of(e, now) for e in entries]))


@routes.post("/api/v1/admin/streams/{play_id}/stop", name="api_admin_stream_stop")
@access("admin")
@api(response=StreamStoppedOut)
async def api_stop_stream(request: web.Request) -> web.Response:
    """Stop a play: its next media request is refused and its on-the-fly sessions end."""
    await _stop(request)
    return json_model(StreamStoppedOut(play_id=request.match_info["play_id"], stopped=True))

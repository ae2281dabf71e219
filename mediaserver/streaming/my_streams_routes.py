"""The account's own streams: which of its devices are watching now, and stopping one to free a
slot when the account may stream on only so many at once.

    GET  /my-streams                          the page (?next= a same-site page to return to)
    POST /my-streams/{play_id}/stop           stop it (form), back to the page
    GET  /api/v1/my-streams                   the same as JSON
    POST /api/v1/my-streams/{play_id}/stop
"""

from __future__ import annotations

import re
from urllib.parse import quote

from aiohttp import web

from mediaserver.accounts import effective_limits, get_identity
from mediaserver.errors import NotFound
from mediaserver.http.api import api, json_model
from mediaserver.http.auth import access
from mediaserver.http.forms import read_input, safe_next, text_field
from mediaserver.http.templating import render
from mediaserver.streaming.api_models import MyStreamOut, MyStreamsOut, StreamStoppedOut
from mediaserver.streaming.keys import active_streams_key
from mediaserver.streaming.stream_limits import (
    MY_STREAMS,
    StreamLimitReached,
    stop_own,
    watching_now,
)

routes = web.RouteTableDef()
_PLAY_ID = re.compile(r"[0-9a-f]{16}")


def _play_id(request: web.Request) -> str:
    play_id = request.match_info["play_id"]
    if not _PLAY_ID.fullmatch(play_id):
        raise NotFound("No such stream.")
    return play_id


def limit_answer(exc: StreamLimitReached, media_file_id: int) -> web.Response:
    """The refused playback as problem JSON, with the devices watching and where to stop one."""
    body = {
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
        "detail": exc.detail,
        "limit": exc.limit,
        "streams": [w.as_json() for w in exc.watching],
        "manage": f"{MY_STREAMS}?next={quote(f'/watch/{media_file_id}', safe='')}",
    }
    return web.json_response(body, status=403, content_type="application/problem+json")


@routes.get(MY_STREAMS, name="my_streams")
@access("user")
async def my_streams_page(request: web.Request) -> web.Response:
    identity = get_identity(request)
    assert identity.user is not None
    limits = await effective_limits(request.app, identity.user.id)
    target = safe_next(request.query.get("next"), "")
    return render(
        request,
        "streaming/my_streams.html",
        {
            "streams": watching_now(request.app[active_streams_key], identity),
            "limit": limits.max_streams,
            "upgrade_hint": limits.upgrade_hint,
            "next": target,
            "stopped": request.query.get("done") == "stopped",
        },
    )


@routes.post(MY_STREAMS + "/{play_id}/stop", name="my_stream_stop")
@access("user")
async def my_stream_stop(request: web.Request) -> web.StreamResponse:
    target = safe_next(text_field(await read_input(request), "next", max_length=500), "")
    stop_own(request.app[active_streams_key], get_identity(request), _play_id(request))
    back = f"&next={quote(target, safe='')}" if target else ""
    raise web.HTTPSeeOther(f"{MY_STREAMS}?done=stopped{back}")


@routes.get("/api/v1/my-streams", name="api_my_streams")
@access("user")
@api(response=MyStreamsOut)
async def api_my_streams(request: web.Request) -> web.Response:
    """The account's devices streaming now (one row each, newest first) and its limit."""
    identity = get_identity(request)
    assert identity.user is not None
    limits = await effective_limits(request.app, identity.user.id)
    found = watching_now(request.app[active_streams_key], identity)
    streams = [MyStreamOut(**w.as_json()) for w in found]  # type: ignore[arg-type]
    return json_model(MyStreamsOut(streams=streams, limit=limits.max_streams))


@routes.post("/api/v1/my-streams/{play_id}/stop", name="api_my_stream_stop")
@access("user")
@api(response=StreamStoppedOut)
async def api_my_stream_stop(request: web.Request) -> web.Response:
    """Stop one of the account's streams (with every play of its device), freeing its slot."""
    play_id = _play_id(request)
    stop_own(request.app[active_streams_key], get_identity(request), play_id)
    return json_model(StreamStoppedOut(play_id=play_id, stopped=True))

"""The playback API: POST /api/v1/playback/{media_file_id} decides how a title plays (the use
case is in playback.py)."""

from __future__ import annotations

from dataclasses import asdict

from aiohttp import web

from mediaserver.accounts import get_identity
from mediaserver.http.api import api
from mediaserver.http.auth import access
from mediaserver.http.forms import int_path, read_input
from mediaserver.streaming.api_models import PlaybackOut
from mediaserver.streaming.my_streams_routes import limit_answer
from mediaserver.streaming.playback import start_playback
from mediaserver.streaming.playback_body import PlaybackBody
from mediaserver.streaming.playback_request import parse_request
from mediaserver.streaming.stream_limits import StreamLimitReached

routes = web.RouteTableDef()


@routes.post("/api/v1/playback/{media_file_id}", name="api_playback")
@access("profile")
@api(body=PlaybackBody, response=PlaybackOut)
async def playback(request: web.Request) -> web.Response:
    """Decide how a title plays and hand out its signed media URL.

    The answer names the method (ladder, direct, remux or transcode) and why, the URL to play,
    and what the player's menus offer. Beyond the account's streams at once it is a 403 that
    lists the devices watching and where to stop one."""
    media_file_id = int_path(request, "media_file_id")
    wanted = parse_request(await read_input(request) if request.body_exists else {})
    client = request.headers.get("User-Agent", "")
    try:
        offer = await start_playback(
            request.app, get_identity(request), media_file_id, wanted, client
        )
    except StreamLimitReached as exc:
        return limit_answer(exc, media_file_id)
    return web.json_response(asdict(offer))

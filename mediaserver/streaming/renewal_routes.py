"""Token renewal: POST /api/v1/playback/{media_file_id}/renew gives a play a fresh media token
(the use case is playback.renew_playback)."""

from __future__ import annotations

from dataclasses import asdict

from aiohttp import web

from mediaserver.accounts import get_identity
from mediaserver.http.api import api, parse_model
from mediaserver.http.auth import access
from mediaserver.http.forms import int_path, read_input
from mediaserver.streaming.api_models import PlaybackRenewOut
from mediaserver.streaming.playback import renew_playback
from mediaserver.streaming.playback_body import PlaybackRenewBody

routes = web.RouteTableDef()


@routes.post("/api/v1/playback/{media_file_id}/renew", name="api_playback_renew")
@access("profile")
@api(body=PlaybackRenewBody, response=PlaybackRenewOut)
async def renew(request: web.Request) -> web.Response:
    """Swap a playing title's media token for a fresh one before it expires.

    The rights are checked again; the play keeps its id, file and quality cap, so the player
    only replaces the token in the URLs it already has."""
    media_file_id = int_path(request, "media_file_id")
    body = parse_model(PlaybackRenewBody, await read_input(request))
    identity = get_identity(request)
    renewed = await renew_playback(
        request.app, identity, media_file_id, body.token, for_device=body.for_device
    )
    return web.json_response(asdict(renewed))

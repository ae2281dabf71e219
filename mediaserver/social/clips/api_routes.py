"""The clips JSON API: create (202, made in the background), status and URLs, delete, list a
title's clips."""

from __future__ import annotations

from aiohttp import web

from mediaserver.accounts import request_profile
from mediaserver.http.api import api, json_model, parse_model
from mediaserver.http.auth import access
from mediaserver.http.forms import read_json
from mediaserver.keys import secret_key
from mediaserver.social.clips import rules, service
from mediaserver.social.clips.api_models import ClipCreate, ClipList, ClipOut
from mediaserver.social.clips.routes import viewer_of

routes = web.RouteTableDef()
SLUG = r"{slug:[A-Za-z0-9_-]{1,32}}"


def _out(request: web.Request, clip) -> ClipOut:
    return ClipOut.of(clip, rules.media_base(request.app[secret_key], clip.slug))


@routes.post("/api/v1/clips", name="api_clip_create")
@access("profile")
@api(body=ClipCreate, response=ClipOut, status=202)
async def api_create(request: web.Request) -> web.Response:
    """Make a clip of a range of a file (at most `clip_max_seconds` long); poll it until ready."""
    body = parse_model(ClipCreate, await read_json(request))
    profile = request_profile(request)  # an API key without X-Profile-Id: a clear 400
    clip = await service.create(request.app, profile, body.media_file_id, body.start, body.end,
                                body.name, body.visibility)  # fmt: skip
    return json_model(_out(request, clip), status=202)


@routes.get(f"/api/v1/clips/{SLUG}", name="api_clip")
@access("profile")
@api(response=ClipOut)
async def api_clip(request: web.Request) -> web.Response:
    """A clip's status and, once ready, its signed media URLs."""
    clip = await service.open_clip(request.app, viewer_of(request), request.match_info["slug"])
    return json_model(_out(request, clip))


@routes.delete(f"/api/v1/clips/{SLUG}", name="api_clip_delete")
@access("profile")
@api(response=None, status=204)
async def api_delete(request: web.Request) -> web.Response:
    """Delete my clip (an admin: anyone's)."""
    await service.delete(request.app, viewer_of(request), request.match_info["slug"])
    return web.Response(status=204)


@routes.get(r"/api/v1/titles/{title_id:\d{1,12}}/clips", name="api_title_clips")
@access("profile")
@api(response=ClipList)
async def api_title_clips(request: web.Request) -> web.Response:
    """The ready clips of a title that this profile may watch, newest first."""
    profile = request_profile(request)
    found = await service.clips_of_title(request.app, profile, int(request.match_info["title_id"]))
    return json_model(ClipList(clips=[_out(request, c) for c in found]))

"""The player's reactions API: send a reaction, read the strip, list, post and delete moments
(comments at a playback time)."""

from __future__ import annotations

from aiohttp import web

from mediaserver.accounts import get_identity, request_profile
from mediaserver.db.audit import audit_request
from mediaserver.http.api import api, json_model, parse_model
from mediaserver.http.auth import access
from mediaserver.http.forms import int_path, read_json
from mediaserver.social.reactions import live, service
from mediaserver.social.reactions.api_models import (
    MomentCreate,
    MomentList,
    MomentOut,
    ReactionCreate,
    ReactionOut,
    StripOut,
)

routes = web.RouteTableDef()
FILE = r"/api/v1/media/{media_file_id:\d{1,12}}"


@routes.post(f"{FILE}/reactions", name="api_reaction_create")
@access("profile")
@api(body=ReactionCreate, response=ReactionOut, status=201)
async def api_react(request: web.Request) -> web.Response:
    """React at a playback time (at most `reactions_per_minute` a minute: 429 beyond)."""
    body = parse_model(ReactionCreate, await read_json(request))
    found = await service.react(
        request.app,
        request_profile(request),
        int_path(request, "media_file_id"),
        body.position,
        body.emoji,
    )
    return json_model(ReactionOut.of(found), status=201)


@routes.get(f"{FILE}/reactions/strip", name="api_reaction_strip")
@access("profile")
@api(response=StripOut)
async def api_strip(request: web.Request) -> web.Response:
    """Where reactions cluster over the title's runtime, for the strip above the seek bar."""
    found = await service.strip(
        request.app, request_profile(request), int_path(request, "media_file_id")
    )
    return json_model(StripOut.of(found))


@routes.get(f"{FILE}/moments", name="api_moments")
@access("profile")
@api(response=MomentList)
async def api_moments(request: web.Request) -> web.Response:
    """The comments typed in the player for this file, in playback order."""
    found = await service.moments_of(
        request.app, request_profile(request), int_path(request, "media_file_id")
    )
    return json_model(MomentList(moments=[MomentOut.of(m) for m in found]))


@routes.post(f"{FILE}/moments", name="api_moment_create")
@access("profile")
@api(body=MomentCreate, response=MomentOut, status=201)
async def api_moment_create(request: web.Request) -> web.Response:
    """Comment at a playback time (at most `comments_per_minute` a minute: 429 beyond)."""
    body = parse_model(MomentCreate, await read_json(request))
    found = await service.add_moment(
        request.app,
        request_profile(request),
        int_path(request, "media_file_id"),
        body.position,
        body.text,
    )
    live.publish(request.app, found.media_file_id, live.MomentEvent("new", found.id))
    return json_model(MomentOut.of(found), status=201)


@routes.delete(r"/api/v1/moments/{moment_id:\d{1,12}}", name="api_moment_delete")
@access("profile")
@api(response=None, status=204)
async def api_moment_delete(request: web.Request) -> web.Response:
    """Delete my comment (an admin: anyone's, recorded in the audit log)."""
    user = get_identity(request).user
    viewer = service.Viewer(request_profile(request), bool(user and user.is_admin))
    gone = await service.delete_moment(request.app, viewer, int_path(request, "moment_id"))
    live.publish(request.app, gone.media_file_id, live.MomentEvent("delete", gone.id))
    if not gone.mine:
        await audit_request(
            request,
            "moment.delete",
            f"moment {gone.id}",
            {"media_file_id": gone.media_file_id, "text": gone.text[:100]},
        )
    return web.Response(status=204)

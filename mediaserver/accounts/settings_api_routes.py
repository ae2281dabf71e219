"""The account area's JSON API under /api/v1: who am I, profiles, signed-in devices.

Errors become JSON problems (the error middleware does that for /api/ paths).
"""

from __future__ import annotations

from aiohttp import web

from mediaserver.accounts import sessions
from mediaserver.accounts.api_models import (
    DeviceSessionListOut,
    DeviceSessionOut,
    MeOut,
    ProfileCreateBody,
    ProfileListOut,
    ProfileOut,
    ProfileUpdateBody,
    UserOut,
)
from mediaserver.accounts.guard import current_user_id
from mediaserver.accounts.identity import get_identity
from mediaserver.accounts.profile_input import (
    create_from_input,
    delete_checked,
    guard_kids,
    update_from_input,
)
from mediaserver.accounts.profiles import get_profile, list_profiles
from mediaserver.http.api import api, json_model
from mediaserver.http.auth import SESSION_COOKIE, access
from mediaserver.http.forms import int_path, read_input
from mediaserver.keys import db_key

routes = web.RouteTableDef()


@routes.get("/api/v1/me", name="api_me")
@access("user")
@api(response=MeOut)
async def api_me(request: web.Request) -> web.Response:
    """Who is calling: the user, the chosen profile, and whether it is an API key."""
    identity = get_identity(request)
    assert identity.user is not None  # guaranteed by access("user")
    profile = ProfileOut.of(identity.profile) if identity.profile else None
    me = MeOut(user=UserOut.of(identity.user), profile=profile, via_api_key=identity.via_api_key)
    return json_model(me)


@routes.get("/api/v1/profiles", name="api_profiles")
@access("user")
@api(response=ProfileListOut)
async def api_profiles(request: web.Request) -> web.Response:
    """The caller's profiles, oldest first."""
    profiles = await list_profiles(request.app[db_key], current_user_id(request))
    return json_model(ProfileListOut(profiles=[ProfileOut.of(p) for p in profiles]))


@routes.post("/api/v1/profiles", name="api_profile_create")
@access("user")
@api(body=ProfileCreateBody, response=ProfileOut, status=201)
async def api_profile_create(request: web.Request) -> web.Response:
    """Add a profile to the caller's account (not from a kids profile)."""
    guard_kids(request)
    profile = await create_from_input(request, await read_input(request))
    response = json_model(ProfileOut.of(profile), status=201)
    response.headers["Location"] = f"/api/v1/profiles/{profile.id}"
    return response


@routes.get("/api/v1/profiles/{profile_id}", name="api_profile")
@access("user")
@api(response=ProfileOut)
async def api_profile(request: web.Request) -> web.Response:
    """One of the caller's profiles."""
    profile = await get_profile(
        request.app[db_key], current_user_id(request), int_path(request, "profile_id")
    )
    return json_model(ProfileOut.of(profile))


@routes.patch("/api/v1/profiles/{profile_id}", name="api_profile_update")
@access("user")
@api(body=ProfileUpdateBody, response=ProfileOut)
async def api_profile_update(request: web.Request) -> web.Response:
    """Change a profile; changing or removing its PIN needs that profile open."""
    guard_kids(request)
    profile_id = int_path(request, "profile_id")
    profile = await update_from_input(request, profile_id, await read_input(request))
    return json_model(ProfileOut.of(profile))


@routes.delete("/api/v1/profiles/{profile_id}", name="api_profile_delete")
@access("user")
@api(response=None, status=204)
async def api_profile_delete(request: web.Request) -> web.Response:
    """Delete a profile; an account keeps at least one."""
    guard_kids(request)
    await delete_checked(request, int_path(request, "profile_id"))
    return web.Response(status=204)


@routes.get("/api/v1/sessions", name="api_sessions")
@access("user")
@api(response=DeviceSessionListOut)
async def api_sessions(request: web.Request) -> web.Response:
    """The devices signed in to the caller's account, most recently seen first."""
    guard_kids(request)
    current = get_identity(request).session
    devices = await sessions.list_sessions(request.app[db_key], current_user_id(request))
    current_id = current.id if current else None
    listing = DeviceSessionListOut(sessions=[DeviceSessionOut.of(s, current_id) for s in devices])
    return json_model(listing)


@routes.delete("/api/v1/sessions/{session_id}", name="api_session_delete")
@access("user")
@api(response=None, status=204)
async def api_session_delete(request: web.Request) -> web.Response:
    """Sign a device out; signing out this one also drops its cookie."""
    guard_kids(request)
    session_id = int_path(request, "session_id")
    await sessions.revoke(
        request.app[db_key], current_user_id(request), session_id, stop_media=True
    )
    response = web.Response(status=204)
    current = get_identity(request).session
    if current is not None and current.id == session_id:
        response.del_cookie(SESSION_COOKIE, path="/")
    return response

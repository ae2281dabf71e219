"""The account area's JSON API under /api/v1: who am I, profiles, signed-in devices.

Errors become JSON problems (the error middleware does that for /api/ paths).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aiohttp import web

from mediaserver.accounts import sessions
from mediaserver.accounts.guard import current_user_id
from mediaserver.accounts.identity import get_identity
from mediaserver.accounts.profile_input import (
    create_from_input,
    delete_checked,
    guard_kids,
    update_from_input,
)
from mediaserver.accounts.profiles import Profile, get_profile, list_profiles
from mediaserver.accounts.sessions import DeviceSession
from mediaserver.accounts.users import User
from mediaserver.http.auth import SESSION_COOKIE, access
from mediaserver.http.forms import int_path, read_input
from mediaserver.keys import db_key

routes = web.RouteTableDef()

# ----- JSON shapes (never hashes, never the CSRF token) -----


def user_json(user: User) -> dict[str, Any]:
    return asdict(user)


def profile_json(profile: Profile) -> dict[str, Any]:
    return asdict(profile)


def session_json(session: DeviceSession, current_id: int | None) -> dict[str, Any]:
    data = asdict(session)
    del data["csrf_token"]
    data["current"] = session.id == current_id
    return data


@routes.get("/api/v1/me", name="api_me")
@access("user")
async def api_me(request: web.Request) -> web.Response:
    identity = get_identity(request)
    assert identity.user is not None
    return web.json_response(
        {
            "user": user_json(identity.user),
            "profile": profile_json(identity.profile) if identity.profile else None,
            "via_api_key": identity.via_api_key,
        }
    )


@routes.get("/api/v1/profiles", name="api_profiles")
@access("user")
async def api_profiles(request: web.Request) -> web.Response:
    profiles = await list_profiles(request.app[db_key], current_user_id(request))
    return web.json_response({"profiles": [profile_json(p) for p in profiles]})


@routes.post("/api/v1/profiles", name="api_profile_create")
@access("user")
async def api_profilecreate_from_input(request: web.Request) -> web.Response:
    guard_kids(request)
    profile = await create_from_input(request, await read_input(request))
    return web.json_response(
        profile_json(profile), status=201, headers={"Location": f"/api/v1/profiles/{profile.id}"}
    )


@routes.get("/api/v1/profiles/{profile_id}", name="api_profile")
@access("user")
async def api_profile(request: web.Request) -> web.Response:
    profile = await get_profile(
        request.app[db_key], current_user_id(request), int_path(request, "profile_id")
    )
    return web.json_response(profile_json(profile))


@routes.patch("/api/v1/profiles/{profile_id}", name="api_profile_update")
@access("user")
async def api_profileupdate_from_input(request: web.Request) -> web.Response:
    guard_kids(request)
    profile_id = int_path(request, "profile_id")
    return web.json_response(
        profile_json(await update_from_input(request, profile_id, await read_input(request)))
    )


@routes.delete("/api/v1/profiles/{profile_id}", name="api_profile_delete")
@access("user")
async def api_profiledelete_checked(request: web.Request) -> web.Response:
    guard_kids(request)
    await delete_checked(request, int_path(request, "profile_id"))
    return web.Response(status=204)


@routes.get("/api/v1/sessions", name="api_sessions")
@access("user")
async def api_sessions(request: web.Request) -> web.Response:
    guard_kids(request)
    current = get_identity(request).session
    devices = await sessions.list_sessions(request.app[db_key], current_user_id(request))
    current_id = current.id if current else None
    return web.json_response({"sessions": [session_json(s, current_id) for s in devices]})


@routes.delete("/api/v1/sessions/{session_id}", name="api_session_delete")
@access("user")
async def api_sessiondelete_checked(request: web.Request) -> web.Response:
    guard_kids(request)
    session_id = int_path(request, "session_id")
    await sessions.revoke(request.app[db_key], current_user_id(request), session_id)
    response = web.Response(status=204)
    current = get_identity(request).session
    if current is not None and current.id == session_id:
        response.del_cookie(SESSION_COOKIE, path="/")
    return response

"""The middleware that identifies every request and enforces each route's declared access level.

Who the caller is comes from an API key (`Authorization: Bearer`) or the session cookie; "token"
routes (media URLs) read neither, so no ambient authority reaches media. The profile the request
acts as is settled here too, once (`chosen_profile`), so that the access levels and every handler
see the same one.
"""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web
from aiohttp.typedefs import Handler

from mediaserver.accounts import api_keys, sessions
from mediaserver.accounts.identity import (
    ANONYMOUS,
    PROFILE_HEADER,
    Identity,
    get_identity,
    set_identity,
)
from mediaserver.accounts.limits import library_limited
from mediaserver.accounts.profiles import Profile, get_profile
from mediaserver.accounts.users import User, count_users
from mediaserver.errors import BadRequest, Forbidden, NotFound, Unauthorized
from mediaserver.http.auth import SESSION_COOKIE, route_access
from mediaserver.http.clientinfo import client_ip, wants_json
from mediaserver.keys import db_key


async def chosen_profile(
    request: web.Request, user: User, chosen: Profile | None, *, via_api_key: bool
) -> Profile | None:
    """The profile the request acts as: the only place it is decided.

    A browser acts as the profile it chose at the picker (`chosen`), where the profile's PIN is
    asked; an X-Profile-Id header may only repeat that choice, never switch past the PIN. An API
    key belongs to the account, so it may name any of the account's profiles in the header
    (another account's profile is "not found"); without the header it acts as the account.
    """
    raw = request.headers.get(PROFILE_HEADER, "").strip()
    if not raw:
        return chosen
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise NotFound("No such profile.")
    if via_api_key:
        return await get_profile(request.app[db_key], user.id, int(raw))
    if chosen is None or chosen.id != int(raw):
        raise BadRequest(
            f"The {PROFILE_HEADER} header names a profile this browser has not chosen; choose "
            "it first (POST /profiles/{id}/select), or leave the header out."
        )
    return chosen


async def _identify(request: web.Request) -> Identity:
    db = request.app[db_key]
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        found = await api_keys.authenticate_key(db, header[7:].strip())
        if found is None:
            raise Unauthorized("The API key is not valid or has been revoked.")
        profile = await chosen_profile(request, found.user, None, via_api_key=True)
        limited = profile is None and await library_limited(db, found.user.id)
        return Identity(
            user=found.user, profile=profile, api_key_id=found.key_id, library_limited=limited
        )
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return ANONYMOUS
    signed_in = await sessions.lookup(db, token)
    if signed_in is None:
        return ANONYMOUS
    await sessions.touch(db, signed_in.session, client_ip(request))
    profile = await chosen_profile(request, signed_in.user, signed_in.profile, via_api_key=False)
    return Identity(user=signed_in.user, session=signed_in.session, profile=profile)


async def _deny_anonymous(request: web.Request) -> web.StreamResponse:
    if wants_json(request):
        raise Unauthorized("Sign in or send an API key as 'Authorization: Bearer <key>'.")
    if await count_users(request.app[db_key]) == 0:
        raise web.HTTPSeeOther("/setup")
    target = request.path_qs if request.method == "GET" else "/"
    raise web.HTTPSeeOther(f"/login?next={quote(target, safe='')}")


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    route = request.match_info.route if request.match_info.http_exception is None else None
    level = route_access(route)
    if route is not None and level is None:
        # A route without a declared access level is a programming error: refuse, loudly.
        raise Forbidden("This route does not declare who may call it.")
    if level == "token":
        set_identity(request, ANONYMOUS)
        return await handler(request)
    identity = await _identify(request) if level != "public" or request.cookies else ANONYMOUS
    set_identity(request, identity)
    if level in (None, "public"):
        return await handler(request)
    if identity.user is None:
        return await _deny_anonymous(request)
    if level == "admin" and not identity.is_admin:
        if identity.has_limits:
            # As if the page did not exist: a kids or capped profile learns nothing of the
            # admin area.
            raise web.HTTPNotFound()
        raise Forbidden("Only administrators can do this.")
    if level == "profile" and identity.profile is None and not identity.via_api_key:
        if wants_json(request):
            raise Forbidden("Choose a profile first (POST /profiles/{id}/select).")
        raise web.HTTPSeeOther("/profiles")
    return await handler(request)


def current_user_id(request: web.Request) -> int:
    identity = get_identity(request)
    if identity.user is None:  # access() guarantees this never happens on protected routes
        raise Unauthorized()
    return identity.user.id

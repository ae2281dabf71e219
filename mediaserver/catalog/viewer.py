"""Whose browsing this is: the request's profile, for a browser session or an API key.

A browser always has a chosen profile (access level "profile"). An API key belongs to a user,
not a profile: apps name the profile in the X-Profile-Id header, and it must be one of the key
owner's profiles (another user's id is "not found"), so ids sent by a client are never trusted
for ownership.
"""

from __future__ import annotations

from aiohttp import web

from mediaserver.accounts import Profile, get_identity, get_profile
from mediaserver.errors import BadRequest, NotFound
from mediaserver.keys import db_key

PROFILE_HEADER = "X-Profile-Id"


async def request_profile(request: web.Request, *, required: bool = True) -> Profile | None:
    """The profile this request browses as; None only for an API key without one (uncapped
    account-wide browsing) when `required` is False."""
    identity = get_identity(request)
    if identity.profile is not None:
        return identity.profile
    raw = request.headers.get(PROFILE_HEADER, "").strip()
    if raw and identity.user is not None:
        if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
            raise NotFound("No such profile.")
        return await get_profile(request.app[db_key], identity.user.id, int(raw))
    if required:
        raise BadRequest(
            f"Name the profile in the {PROFILE_HEADER} header (GET /api/v1/profiles lists them)."
        )
    return None


def required_profile(profile: Profile | None) -> Profile:
    if profile is None:  # request_profile(required=True) never returns None
        raise BadRequest(f"Name the profile in the {PROFILE_HEADER} header.")
    return profile

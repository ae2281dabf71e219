"""The signed-in user's account area under /account: profiles, signed-in devices, password.

The same operations as JSON live in settings_api_routes.py.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mediaserver.accounts import sessions
from mediaserver.accounts.guard import current_user_id
from mediaserver.accounts.identity import get_identity
from mediaserver.accounts.profile_input import (
    create_from_input,
    delete_checked,
    guard_kids,
    typed_values,
    update_from_input,
)
from mediaserver.accounts.profiles import (
    AVATARS,
    LANGUAGES,
    RATINGS,
    Profile,
    get_profile,
    list_profiles,
)
from mediaserver.accounts.signin import change_own_password, start_session
from mediaserver.errors import DomainError, TooManyRequests
from mediaserver.http.auth import SESSION_COOKIE, access
from mediaserver.http.clientinfo import wants_json
from mediaserver.http.forms import int_path, read_input, text_field
from mediaserver.http.templating import is_htmx, render
from mediaserver.keys import config_key, db_key

routes = web.RouteTableDef()

# Messages shown after a redirect, chosen by a fixed code so no request text is ever echoed.
NOTICES = {
    "password": "Your password was changed. Every other device has been signed out.",
    "profile-added": "Profile added.",
    "profile-saved": "Profile saved.",
    "profile-deleted": "Profile deleted.",
    "device-revoked": "That device has been signed out.",
}


def _notice(request: web.Request) -> str | None:
    return NOTICES.get(request.query.get("done", ""))


# ----- account overview -----


@routes.get("/account", name="account")
@access("user")
async def account_page(request: web.Request) -> web.Response:
    profiles = await list_profiles(request.app[db_key], current_user_id(request))
    return render(
        request, "accounts/account.html", {"profiles": profiles, "notice": _notice(request)}
    )


# ----- profiles (HTML) -----


def _form_context(
    profile: Profile | None, values: dict[str, Any], error: str | None = None
) -> dict[str, Any]:
    return {
        "profile": profile,
        "values": values,
        "error": error,
        "avatars": AVATARS,
        "ratings": RATINGS,
        "languages": LANGUAGES,
    }


@routes.get("/account/profiles", name="account_profiles")
@access("user")
async def profiles_page(request: web.Request) -> web.Response:
    profiles = await list_profiles(request.app[db_key], current_user_id(request))
    return render(
        request,
        "accounts/profiles.html",
        {
            "profiles": profiles,
            "notice": _notice(request),
            "max_profiles": request.app[config_key].auth.max_profiles,
        },
    )


@routes.get("/account/profiles/new", name="account_profile_new")
@access("user")
async def profile_new_page(request: web.Request) -> web.Response:
    guard_kids(request)
    values = {"name": "", "avatar": AVATARS[1], "is_kids": False, "max_rating": "", "language": ""}
    return render(request, "accounts/profile_form.html", _form_context(None, values))


@routes.post("/account/profiles/new", name="account_profile_create")
@access("user")
async def profile_create(request: web.Request) -> web.StreamResponse:
    guard_kids(request)
    data = await read_input(request)
    try:
        await create_from_input(request, data)
    except DomainError as exc:
        values = typed_values(data, None)
        return render(
            request,
            "accounts/profile_form.html",
            _form_context(None, values, exc.detail),
            status=exc.status,
        )
    raise web.HTTPSeeOther("/account/profiles?done=profile-added")


@routes.get("/account/profiles/{profile_id}/edit", name="account_profile_edit")
@access("user")
async def profile_edit_page(request: web.Request) -> web.Response:
    guard_kids(request)
    profile = await get_profile(
        request.app[db_key], current_user_id(request), int_path(request, "profile_id")
    )
    values = {
        "name": profile.name,
        "avatar": profile.avatar,
        "is_kids": profile.is_kids,
        "max_rating": profile.max_rating or "",
        "language": profile.language or "",
    }
    return render(request, "accounts/profile_form.html", _form_context(profile, values))


@routes.post("/account/profiles/{profile_id}/edit", name="account_profile_update")
@access("user")
async def profile_update(request: web.Request) -> web.StreamResponse:
    guard_kids(request)
    profile_id = int_path(request, "profile_id")
    profile = await get_profile(request.app[db_key], current_user_id(request), profile_id)
    data = await read_input(request)
    data.setdefault("is_kids", "")  # an unticked checkbox is absent from the form
    try:
        await update_from_input(request, profile_id, data)
    except DomainError as exc:
        values = typed_values(data, profile)
        return render(
            request,
            "accounts/profile_form.html",
            _form_context(profile, values, exc.detail),
            status=exc.status,
        )
    raise web.HTTPSeeOther("/account/profiles?done=profile-saved")


@routes.post("/account/profiles/{profile_id}/delete", name="account_profile_delete")
@access("user")
async def profile_delete(request: web.Request) -> web.StreamResponse:
    guard_kids(request)
    await delete_checked(request, int_path(request, "profile_id"))
    raise web.HTTPSeeOther("/account/profiles?done=profile-deleted")


# ----- devices (HTML) -----


def _see_other(location: str) -> web.Response:
    # A plain response rather than HTTPSeeOther: this one carries a cookie change and is returned.
    return web.Response(status=303, headers={"Location": location})


def _signed_out_response(request: web.Request) -> web.StreamResponse:
    """This browser's own session was revoked: drop the cookie and go to the sign-in page."""
    if is_htmx(request):
        response: web.StreamResponse = web.Response(status=200, headers={"HX-Redirect": "/login"})
    else:
        response = _see_other("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


@routes.get("/account/devices", name="account_devices")
@access("user")
async def devices_page(request: web.Request) -> web.Response:
    guard_kids(request)
    identity = get_identity(request)
    devices = await sessions.list_sessions(request.app[db_key], current_user_id(request))
    return render(
        request,
        "accounts/devices.html",
        {
            "devices": devices,
            "notice": _notice(request),
            "current_id": identity.session.id if identity.session else None,
        },
    )


@routes.post("/account/devices/{session_id}/revoke", name="account_device_revoke")
@access("user")
async def device_revoke(request: web.Request) -> web.StreamResponse:
    guard_kids(request)
    session_id = int_path(request, "session_id")
    await sessions.revoke(
        request.app[db_key], current_user_id(request), session_id, stop_media=True
    )
    current = get_identity(request).session
    if current is not None and current.id == session_id:
        return _signed_out_response(request)
    if is_htmx(request):
        return web.Response(text="")  # hx-swap="outerHTML" replaces the row with nothing
    raise web.HTTPSeeOther("/account/devices?done=device-revoked")


# ----- password -----


@routes.get("/account/password", name="account_password")
@access("user")
async def password_page(request: web.Request) -> web.Response:
    guard_kids(request)
    return render(request, "accounts/password.html", {"error": None})


@routes.post("/account/password", name="account_password_submit")
@access("user")
async def password_submit(request: web.Request) -> web.StreamResponse:
    """Change the password, sign out every other device, and keep this one signed in.

    Every session ends with the change; this device gets a fresh session with the same profile,
    so the person who just proved they know the password is not sent to the sign-in page for
    nothing.
    """
    guard_kids(request)
    identity = get_identity(request)
    assert identity.user is not None  # guaranteed by access("user")
    data = await read_input(request)
    current = text_field(data, "current_password", max_length=256)
    new = text_field(data, "new_password", max_length=256)
    try:
        await change_own_password(request, identity.user, current, new, data)
    except DomainError as exc:
        if wants_json(request) or isinstance(exc, TooManyRequests):
            raise  # a wait is answered with its Retry-After
        return render(request, "accounts/password.html", {"error": exc.detail}, status=exc.status)
    response: web.StreamResponse = (
        web.Response(status=204) if wants_json(request) else _see_other("/account?done=password")
    )
    old = identity.session
    if old is not None:  # the same device, re-keyed: it keeps its name and profile
        await start_session(
            request, old.user_id, response, old.profile_id, device_name=old.device_name
        )
    return response

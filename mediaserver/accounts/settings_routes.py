"""The signed-in user's account area: profiles, signed-in devices, password; and its JSON API.

HTML pages live under /account, the same operations as JSON under /api/v1. Handlers pick the
fields they accept by name, so extra fields such as `role` or `user_id` are never applied.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aiohttp import web

from mediaserver.accounts import sessions
from mediaserver.accounts.identity import get_identity
from mediaserver.accounts.profiles import (
    AVATARS,
    RATINGS,
    Profile,
    create_profile,
    delete_profile,
    get_profile,
    list_profiles,
    update_profile,
)
from mediaserver.accounts.sessions import DeviceSession
from mediaserver.accounts.users import User, authenticate, set_password
from mediaserver.errors import BadRequest, DomainError, Forbidden
from mediaserver.http.auth import SESSION_COOKIE, access, current_user_id
from mediaserver.http.clientinfo import client_ip, secure_cookies, wants_json
from mediaserver.http.forms import bool_field, int_path, read_input, text_field
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


def _guard_kids(request: web.Request) -> None:
    """A kids profile must not be able to lift its own limits or manage the account."""
    profile = get_identity(request).profile
    if profile is not None and profile.is_kids:
        raise Forbidden("Switch to a grown-up profile to manage the account.")


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


# ----- profile input -----


def _profile_fields(data: dict[str, Any], existing: Profile | None = None) -> dict[str, Any]:
    """The profile fields from a form or JSON body; absent fields keep their current value.

    PIN: a non-empty `pin` sets it; the `clear_pin` checkbox or JSON `"pin": null` removes it.
    Only these names are read, so `role`, `user_id` and the like are ignored.
    """
    rating = existing.max_rating or "" if existing else ""
    if "max_rating" in data and data["max_rating"] is None:  # JSON null: no cap
        data = {**data, "max_rating": ""}
    return {
        "name": text_field(data, "name", default=existing.name if existing else "", max_length=200),
        "avatar": text_field(
            data, "avatar", default=existing.avatar if existing else AVATARS[0], max_length=32
        ),
        "is_kids": bool_field(data, "is_kids")
        if "is_kids" in data
        else bool(existing and existing.is_kids),
        "max_rating": text_field(data, "max_rating", default=rating, max_length=16),
        "pin": text_field(data, "pin", max_length=16).strip() or None,
        "clear_pin": bool_field(data, "clear_pin") or ("pin" in data and data["pin"] is None),
    }


def _typed_values(data: dict[str, Any], existing: Profile | None) -> dict[str, Any]:
    """What the person typed, to show the form again after an error (never the PIN)."""

    def typed(name: str, default: str) -> str:
        value = data.get(name, default)
        return value[:200] if isinstance(value, str) else default

    return {
        "name": typed("name", existing.name if existing else ""),
        "avatar": typed("avatar", existing.avatar if existing else AVATARS[0]),
        "is_kids": bool_field(data, "is_kids"),
        "max_rating": typed("max_rating", ""),
    }


def _check_pin_change(request: web.Request, profile: Profile, fields: dict[str, Any]) -> None:
    """Changing or removing an existing PIN needs that profile open (its PIN was entered).

    Otherwise anyone on the account's other profiles could lift the lock. API keys act as the
    whole account and are allowed.
    """
    identity = get_identity(request)
    changing = fields["pin"] is not None or fields["clear_pin"]
    if (
        profile.has_pin
        and changing
        and identity.session is not None
        and identity.session.profile_id != profile.id
    ):
        raise Forbidden(
            "Open this profile with its PIN first to change or remove the PIN.", field="pin"
        )


async def _create(request: web.Request, data: dict[str, Any]) -> Profile:
    fields = _profile_fields(data)
    fields.pop("clear_pin")
    return await create_profile(
        request.app[db_key],
        current_user_id(request),
        limit=request.app[config_key].auth.max_profiles,
        **fields,
    )


async def _update(request: web.Request, profile_id: int, data: dict[str, Any]) -> Profile:
    db, user_id = request.app[db_key], current_user_id(request)
    existing = await get_profile(db, user_id, profile_id)  # 404 for another user's profile
    fields = _profile_fields(data, existing)
    _check_pin_change(request, existing, fields)
    return await update_profile(db, user_id, profile_id, **fields)


async def _delete(request: web.Request, profile_id: int) -> None:
    db, user_id = request.app[db_key], current_user_id(request)
    profile = await get_profile(db, user_id, profile_id)
    _check_pin_change(request, profile, {"pin": None, "clear_pin": profile.has_pin})
    await delete_profile(db, user_id, profile_id)


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
    request: web.Request, profile: Profile | None, values: dict[str, Any], error: str | None = None
) -> dict[str, Any]:
    return {
        "profile": profile,
        "values": values,
        "error": error,
        "avatars": AVATARS,
        "ratings": RATINGS,
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
    _guard_kids(request)
    values = {"name": "", "avatar": AVATARS[1], "is_kids": False, "max_rating": ""}
    return render(request, "accounts/profile_form.html", _form_context(request, None, values))


@routes.post("/account/profiles/new", name="account_profile_create")
@access("user")
async def profile_create(request: web.Request) -> web.StreamResponse:
    _guard_kids(request)
    data = await read_input(request)
    try:
        await _create(request, data)
    except DomainError as exc:
        values = _typed_values(data, None)
        return render(
            request,
            "accounts/profile_form.html",
            _form_context(request, None, values, exc.detail),
            status=exc.status,
        )
    raise web.HTTPSeeOther("/account/profiles?done=profile-added")


@routes.get("/account/profiles/{profile_id}/edit", name="account_profile_edit")
@access("user")
async def profile_edit_page(request: web.Request) -> web.Response:
    _guard_kids(request)
    profile = await get_profile(
        request.app[db_key], current_user_id(request), int_path(request, "profile_id")
    )
    values = {
        "name": profile.name,
        "avatar": profile.avatar,
        "is_kids": profile.is_kids,
        "max_rating": profile.max_rating or "",
    }
    return render(request, "accounts/profile_form.html", _form_context(request, profile, values))


@routes.post("/account/profiles/{profile_id}/edit", name="account_profile_update")
@access("user")
async def profile_update(request: web.Request) -> web.StreamResponse:
    _guard_kids(request)
    profile_id = int_path(request, "profile_id")
    profile = await get_profile(request.app[db_key], current_user_id(request), profile_id)
    data = await read_input(request)
    data.setdefault("is_kids", "")  # an unticked checkbox is absent from the form
    try:
        await _update(request, profile_id, data)
    except DomainError as exc:
        values = _typed_values(data, profile)
        return render(
            request,
            "accounts/profile_form.html",
            _form_context(request, profile, values, exc.detail),
            status=exc.status,
        )
    raise web.HTTPSeeOther("/account/profiles?done=profile-saved")


@routes.post("/account/profiles/{profile_id}/delete", name="account_profile_delete")
@access("user")
async def profile_delete(request: web.Request) -> web.StreamResponse:
    _guard_kids(request)
    await _delete(request, int_path(request, "profile_id"))
    raise web.HTTPSeeOther("/account/profiles?done=profile-deleted")


# ----- devices (HTML) -----


def _signed_out_response(request: web.Request) -> web.StreamResponse:
    """This browser's own session was revoked: drop the cookie and go to the sign-in page."""
    if is_htmx(request):
        response: web.StreamResponse = web.Response(status=200, headers={"HX-Redirect": "/login"})
    else:
        response = web.HTTPSeeOther("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


@routes.get("/account/devices", name="account_devices")
@access("user")
async def devices_page(request: web.Request) -> web.Response:
    _guard_kids(request)
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
    _guard_kids(request)
    session_id = int_path(request, "session_id")
    await sessions.revoke(request.app[db_key], current_user_id(request), session_id)
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
    _guard_kids(request)
    return render(request, "accounts/password.html", {"error": None})


@routes.post("/account/password", name="account_password_submit")
@access("user")
async def password_submit(request: web.Request) -> web.StreamResponse:
    """Change the password, sign out every other device, and keep this one signed in.

    users.set_password revokes all sessions (a stolen session must not survive a password
    change); this device gets a fresh session with the same profile, so the person who just
    proved they know the password is not sent to the sign-in page for nothing.
    """
    _guard_kids(request)
    db, identity = request.app[db_key], get_identity(request)
    data = await read_input(request)
    current = text_field(data, "current_password", max_length=256)
    new = text_field(data, "new_password", max_length=256)
    try:
        assert identity.user is not None  # guaranteed by access("user")
        if await authenticate(db, identity.user.username, current) is None:
            raise BadRequest("Your current password is not right.", field="current_password")
        if new != text_field(data, "new_password_confirm", default=new, max_length=256):
            raise BadRequest("The two new passwords differ.", field="new_password_confirm")
        await set_password(db, identity.user.id, new)
    except DomainError as exc:
        if wants_json(request):
            raise
        return render(request, "accounts/password.html", {"error": exc.detail}, status=exc.status)
    response: web.StreamResponse = (
        web.Response(status=204)
        if wants_json(request)
        else web.HTTPSeeOther("/account?done=password")
    )
    if identity.session is not None:
        await _restart_session(request, identity.session, response)
    return response


async def _restart_session(
    request: web.Request, old: DeviceSession, response: web.StreamResponse
) -> None:
    settings = request.app[config_key]
    db = request.app[db_key]
    token, new = await sessions.create_session(
        db,
        old.user_id,
        device_name=old.device_name,
        ip_address=client_ip(request),
        days=settings.auth.session_days,
    )
    if old.profile_id is not None:
        await sessions.select_profile(db, new.id, old.profile_id)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.auth.session_days * 86400,
        httponly=True,
        samesite="Lax",
        secure=secure_cookies(request),
        path="/",
    )


# ----- JSON API -----


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
async def api_profile_create(request: web.Request) -> web.Response:
    _guard_kids(request)
    profile = await _create(request, await read_input(request))
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
async def api_profile_update(request: web.Request) -> web.Response:
    _guard_kids(request)
    profile_id = int_path(request, "profile_id")
    return web.json_response(
        profile_json(await _update(request, profile_id, await read_input(request)))
    )


@routes.delete("/api/v1/profiles/{profile_id}", name="api_profile_delete")
@access("user")
async def api_profile_delete(request: web.Request) -> web.Response:
    _guard_kids(request)
    await _delete(request, int_path(request, "profile_id"))
    return web.Response(status=204)


@routes.get("/api/v1/sessions", name="api_sessions")
@access("user")
async def api_sessions(request: web.Request) -> web.Response:
    _guard_kids(request)
    current = get_identity(request).session
    devices = await sessions.list_sessions(request.app[db_key], current_user_id(request))
    current_id = current.id if current else None
    return web.json_response({"sessions": [session_json(s, current_id) for s in devices]})


@routes.delete("/api/v1/sessions/{session_id}", name="api_session_delete")
@access("user")
async def api_session_delete(request: web.Request) -> web.Response:
    _guard_kids(request)
    session_id = int_path(request, "session_id")
    await sessions.revoke(request.app[db_key], current_user_id(request), session_id)
    response = web.Response(status=204)
    current = get_identity(request).session
    if current is not None and current.id == session_id:
        response.del_cookie(SESSION_COOKIE, path="/")
    return response

"""First run, sign in, sign out, and the profile picker."""

from __future__ import annotations

import math
from urllib.parse import quote

from aiohttp import web

from mediaserver.accounts import sessions
from mediaserver.accounts.guard import current_user_id
from mediaserver.accounts.identity import get_identity
from mediaserver.accounts.profiles import check_profile_pin, get_profile, list_profiles
from mediaserver.accounts.ratelimit import login_limiter_key
from mediaserver.accounts.sessions import DeviceSession
from mediaserver.accounts.users import authenticate, count_users, create_user
from mediaserver.errors import BadRequest, DomainError, Forbidden, TooManyRequests
from mediaserver.http.auth import SESSION_COOKIE, access
from mediaserver.http.clientinfo import client_ip, secure_cookies, wants_json
from mediaserver.http.forms import int_path, read_input, safe_next, text_field
from mediaserver.http.templating import render
from mediaserver.keys import config_key, db_key

routes = web.RouteTableDef()

LOGIN_ERROR = "Wrong username or password."  # the same words whatever was wrong


async def start_session(
    request: web.Request,
    user_id: int,
    response: web.StreamResponse,
    profile_id: int | None = None,
    *,
    device_name: str | None = None,
) -> DeviceSession:
    """Sign this browser in: a new device session, its cookie set on `response`.

    The device is named after the User-Agent unless `device_name` is given.
    """
    settings = request.app[config_key]
    if device_name is None:
        device_name = sessions.describe_device(request.headers.get("User-Agent", ""))
    token, session = await sessions.create_session(
        request.app[db_key],
        user_id,
        device_name=device_name,
        ip_address=client_ip(request),
        days=settings.auth.session_days,
        profile_id=profile_id,
    )
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.auth.session_days * 86400,
        httponly=True,
        samesite="Lax",
        secure=secure_cookies(request),
        path="/",
    )
    return session


@routes.get("/setup", name="setup")
@access("public")
async def setup_page(request: web.Request) -> web.Response:
    if await count_users(request.app[db_key]):
        raise web.HTTPSeeOther("/login")
    return render(request, "accounts/setup.html", {"error": None, "username": ""})


@routes.post("/setup", name="setup_submit")
@access("public")
async def setup_submit(request: web.Request) -> web.StreamResponse:
    data = await read_input(request)
    username = text_field(data, "username", max_length=64)
    password = text_field(data, "password", max_length=256)
    if password != text_field(data, "password_confirm", max_length=256):
        error: DomainError = BadRequest("The two passwords differ.", field="password_confirm")
    else:
        try:
            user = await create_user(
                request.app[db_key], username, password, "admin", only_if_first=True
            )
        except DomainError as exc:
            error = exc
        else:
            response = web.HTTPSeeOther("/profiles")
            await start_session(request, user.id, response)
            raise response
    if wants_json(request):
        raise error
    return render(
        request,
        "accounts/setup.html",
        {"error": error.detail, "username": username},
        status=error.status,
    )


@routes.get("/login", name="login")
@access("public")
async def login_page(request: web.Request) -> web.Response:
    if await count_users(request.app[db_key]) == 0:
        raise web.HTTPSeeOther("/setup")
    next_url = safe_next(request.query.get("next"), "/")
    if get_identity(request).session is not None:
        raise web.HTTPSeeOther(next_url)
    return render(request, "accounts/login.html", {"error": None, "username": "", "next": next_url})


@routes.post("/login", name="login_submit")
@access("public")
async def login_submit(request: web.Request) -> web.StreamResponse:
    data = await read_input(request)
    username = text_field(data, "username", max_length=64).strip()
    password = text_field(data, "password", max_length=256)
    next_url = safe_next(text_field(data, "next", max_length=2000), "/")
    limiter = request.app[login_limiter_key]
    address = client_ip(request)
    wait = limiter.retry_after(username, address)
    if wait:
        raise TooManyRequests(
            f"Too many failed sign-in attempts. Try again in {math.ceil(wait / 60)} minute(s).",
            retry_after=wait,
        )
    user = await authenticate(request.app[db_key], username, password)
    if user is None:
        limiter.record_failure(username, address)
        if wants_json(request):
            raise BadRequest(LOGIN_ERROR)
        return render(
            request,
            "accounts/login.html",
            {"error": LOGIN_ERROR, "username": username, "next": next_url},
            status=400,
        )
    limiter.record_success(username)
    response = web.HTTPSeeOther(
        f"/profiles?next={quote(next_url, safe='/')}" if next_url != "/" else "/profiles"
    )
    await start_session(request, user.id, response)
    raise response


@routes.post("/logout", name="logout")
@access("user")
async def logout(request: web.Request) -> web.StreamResponse:
    identity = get_identity(request)
    if identity.session is not None:
        await sessions.revoke(request.app[db_key], identity.session.user_id, identity.session.id)
    response = web.HTTPSeeOther("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


@routes.get("/profiles", name="profile_picker")
@access("user")
async def profile_picker(request: web.Request) -> web.Response:
    user_id = current_user_id(request)
    profiles = await list_profiles(request.app[db_key], user_id)
    next_url = safe_next(request.query.get("next"), "/")
    pin_for = request.query.get("pin_for", "")
    return render(
        request,
        "accounts/picker.html",
        {
            "profiles": profiles,
            "next": next_url,
            "error": None,
            "pin_for": int(pin_for) if pin_for.isdigit() and len(pin_for) < 18 else None,
        },
    )


@routes.post("/profiles/{profile_id}/select", name="profile_select")
@access("user")
async def profile_select(request: web.Request) -> web.StreamResponse:
    identity = get_identity(request)
    if identity.session is None:
        raise Forbidden("Profiles are chosen by signed-in browsers; API keys act as the account.")
    db = request.app[db_key]
    profile = await get_profile(db, identity.session.user_id, int_path(request, "profile_id"))
    data = await read_input(request)
    next_url = safe_next(text_field(data, "next", max_length=2000), "/")
    if profile.has_pin:
        limiter = request.app[login_limiter_key]
        key = f"profile-pin:{profile.id}"
        wait = limiter.retry_after(key, client_ip(request))
        if wait:
            raise TooManyRequests("Too many wrong PINs. Try again later.", retry_after=wait)
        pin = text_field(data, "pin", max_length=8)
        if not await check_profile_pin(db, profile.user_id, profile.id, pin):
            limiter.record_failure(key, client_ip(request))
            profiles = await list_profiles(db, profile.user_id)
            return render(
                request,
                "accounts/picker.html",
                {
                    "profiles": profiles,
                    "next": next_url,
                    "pin_for": profile.id,
                    "error": "Wrong PIN." if pin else "This profile needs its PIN.",
                },
                status=403,
            )
        limiter.record_success(key)
    await sessions.select_profile(db, identity.session.id, profile.id)
    raise web.HTTPSeeOther(next_url)

"""First run, sign in, sign out, and the profile picker."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from mediaserver.accounts import sessions
from mediaserver.accounts.first_run import create_first_admin
from mediaserver.accounts.guard import current_user_id
from mediaserver.accounts.identity import get_identity
from mediaserver.accounts.profiles import get_profile, list_profiles
from mediaserver.accounts.signin import check_login, open_profile, start_session
from mediaserver.accounts.users import count_users
from mediaserver.errors import BadRequest, DomainError, Forbidden, TooManyRequests
from mediaserver.http.auth import SESSION_COOKIE, access
from mediaserver.http.clientinfo import wants_json
from mediaserver.http.forms import int_path, read_input, safe_next, text_field
from mediaserver.http.templating import render
from mediaserver.keys import db_key

routes = web.RouteTableDef()

LOGIN_ERROR = "Wrong username or password."  # the same words whatever was wrong


@routes.get("/setup", name="setup")
@access("public")
async def setup_page(request: web.Request) -> web.Response:
    if await count_users(request.app[db_key]):
        raise web.HTTPSeeOther("/login")
    return render(request, "accounts/setup.html", {"error": None, "username": "", "setup_code": ""})


@routes.post("/setup", name="setup_submit")
@access("public")
async def setup_submit(request: web.Request) -> web.StreamResponse:
    data = await read_input(request)
    try:
        user = await create_first_admin(request, data)
    except DomainError as exc:
        if wants_json(request) or isinstance(exc, TooManyRequests):
            raise  # a wait is answered with its Retry-After
        typed = {
            "username": text_field(data, "username"),
            "setup_code": "" if exc.field == "setup_code" else text_field(data, "setup_code"),
        }
        return render(
            request, "accounts/setup.html", {"error": exc.detail, **typed}, status=exc.status
        )
    response = web.HTTPSeeOther("/profiles")
    await start_session(request, user.id, response)
    raise response


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
    user = await check_login(request, username, password)
    if user is None:
        if wants_json(request):
            raise BadRequest(LOGIN_ERROR)
        return render(
            request,
            "accounts/login.html",
            {"error": LOGIN_ERROR, "username": username, "next": next_url},
            status=400,
        )
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
    opened = await open_profile(request, identity.session.id, profile, data)
    if opened != "opened":
        return render(
            request,
            "accounts/picker.html",
            {
                "profiles": await list_profiles(db, profile.user_id),
                "next": next_url,
                "pin_for": profile.id,
                "error": "Wrong PIN." if opened == "wrong-pin" else "This profile needs its PIN.",
            },
            status=403,
        )
    raise web.HTTPSeeOther(next_url)

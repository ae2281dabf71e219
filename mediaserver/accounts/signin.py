"""Signing in and proving who one is: the throttled password and profile-PIN checks, the new
device session with its cookie, and the password change that re-keys this device."""

from __future__ import annotations

import math
from typing import Any, Literal

from aiohttp import web

from mediaserver.accounts import sessions
from mediaserver.accounts.profiles import Profile, check_profile_pin
from mediaserver.accounts.ratelimit import login_limiter_key
from mediaserver.accounts.sessions import DeviceSession
from mediaserver.accounts.users import User, authenticate, set_password
from mediaserver.errors import BadRequest, TooManyRequests
from mediaserver.http.auth import SESSION_COOKIE
from mediaserver.http.clientinfo import client_ip, secure_cookies
from mediaserver.http.forms import text_field
from mediaserver.keys import config_key, db_key

# What choosing a profile came to: chosen, or refused for a wrong or a missing PIN.
Opened = Literal["opened", "wrong-pin", "needs-pin"]


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


async def check_login(request: web.Request, username: str, password: str) -> User | None:
    """The user when name and password match; None (a failure counted) otherwise.

    Raises TooManyRequests while this account or this address has failed too often.
    """
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
    else:
        limiter.record_success(username)
    return user


async def open_profile(
    request: web.Request, session_id: int, profile: Profile, data: dict[str, Any]
) -> Opened:
    """Choose `profile` for this device session once its PIN (if it has one) is given.

    Wrong PINs are throttled like sign-ins, per profile and address.
    """
    db = request.app[db_key]
    if profile.has_pin:
        limiter = request.app[login_limiter_key]
        key = f"profile-pin:{profile.id}"
        wait = limiter.retry_after(key, client_ip(request))
        if wait:
            raise TooManyRequests("Too many wrong PINs. Try again later.", retry_after=wait)
        pin = text_field(data, "pin", max_length=8)
        if not await check_profile_pin(db, profile.user_id, profile.id, pin):
            limiter.record_failure(key, client_ip(request))
            return "wrong-pin" if pin else "needs-pin"
        limiter.record_success(key)
    await sessions.select_profile(db, session_id, profile.id)
    return "opened"


async def change_own_password(
    request: web.Request, user: User, current: str, new: str, data: dict[str, Any]
) -> None:
    """Change the caller's password once the current one is proved; every session ends.

    users.set_password revokes all sessions: a stolen session must not survive a password change.
    The confirmation (`new_password_confirm`, optional for JSON) is read from `data`.
    """
    db = request.app[db_key]
    if await authenticate(db, user.username, current) is None:
        raise BadRequest("Your current password is not right.", field="current_password")
    if new != text_field(data, "new_password_confirm", default=new, max_length=256):
        raise BadRequest("The two new passwords differ.", field="new_password_confirm")
    await set_password(db, user.id, new)

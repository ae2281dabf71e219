"""Signing in and proving who one is: the throttled password and profile-PIN checks, the new
device session with its cookie (and the known-device cookie), and the password change that
re-keys this device."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from aiohttp import web

from mediaserver.accounts import sessions
from mediaserver.accounts.identity import get_identity
from mediaserver.accounts.known_devices import read_known_device, remember_device
from mediaserver.accounts.profiles import Profile, check_profile_pin
from mediaserver.accounts.ratelimit import Limit, describe_wait, login_limiter_key
from mediaserver.accounts.sessions import DeviceSession
from mediaserver.accounts.users import User, authenticate, find_user, set_password
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

    The device is named after the User-Agent unless `device_name` is given. The browser is
    also remembered as a known device of the user, so its later sign-ins are not throttled with
    other people's failures.
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
    remember_device(request, response, user_id)
    return session


def refuse_while_throttled(request: web.Request, limits: Sequence[Limit], what: str) -> None:
    """Raise TooManyRequests (with Retry-After) while any of `limits` asks to wait.

    `what` names the guesses for the message, e.g. "failed sign-in attempts".
    """
    wait = request.app[login_limiter_key].retry_after(limits)
    if wait:
        raise TooManyRequests(
            f"Too many {what}. Try again in {describe_wait(wait)}.", retry_after=wait
        )


def count_guess(request: web.Request, limits: Sequence[Limit], right: bool) -> None:
    limiter = request.app[login_limiter_key]
    if right:
        limiter.record_success(limits)
    else:
        limiter.record_failure(limits)


async def _known_device_for(request: web.Request, username: str) -> str | None:
    """This browser's device id when it signed in to `username`'s account before."""
    device = read_known_device(request)
    if device is None:
        return None
    user = await find_user(request.app[db_key], username)
    return device.device_id if user is not None and user.id in device.user_ids else None


async def check_login(request: web.Request, username: str, password: str) -> User | None:
    """The user when name and password match; None (a failure counted) otherwise.

    Raises TooManyRequests while this name from this address (or, on a device the account
    signed in on before, this device) has failed too often, or this address has.
    """
    limits = request.app[login_limiter_key].sign_in_limits(
        username, client_ip(request), await _known_device_for(request, username)
    )
    refuse_while_throttled(request, limits, "failed sign-in attempts")
    user = await authenticate(request.app[db_key], username, password)
    count_guess(request, limits, user is not None)
    return user


async def open_profile(
    request: web.Request, session_id: int, profile: Profile, data: dict[str, Any]
) -> Opened:
    """Choose `profile` for this device session once its PIN (if it has one) is given.

    Wrong PINs are throttled per profile and device session: only someone signed in to the
    account can guess, and their guesses slow down no other device.
    """
    db = request.app[db_key]
    if profile.has_pin:
        limits = request.app[login_limiter_key].holder_limits(
            f"profile-pin:{profile.id}", f"session:{session_id}"
        )
        refuse_while_throttled(request, limits, "wrong PINs")
        pin = text_field(data, "pin", max_length=8)
        if not pin:
            return "needs-pin"  # not a guess
        right = await check_profile_pin(db, profile.user_id, profile.id, pin)
        count_guess(request, limits, right)
        if not right:
            return "wrong-pin"
    await sessions.select_profile(db, session_id, profile.id)
    return "opened"


async def change_own_password(
    request: web.Request, user: User, current: str, new: str, data: dict[str, Any]
) -> None:
    """Change the caller's password once the current one is proved; every session ends.

    users.set_password revokes all sessions: a stolen session must not survive a password change.
    The confirmation (`new_password_confirm`, optional for JSON) is read from `data`. Wrong
    current passwords are throttled per account and caller (device session or API key), so a
    stolen session cannot be used to guess the password quickly.
    """
    db = request.app[db_key]
    identity = get_identity(request)
    session = identity.session
    caller = f"session:{session.id}" if session is not None else f"key:{identity.api_key_id}"
    limits = request.app[login_limiter_key].holder_limits(f"password:{user.id}", caller)
    refuse_while_throttled(request, limits, "wrong current passwords")
    right = await authenticate(db, user.username, current) is not None
    count_guess(request, limits, right)
    if not right:
        raise BadRequest("Your current password is not right.", field="current_password")
    if new != text_field(data, "new_password_confirm", default=new, max_length=256):
        raise BadRequest("The two new passwords differ.", field="new_password_confirm")
    await set_password(db, user.id, new)

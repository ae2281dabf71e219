"""Known devices: a signed, long-lived cookie a browser gets when it signs in successfully.

It names the accounts that signed in on this device (most recent first). A sign-in for one of
them from this device is throttled on the device's own key, not with the failures of everyone
else at the same address (accounts/ratelimit.py). It grants nothing else: it is no session and
proves no password.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from aiohttp import web

from mediaserver.http.clientinfo import secure_cookies
from mediaserver.keys import secret_key

DEVICE_COOKIE = "ms_device"
MAX_ACCOUNTS = 8
_DAYS = 400  # browsers keep a cookie at most about this long
_CONTEXT = b"mediaserver known-device cookie\0"
_COOKIE_RE = re.compile(r"([A-Za-z0-9_-]{22})\.(\d{1,18}(?:-\d{1,18}){0,7})\.([A-Za-z0-9_-]{22})")


@dataclass(frozen=True)
class KnownDevice:
    device_id: str
    user_ids: tuple[int, ...]


def _signature(secret: bytes, body: str) -> str:
    mac = hmac.new(secret, _CONTEXT + body.encode("ascii"), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def read_known_device(request: web.Request) -> KnownDevice | None:
    """This browser's known-device cookie, when it carries a valid signature."""
    match = _COOKIE_RE.fullmatch(request.cookies.get(DEVICE_COOKIE, ""))
    if match is None:
        return None
    body = f"{match[1]}.{match[2]}"
    if not hmac.compare_digest(_signature(request.app[secret_key], body), match[3]):
        return None
    return KnownDevice(match[1], tuple(int(i) for i in match[2].split("-")))


def remember_device(request: web.Request, response: web.StreamResponse, user_id: int) -> None:
    """Mark this browser as one `user_id` signed in on (keeping its device id and accounts)."""
    known = read_known_device(request)
    device_id = known.device_id if known else secrets.token_urlsafe(16)
    others = [i for i in (known.user_ids if known else ()) if i != user_id]
    body = f"{device_id}." + "-".join(str(i) for i in [user_id, *others][:MAX_ACCOUNTS])
    response.set_cookie(
        DEVICE_COOKIE,
        f"{body}.{_signature(request.app[secret_key], body)}",
        max_age=_DAYS * 86400,
        httponly=True,
        samesite="Lax",
        secure=secure_cookies(request),
        path="/",
    )

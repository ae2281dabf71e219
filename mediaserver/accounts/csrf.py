"""CSRF protection for every state-changing request, HTMX included.

Signed-in browsers use the token stored with their session; anonymous forms (first run, login)
use a random token kept in an HttpOnly cookie (double submit). API-key requests carry no ambient
credentials, so they need none.
"""

from __future__ import annotations

import hmac
import secrets
from http.cookies import SimpleCookie

from aiohttp import web
from aiohttp.typedefs import Handler

from mediaserver.accounts.identity import get_identity
from mediaserver.errors import Forbidden
from mediaserver.http.auth import route_access
from mediaserver.http.clientinfo import secure_cookies
from mediaserver.http.forms import read_form

CSRF_COOKIE = "ms_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_NEW_TOKEN: web.RequestKey[str] = web.RequestKey("csrf_new")


def csrf_token(request: web.Request) -> str:
    """The token forms and HTMX must send back for this visitor."""
    identity = get_identity(request)
    if identity.session is not None:
        return identity.session.csrf_token
    token = request.cookies.get(CSRF_COOKIE) or request.get(_NEW_TOKEN)
    if not token:
        token = request[_NEW_TOKEN] = secrets.token_urlsafe(32)
    return token


async def _submitted_token(request: web.Request) -> str:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await read_form(request)  # bounded, and malformed forms are a 400
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


@web.middleware
async def csrf_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    identity = get_identity(request)
    route = request.match_info.route if request.match_info.http_exception is None else None
    if route_access(route) == "token":
        # Its credential is signed into the request itself (a media token, a webhook's
        # signature) and no cookie is read, so there is nothing a forged request could borrow.
        return await handler(request)
    if request.method not in SAFE_METHODS and not identity.via_api_key:
        expected = (
            identity.session.csrf_token if identity.session else request.cookies.get(CSRF_COOKIE)
        )
        submitted = await _submitted_token(request)
        if not expected or not submitted or not hmac.compare_digest(expected, submitted):
            raise Forbidden("Missing or invalid CSRF token. Reload the page and try again.")
    return await handler(request)


async def _set_cookie(request: web.Request, response: web.StreamResponse) -> None:
    token = request.get(_NEW_TOKEN)
    if not token:
        return
    # Headers are already assembled when this signal runs, so the cookie is added as a header.
    cookie: SimpleCookie = SimpleCookie()
    cookie[CSRF_COOKIE] = token
    morsel = cookie[CSRF_COOKIE]
    morsel.update({"httponly": True, "samesite": "Strict", "path": "/"})
    if secure_cookies(request):
        morsel["secure"] = True
    response.headers.add("Set-Cookie", morsel.OutputString())


def setup_csrf(app: web.Application) -> None:
    app.on_response_prepare.append(_set_cookie)

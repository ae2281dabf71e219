"""CORS on media URLs: open (`*`, never with credentials) on `/media/t/...` only.

Media URLs carry their own signed token, and a Chromecast receiver fetches them from another
origin with Range headers. Pages and the API never get these headers.
"""

from __future__ import annotations

from aiohttp import web

from mediaserver.http.auth import ACCESS_ATTR

MEDIA_PREFIX = "/media/t/"
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Content-Range, Content-Length, Accept-Ranges, ETag",
}
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Range",
    "Access-Control-Max-Age": "86400",
}


async def preflight(request: web.Request) -> web.Response:
    """CORS preflight for media GETs with a Range header (the CORS signal adds the origin)."""
    return web.Response(status=204, headers=PREFLIGHT_HEADERS)


setattr(preflight, ACCESS_ATTR, "public")


def add_preflight(table: web.RouteTableDef, path: str, name: str) -> None:
    """OPTIONS on the same resource as the GET route just added for `path`, so preflights are
    answered without a catch-all route shadowing others."""
    table.route("OPTIONS", path, name=name)(preflight)


async def _media_cors(request: web.Request, response: web.StreamResponse) -> None:
    # A signal, not per-handler headers: error answers (401/403/404/416) of media URLs get them
    # too, so a cross-origin receiver can read why it failed. The live routes get them as well.
    if request.path.startswith(MEDIA_PREFIX) and request.method in ("GET", "HEAD", "OPTIONS"):
        for name, value in CORS_HEADERS.items():
            response.headers.setdefault(name, value)


def setup_media_cors(app: web.Application) -> None:
    app.on_response_prepare.append(_media_cors)

"""Download pages: the choices for a title (/downloads/new/<file>), the Downloads page, the
offline player (played from what the browser saved) and the service worker that keeps titles
for offline viewing, served at the root so its scope covers these pages."""

from __future__ import annotations

import time

from aiohttp import web

from mediaserver.accounts import current_user_id, effective_limits, request_profile
from mediaserver.errors import BadRequest
from mediaserver.http.auth import access
from mediaserver.http.forms import read_form
from mediaserver.http.templating import render
from mediaserver.keys import config_key, db_key
from mediaserver.offline import service, store
from mediaserver.web import STATIC

routes = web.RouteTableDef()
WORKER = STATIC / "sw-offline.js"


@routes.get("/downloads", name="downloads_page")
@access("user")
async def downloads_page(request: web.Request) -> web.Response:
    user_id, now = current_user_id(request), time.time()
    found = await service.mine(request.app, user_id, request_profile(request, required=False))
    limits = await effective_limits(request.app, user_id)
    return render(request, "offline/downloads.html", {
        "downloads": found, "now": now,
        "urls": {d.id: service.file_url(request.app, d) for d in found if d.state(now) == "active"},
        "held": await store.held(request.app[db_key], user_id, now),
        "limit": service.download_limit(request.app, limits.max_downloads),
        "checkin_days": request.app[config_key].offline.checkin_days,
    })  # fmt: skip


@routes.get(r"/downloads/new/{media_file_id:[1-9][0-9]{0,17}}", name="download_new")
@access("profile")
async def download_new(request: web.Request) -> web.Response:
    media_file_id = int(request.match_info["media_file_id"])
    offer = await service.options(request.app, request_profile(request), media_file_id)
    return render(request, "offline/new.html", {"offer": offer})


@routes.post(r"/downloads/new/{media_file_id:[1-9][0-9]{0,17}}", name="download_make")
@access("profile")
async def download_make(request: web.Request) -> web.StreamResponse:
    """The form's "Download MP4": make the download and go to its signed URL."""
    form = await read_form(request)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    subtitles = tuple(v for v in form.getall("subtitles", []) if isinstance(v, str))
    if len(subtitles) > 20:
        raise BadRequest("Choose at most 20 subtitle languages.", field="subtitles")
    choice = service.Choice("file", fields.get("rung") or None, fields.get("audio") or None,
                            subtitles)  # fmt: skip
    media_file_id = int(request.match_info["media_file_id"])
    made = await service.create(request.app, request_profile(request), media_file_id, choice)
    raise web.HTTPSeeOther(service.file_url(request.app, made))


@routes.post(r"/downloads/{download_id:[1-9][0-9]{0,17}}/remove", name="download_remove")
@access("user")
async def download_remove(request: web.Request) -> web.StreamResponse:
    await read_form(request)
    await service.remove(
        request.app, current_user_id(request), int(request.match_info["download_id"])
    )
    raise web.HTTPSeeOther("/downloads")


@routes.get("/downloads/player", name="offline_player")
@access("public")  # plays only what this browser saved; the page itself holds nothing private
async def offline_player(request: web.Request) -> web.Response:
    days = request.app[config_key].offline.checkin_days
    return render(request, "offline/player.html", {"checkin_days": days})


@routes.get("/offline-sw.js", name="offline_service_worker")
@access("public")
async def service_worker(request: web.Request) -> web.Response:
    """The service worker, at the root so that it may control /downloads and the saved files."""
    return web.Response(
        body=WORKER.read_bytes(),
        content_type="text/javascript",
        charset="utf-8",
        headers={"Service-Worker-Allowed": "/", "Cache-Control": "no-cache"},
    )

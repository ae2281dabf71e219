"""The downloads JSON API: a title's download choices, making, listing and removing downloads,
checking saved titles in, and the admin's list and revoke."""

from __future__ import annotations

import time

from aiohttp import web

from mediaserver.accounts import current_user_id, effective_limits, request_profile
from mediaserver.db.audit import audit_request
from mediaserver.http.api import api, json_model, parse_model
from mediaserver.http.auth import access
from mediaserver.http.forms import read_json
from mediaserver.keys import config_key, db_key
from mediaserver.offline import service, store
from mediaserver.offline.api_models import (
    CheckInBody,
    CheckInList,
    CheckInOut,
    DownloadCreate,
    DownloadList,
    DownloadOptionsOut,
    DownloadOut,
)
from mediaserver.offline.records import Download

routes = web.RouteTableDef()
_ID = r"{download_id:[1-9][0-9]{0,17}}"


def out(request: web.Request, download: Download, now: float) -> DownloadOut:
    return DownloadOut.of(download, now, service.file_url(request.app, download))


@routes.get(r"/api/v1/media/{media_file_id:[1-9][0-9]{0,17}}/download-options",
            name="api_download_options")  # fmt: skip
@access("profile")
@api(response=DownloadOptionsOut)
async def api_options(request: web.Request) -> web.Response:
    """The qualities (those the account may have), audio and subtitle languages a download of
    this file may have, and how many downloads the account holds against its limit."""
    media_file_id = int(request.match_info["media_file_id"])
    found = await service.options(request.app, request_profile(request), media_file_id)
    return json_model(DownloadOptionsOut.of(found))


@routes.post("/api/v1/offline/downloads", name="api_download_create")
@access("profile")
@api(body=DownloadCreate, response=DownloadOut, status=201)
async def api_create(request: web.Request) -> web.Response:
    """Make a download (an MP4 to keep, or a title to save in the browser); its `url` is signed
    and expires, the rights behind it are checked on every request."""
    body = parse_model(DownloadCreate, await read_json(request))
    choice = service.Choice(body.kind, body.rung, body.audio, tuple(body.subtitles))
    made = await service.create(request.app, request_profile(request), body.media_file_id, choice)
    return json_model(out(request, made, time.time()), status=201)


@routes.get("/api/v1/offline/downloads", name="api_downloads")
@access("user")
@api(response=DownloadList)
async def api_downloads(request: web.Request) -> web.Response:
    """My downloads, newest first, with fresh URLs for the active ones."""
    user_id, now = current_user_id(request), time.time()
    found = await service.mine(request.app, user_id, request_profile(request, required=False))
    held = await store.held(request.app[db_key], user_id, now)
    limit = service.download_limit(
        request.app, (await effective_limits(request.app, user_id)).max_downloads
    )
    return json_model(DownloadList(downloads=[out(request, d, now) for d in found], held=held,
                                   limit=limit))  # fmt: skip


@routes.get(f"/api/v1/offline/downloads/{_ID}", name="api_download")
@access("user")
@api(response=DownloadOut)
async def api_download(request: web.Request) -> web.Response:
    """One of my downloads, with a fresh URL while it is active."""
    download_id = int(request.match_info["download_id"])
    found = await service.own(request.app, current_user_id(request), download_id)
    return json_model(out(request, found, time.time()))


@routes.delete(f"/api/v1/offline/downloads/{_ID}", name="api_download_delete")
@access("user")
@api(response=None, status=204)
async def api_delete(request: web.Request) -> web.Response:
    """Give a download back: its URL stops working and its slot is free at once."""
    download_id = int(request.match_info["download_id"])
    await service.remove(request.app, current_user_id(request), download_id)
    return web.Response(status=204)


@routes.post("/api/v1/offline/check-in", name="api_download_check_in")
@access("user")
@api(body=CheckInBody, response=CheckInList)
async def api_check_in(request: web.Request) -> web.Response:
    """Saved titles check in: each may keep playing until `expires_at`, or was revoked (the
    browser deletes it)."""
    body = parse_model(CheckInBody, await read_json(request))
    found = await service.check_in(request.app, current_user_id(request), body.ids)
    results = [CheckInOut(id=c.id, status=c.status, reason=c.reason, expires_at=c.expires_at)
               for c in found]  # fmt: skip
    days = request.app[config_key].offline.checkin_days
    return json_model(CheckInList(results=results, checkin_days=days, server_time=time.time()))


@routes.get("/api/v1/admin/offline/downloads", name="api_admin_downloads")
@access("admin")
@api(response=DownloadList)
async def api_admin_downloads(request: web.Request) -> web.Response:
    """Every account's downloads, newest first (the latest 500)."""
    now = time.time()
    found = await store.everyone(request.app[db_key])
    return json_model(DownloadList(downloads=[DownloadOut.of(d, now, None) for d in found]))


@routes.post(f"/api/v1/admin/offline/downloads/{_ID}/revoke", name="api_admin_download_revoke")
@access("admin")
@api(response=DownloadOut)
async def api_admin_revoke(request: web.Request) -> web.Response:
    """Revoke a download: its URLs are refused at once and a saved copy is deleted by the
    browser at its next check-in."""
    done = await revoke_audited(request, int(request.match_info["download_id"]))
    return json_model(DownloadOut.of(done, time.time(), None))


async def revoke_audited(request: web.Request, download_id: int) -> Download:
    done = await service.revoke(request.app, download_id)
    target = f"download {done.id} of {done.username}: {done.title}"
    await audit_request(request, "download.revoke", target, {"kind": done.kind})
    return done

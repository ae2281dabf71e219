"""Admin: the packaging page (ladders, hardware encoder note) and "package again" actions.

GET /admin/packaging lists every ladder with its status and rungs, and says which video encoder
the server uses and why (the hardware detection note). POST /admin/packaging/{media_file_id}
re-packages one file; POST /admin/titles/{title_id}/package every main file of a title (a movie's
parts, a series' episodes). JSON: POST /api/v1/media/{media_file_id}/package.
"""

from __future__ import annotations

from aiohttp import web

from mediaserver.db.audit import audit_request
from mediaserver.errors import NotFound
from mediaserver.http.api import api
from mediaserver.http.auth import access
from mediaserver.http.forms import int_path
from mediaserver.http.templating import render
from mediaserver.keys import config_key, db_key
from mediaserver.media.hwaccel import HwaccelStatus
from mediaserver.packaging import store
from mediaserver.packaging.api_models import HwaccelOut, PackageQueuedOut
from mediaserver.packaging.hwaccel import hwaccel_key
from mediaserver.packaging.jobs import enqueue_package

routes = web.RouteTableDef()

NOTICES = {
    "queued": "Packaging queued; progress shows under Jobs.",
    "none": "That title has no files that can be packaged.",
}


def hwaccel_status(request: web.Request) -> HwaccelStatus | None:
    state = request.app.get(hwaccel_key)
    return state.status if state is not None else None


@routes.get("/admin/packaging", name="admin_packaging")
@access("admin")
async def packaging_page(request: web.Request) -> web.Response:
    ladders = await store.list_ladders(request.app[db_key])
    return render(
        request,
        "packaging/admin.html",
        {
            "ladders": ladders,
            "hwaccel": hwaccel_status(request),
            "notice": NOTICES.get(request.query.get("done", "")),
        },
    )


async def _package_file(request: web.Request, media_file_id: int) -> int:
    data_dir = request.app[config_key].paths.data_dir
    if await store.load_source(request.app[db_key], media_file_id, data_dir) is None:
        raise NotFound("No such media file.")
    job_id = await enqueue_package(request.app, media_file_id)
    await audit_request(request, "media.package", f"file #{media_file_id}", {"job_id": job_id})
    return job_id


@routes.post("/admin/packaging/{media_file_id}", name="admin_package_file")
@access("admin")
async def package_file(request: web.Request) -> web.StreamResponse:
    await _package_file(request, int_path(request, "media_file_id"))
    raise web.HTTPSeeOther("/admin/packaging?done=queued")


@routes.post("/admin/titles/{title_id}/package", name="admin_title_package")
@access("admin")
async def package_title(request: web.Request) -> web.StreamResponse:
    title_id = int_path(request, "title_id")
    files = await store.files_of_title(request.app[db_key], title_id)
    for media_file_id in files:
        await enqueue_package(request.app, media_file_id)
    await audit_request(request, "title.package", f"title #{title_id}", {"files": len(files)})
    raise web.HTTPSeeOther(f"/admin/packaging?done={'queued' if files else 'none'}")


@routes.post("/api/v1/media/{media_file_id}/package", name="api_media_package")
@access("admin")
@api(response=PackageQueuedOut, status=202)
async def api_package_file(request: web.Request) -> web.Response:
    """Queue packaging of one media file; the job's URL is in the Location header."""
    job_id = await _package_file(request, int_path(request, "media_file_id"))
    return web.json_response(
        {"job_id": job_id, "status": "queued"},
        status=202,
        headers={"Location": f"/api/v1/jobs/{job_id}"},
    )


@routes.get("/api/v1/packaging/hwaccel", name="api_packaging_hwaccel")
@access("admin")
@api(response=HwaccelOut | None)
async def api_hwaccel(request: web.Request) -> web.Response:
    """Say which video encoder packaging uses and why (null before detection has started)."""
    status = hwaccel_status(request)
    return web.json_response(status.to_json() if status is not None else None)

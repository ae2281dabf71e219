"""Admin: libraries. HTML pages under /admin/libraries, JSON under /api/v1/libraries.

Handlers parse, authorise (admin only), call `libraries` / `jobs`, and render. Creating or editing
a library restarts the file watcher over the new folders and queues a scan.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aiohttp import web

from mediaserver.errors import BadRequest, DomainError
from mediaserver.http.auth import access
from mediaserver.http.forms import int_path, read_input, text_field
from mediaserver.http.templating import is_htmx, render
from mediaserver.keys import config_key, db_key
from mediaserver.library import libraries as libs
from mediaserver.library.jobs import enqueue_scan
from mediaserver.library.store import list_issues
from mediaserver.library.watcher import watcher_key

routes = web.RouteTableDef()

FIELDS = frozenset({"name", "kind", "paths", "policy"})
NOTICES = {
    "created": "Library created; its first scan is queued (see Jobs for progress).",
    "saved": "Library saved; a rescan is queued.",
    "deleted": "Library deleted. The files on disk were not touched.",
    "queued": "Scan queued; progress shows under Jobs.",
}


def library_json(lib: libs.Library) -> dict[str, Any]:
    return asdict(lib)


def _data_dir(request: web.Request):  # noqa: ANN202
    return request.app[config_key].paths.data_dir


def _reload_watcher(request: web.Request) -> None:
    watcher = request.app.get(watcher_key)
    if watcher is not None:
        watcher.reload()


def _form_values(data: dict[str, Any]) -> dict[str, str]:
    return {
        "name": text_field(data, "name", max_length=200),
        "kind": text_field(data, "kind", default="movies", max_length=16),
        "policy": text_field(data, "policy", default=libs.DEFAULT_POLICY, max_length=16),
        "paths": text_field(data, "paths", max_length=40_000),
    }


def _form_page(
    request: web.Request,
    values: dict[str, str],
    *,
    library: libs.Library | None = None,
    error: str | None = None,
    status: int = 200,
) -> web.Response:
    return render(
        request,
        "library/library_form.html",
        {
            "library": library,
            "values": values,
            "kinds": libs.KINDS,
            "policies": libs.POLICIES,
            "error": error,
            "notice": NOTICES.get(request.query.get("done", "")),
        },
        status=status,
    )


@routes.get("/admin/libraries", name="admin_libraries")
@access("admin")
async def libraries_page(request: web.Request) -> web.Response:
    stats = await libs.library_stats(request.app[db_key])
    return render(
        request,
        "library/libraries.html",
        {"stats": stats, "notice": NOTICES.get(request.query.get("done", ""))},
    )


@routes.get("/admin/libraries/new", name="admin_library_new")
@access("admin")
async def library_new_page(request: web.Request) -> web.Response:
    return _form_page(request, {"name": "", "kind": "movies", "policy": "hybrid", "paths": ""})


@routes.post("/admin/libraries/new", name="admin_library_create")
@access("admin")
async def library_create(request: web.Request) -> web.StreamResponse:
    values = _form_values(await read_input(request))
    try:
        lib = await libs.create_library(
            request.app[db_key],
            values["name"],
            values["kind"],
            values["paths"],
            values["policy"],
            data_dir=_data_dir(request),
        )
    except DomainError as exc:
        return _form_page(request, values, error=exc.detail, status=exc.status)
    _reload_watcher(request)
    await enqueue_scan(request.app, lib.id)
    raise web.HTTPSeeOther("/admin/libraries?done=created")


@routes.get("/admin/libraries/{library_id}", name="admin_library")
@access("admin")
async def library_page(request: web.Request) -> web.Response:
    lib = await libs.get_library(request.app[db_key], int_path(request, "library_id"))
    values = {
        "name": lib.name,
        "kind": lib.kind,
        "policy": lib.policy,
        "paths": "\n".join(lib.paths),
    }
    return _form_page(request, values, library=lib)


@routes.post("/admin/libraries/{library_id}", name="admin_library_update")
@access("admin")
async def library_update(request: web.Request) -> web.StreamResponse:
    db, library_id = request.app[db_key], int_path(request, "library_id")
    data = await read_input(request)
    lib = await libs.get_library(db, library_id)
    if text_field(data, "action", max_length=16) == "delete":
        await libs.delete_library(db, library_id)
        _reload_watcher(request)
        raise web.HTTPSeeOther("/admin/libraries?done=deleted")
    values = _form_values(data)
    try:
        await libs.update_library(
            db,
            library_id,
            name=values["name"],
            kind=values["kind"],
            paths=values["paths"],
            policy=values["policy"],
            data_dir=_data_dir(request),
        )
    except DomainError as exc:
        return _form_page(request, values, library=lib, error=exc.detail, status=exc.status)
    _reload_watcher(request)
    await enqueue_scan(request.app, library_id)
    raise web.HTTPSeeOther(f"/admin/libraries/{library_id}?done=saved")


@routes.post("/admin/libraries/{library_id}/scan", name="admin_library_scan")
@access("admin")
async def library_scan(request: web.Request) -> web.StreamResponse:
    lib = await libs.get_library(request.app[db_key], int_path(request, "library_id"))
    job_id = await enqueue_scan(request.app, lib.id)
    if is_htmx(request):
        return render(
            request,
            "library/libraries.html",
            {"queued": {"library": lib, "job_id": job_id}},
            block="scan_status",
        )
    raise web.HTTPSeeOther("/admin/libraries?done=queued")


@routes.get("/admin/libraries/{library_id}/issues", name="admin_library_issues")
@access("admin")
async def library_issues(request: web.Request) -> web.Response:
    db = request.app[db_key]
    lib = await libs.get_library(db, int_path(request, "library_id"))
    issues = await list_issues(db, lib.id)
    return render(request, "library/issues.html", {"library": lib, "issues": issues})


# ----- JSON API -----


@routes.get("/api/v1/libraries", name="api_libraries")
@access("admin")
async def api_libraries(request: web.Request) -> web.Response:
    stats = await libs.library_stats(request.app[db_key])
    return web.json_response(
        {
            "libraries": [
                library_json(s.library)
                | {"titles": s.titles, "files": s.files, "failed": s.failed, "missing": s.missing}
                for s in stats
            ]
        }
    )


def _refuse_unknown(data: dict[str, Any]) -> None:
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise BadRequest(
            f"Only {', '.join(sorted(FIELDS))} can be set; not: {', '.join(unknown)}.",
            field=unknown[0],
        )


@routes.post("/api/v1/libraries", name="api_library_create")
@access("admin")
async def api_library_create(request: web.Request) -> web.Response:
    data = await read_input(request)
    _refuse_unknown(data)
    lib = await libs.create_library(
        request.app[db_key],
        data.get("name"),
        data.get("kind"),
        data.get("paths"),
        data.get("policy") or libs.DEFAULT_POLICY,
        data_dir=_data_dir(request),
    )
    _reload_watcher(request)
    job_id = await enqueue_scan(request.app, lib.id)
    return web.json_response(
        library_json(lib) | {"scan_job_id": job_id},
        status=201,
        headers={"Location": f"/api/v1/libraries/{lib.id}"},
    )


@routes.get("/api/v1/libraries/{library_id}", name="api_library")
@access("admin")
async def api_library(request: web.Request) -> web.Response:
    lib = await libs.get_library(request.app[db_key], int_path(request, "library_id"))
    return web.json_response(library_json(lib))


@routes.patch("/api/v1/libraries/{library_id}", name="api_library_update")
@access("admin")
async def api_library_update(request: web.Request) -> web.Response:
    library_id = int_path(request, "library_id")
    data = await read_input(request)
    _refuse_unknown(data)
    lib = await libs.update_library(
        request.app[db_key],
        library_id,
        name=data.get("name"),
        kind=data.get("kind"),
        paths=data.get("paths"),
        policy=data.get("policy"),
        data_dir=_data_dir(request),
    )
    if "paths" in data or "kind" in data:
        _reload_watcher(request)
        await enqueue_scan(request.app, library_id)
    return web.json_response(library_json(lib))


@routes.delete("/api/v1/libraries/{library_id}", name="api_library_delete")
@access("admin")
async def api_library_delete(request: web.Request) -> web.Response:
    await libs.delete_library(request.app[db_key], int_path(request, "library_id"))
    _reload_watcher(request)
    return web.Response(status=204)


@routes.post("/api/v1/libraries/{library_id}/scan", name="api_library_scan")
@access("admin")
async def api_library_scan(request: web.Request) -> web.Response:
    lib = await libs.get_library(request.app[db_key], int_path(request, "library_id"))
    job_id = await enqueue_scan(request.app, lib.id)
    return web.json_response(
        {"job_id": job_id, "status": "queued"},
        status=202,
        headers={"Location": f"/api/v1/jobs/{job_id}"},
    )

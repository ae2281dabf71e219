"""Admin pages: libraries, under /admin/libraries (the JSON API is in `api_routes`).

Handlers parse, authorise (admin only), call `libraries` / `changes`, and render. Creating or
editing a library restarts the file watcher over the new folders and queues a scan.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mediaserver.db.audit import audit_request
from mediaserver.errors import DomainError
from mediaserver.http.auth import access
from mediaserver.http.forms import int_path, read_input, text_field
from mediaserver.http.templating import is_htmx, render
from mediaserver.keys import db_key
from mediaserver.library import libraries as libs
from mediaserver.library.changes import data_dir, folders_changed, reload_watcher
from mediaserver.library.jobs import enqueue_scan
from mediaserver.library.scan.store import list_issues

routes = web.RouteTableDef()


def _detail(lib: libs.Library) -> dict[str, object]:
    """What the audit log keeps of a library."""
    return {"id": lib.id, "kind": lib.kind, "paths": lib.paths, "policy": lib.policy}

NOTICES = {
    "created": "Library created; its first scan is queued (see Jobs for progress).",
    "saved": "Library saved; a rescan is queued.",
    "deleted": "Library deleted. The files on disk were not touched.",
    "queued": "Scan queued; progress shows under Jobs.",
    "already": "A scan of this library is already queued or running; progress shows under Jobs.",
}


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
            data_dir=data_dir(request.app),
        )
    except DomainError as exc:
        return _form_page(request, values, error=exc.detail, status=exc.status)
    await audit_request(request, "library.create", f"library {lib.name}", _detail(lib))
    await folders_changed(request.app, lib.id)
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
        await audit_request(request, "library.delete", f"library {lib.name}", _detail(lib))
        reload_watcher(request.app)
        raise web.HTTPSeeOther("/admin/libraries?done=deleted")
    values = _form_values(data)
    try:
        saved = await libs.update_library(
            db,
            library_id,
            name=values["name"],
            kind=values["kind"],
            paths=values["paths"],
            policy=values["policy"],
            data_dir=data_dir(request.app),
        )
    except DomainError as exc:
        return _form_page(request, values, library=lib, error=exc.detail, status=exc.status)
    await audit_request(request, "library.edit", f"library {saved.name}", _detail(saved))
    await folders_changed(request.app, library_id)
    raise web.HTTPSeeOther(f"/admin/libraries/{library_id}?done=saved")


@routes.post("/admin/libraries/{library_id}/scan", name="admin_library_scan")
@access("admin")
async def library_scan(request: web.Request) -> web.StreamResponse:
    lib = await libs.get_library(request.app[db_key], int_path(request, "library_id"))
    # Pressed twice, or while the scan runs: the same scan, and the page says so.
    scan = await enqueue_scan(request.app, lib.id, merge_running=True)
    await audit_request(request, "library.scan", f"library {lib.name}", {"job_id": scan.job_id})
    if is_htmx(request):
        return render(request, "library/libraries.html", {"scan": scan}, block="scan_status")
    raise web.HTTPSeeOther(f"/admin/libraries?done={'already' if scan.merged else 'queued'}")


@routes.get("/admin/libraries/{library_id}/issues", name="admin_library_issues")
@access("admin")
async def library_issues(request: web.Request) -> web.Response:
    db = request.app[db_key]
    lib = await libs.get_library(db, int_path(request, "library_id"))
    issues = await list_issues(db, lib.id)
    return render(request, "library/issues.html", {"library": lib, "issues": issues})

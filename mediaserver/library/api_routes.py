"""JSON API of libraries (/api/v1/libraries) and of titles for admins (/api/v1/titles).

Admin only. Handlers parse, call `libraries` / `titles_admin` / `changes`, and answer; creating a
library, or changing its folders or kind, restarts the file watcher and queues a scan.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aiohttp import web

from mediaserver.db.audit import audit_request
from mediaserver.errors import BadRequest
from mediaserver.http.api import api
from mediaserver.http.auth import access
from mediaserver.http.forms import int_path, read_input
from mediaserver.keys import db_key
from mediaserver.library import libraries as libs
from mediaserver.library import titles_admin as ta
from mediaserver.library.api_models import (
    AdminTitleEditBody,
    AdminTitleFilesOut,
    AdminTitleListOut,
    AdminTitleQuery,
    LibraryCreateBody,
    LibraryCreated,
    LibraryListOut,
    LibraryOut,
    LibraryScanQueued,
    LibraryUpdateBody,
)
from mediaserver.library.changes import data_dir, folders_changed, reload_watcher
from mediaserver.library.jobs import enqueue_scan
from mediaserver.library.titles_admin import query_filters

routes = web.RouteTableDef()

FIELDS = frozenset({"name", "kind", "paths", "policy"})


def library_json(lib: libs.Library) -> dict[str, Any]:
    return asdict(lib)


def _refuse_unknown(data: dict[str, Any]) -> None:
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise BadRequest(
            f"Only {', '.join(sorted(FIELDS))} can be set; not: {', '.join(unknown)}.",
            field=unknown[0],
        )


# ----- libraries -----


@routes.get("/api/v1/libraries", name="api_libraries")
@access("admin")
@api(response=LibraryListOut)
async def api_libraries(request: web.Request) -> web.Response:
    """Every library with counts of its visible titles, files, failed and missing files."""
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


@routes.post("/api/v1/libraries", name="api_library_create")
@access("admin")
@api(body=LibraryCreateBody, response=LibraryCreated, status=201)
async def api_library_create(request: web.Request) -> web.Response:
    """Create a library and queue its first scan.

    The folders must exist, be readable, and overlap no other library nor the data folder.
    """
    data = await read_input(request)
    _refuse_unknown(data)
    lib = await libs.create_library(
        request.app[db_key],
        data.get("name"),
        data.get("kind"),
        data.get("paths"),
        data.get("policy") or libs.DEFAULT_POLICY,
        data_dir=data_dir(request.app),
    )
    await audit_request(request, "library.create", f"library {lib.name}", library_json(lib))
    job_id = await folders_changed(request.app, lib.id)
    return web.json_response(
        library_json(lib) | {"scan_job_id": job_id},
        status=201,
        headers={"Location": f"/api/v1/libraries/{lib.id}"},
    )


@routes.get("/api/v1/libraries/{library_id}", name="api_library")
@access("admin")
@api(response=LibraryOut)
async def api_library(request: web.Request) -> web.Response:
    """One library."""
    lib = await libs.get_library(request.app[db_key], int_path(request, "library_id"))
    return web.json_response(library_json(lib))


@routes.patch("/api/v1/libraries/{library_id}", name="api_library_update")
@access("admin")
@api(body=LibraryUpdateBody, response=LibraryOut)
async def api_library_update(request: web.Request) -> web.Response:
    """Change a library's name, kind, folders or policy; new folders or kind queue a rescan."""
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
        data_dir=data_dir(request.app),
    )
    await audit_request(request, "library.edit", f"library {lib.name}", library_json(lib))
    if "paths" in data or "kind" in data:
        await folders_changed(request.app, library_id)
    return web.json_response(library_json(lib))


@routes.delete("/api/v1/libraries/{library_id}", name="api_library_delete")
@access("admin")
@api(response=None, status=204)
async def api_library_delete(request: web.Request) -> web.Response:
    """Delete a library with its titles and file records; the files on disk stay."""
    db, library_id = request.app[db_key], int_path(request, "library_id")
    lib = await libs.get_library(db, library_id)
    await libs.delete_library(db, library_id)
    await audit_request(request, "library.delete", f"library {lib.name}", library_json(lib))
    reload_watcher(request.app)
    return web.Response(status=204)


@routes.post("/api/v1/libraries/{library_id}/scan", name="api_library_scan")
@access("admin")
@api(response=LibraryScanQueued, status=202)
async def api_library_scan(request: web.Request) -> web.Response:
    """Queue a scan of the library, or join the one already queued or running.

    The job's progress is at the Location given."""
    lib = await libs.get_library(request.app[db_key], int_path(request, "library_id"))
    scan = await enqueue_scan(request.app, lib.id, merge_running=True)
    await audit_request(request, "library.scan", f"library {lib.name}", {"job_id": scan.job_id})
    return web.json_response(
        {"job_id": scan.job_id, "status": scan.status, "already": scan.merged},
        status=202,
        headers={"Location": f"/api/v1/jobs/{scan.job_id}"},
    )


# ----- titles -----


@routes.get("/api/v1/titles", name="api_titles")
@access("admin")
@api(query=AdminTitleQuery, response=AdminTitleListOut)
async def api_titles(request: web.Request) -> web.Response:
    """Visible titles, filtered by library and kind; `q` searches title, description and cast."""
    wanted = query_filters(request.query)
    found = await ta.list_titles(request.app[db_key], wanted.q, wanted.library_id, wanted.kind)
    return web.json_response({"titles": [asdict(t) for t in found]})


@routes.get("/api/v1/titles/{title_id}", name="api_title")
@access("admin")
@api(response=ta.AdminTitle)
async def api_title(request: web.Request) -> web.Response:
    """One title, removed or not, with its locked fields and genres."""
    title = await ta.get_title(request.app[db_key], int_path(request, "title_id"))
    return web.json_response(asdict(title))


@routes.patch("/api/v1/titles/{title_id}", name="api_title_update")
@access("admin")
@api(body=AdminTitleEditBody, response=ta.AdminTitle)
async def api_title_update(request: web.Request) -> web.Response:
    """Edit a title's metadata; every field sent is locked so scans no longer change it."""
    title_id = int_path(request, "title_id")
    changes = ta.parse_edit(await read_input(request))
    await ta.get_title(request.app[db_key], title_id)
    title = await ta.update_title(request.app[db_key], title_id, changes)
    await audit_request(request, "title.edit", f"title {title.title}", {"title_id": title_id})
    return web.json_response(asdict(title))


@routes.get("/api/v1/titles/{title_id}/files", name="api_title_files")
@access("admin")
@api(response=AdminTitleFilesOut)
async def api_title_files(request: web.Request) -> web.Response:
    """Media info of every file of a title: the file, its streams, subtitles and chapters."""
    title_id = int_path(request, "title_id")
    await ta.get_title(request.app[db_key], title_id)
    return web.json_response({"files": await ta.title_files(request.app[db_key], title_id)})

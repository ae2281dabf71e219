"""Admin pages: titles. /admin/titles (list, search), /admin/titles/{id} (edit, poster, media
info, skip markers); the JSON API is in `api_routes`. Admin only: maturity ratings and metadata
are admin decisions.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mediaserver import catalog
from mediaserver.db.audit import audit_request
from mediaserver.errors import DomainError, NotFound
from mediaserver.http.auth import access
from mediaserver.http.forms import int_path, read_input
from mediaserver.http.templating import render
from mediaserver.keys import db_key, storage_key
from mediaserver.library import titles_admin as ta
from mediaserver.library.libraries import list_libraries
from mediaserver.library.poster_form import read_poster
from mediaserver.library.posters import save_poster, selected_poster

routes = web.RouteTableDef()

NOTICES = {"saved": "Saved. Edited fields are locked: scans will not change them.",
           "poster": "Poster uploaded and selected.",
           "markers": "Skip markers saved."}  # fmt: skip


@routes.get("/admin/titles", name="admin_titles")
@access("admin")
async def titles_page(request: web.Request) -> web.Response:
    db = request.app[db_key]
    wanted = ta.query_filters(request.query)
    found = await ta.list_titles(db, wanted.q, wanted.library_id, wanted.kind)
    return render(
        request,
        "library/titles.html",
        {
            "titles": found,
            "q": wanted.q,
            "library_id": wanted.library_id,
            "kind": wanted.kind,
            "libraries": await list_libraries(db),
        },
        block="results",
    )


async def _edit_page(
    request: web.Request,
    title_id: int,
    *,
    error: str | None = None,
    status: int = 200,
    values: dict[str, Any] | None = None,
) -> web.Response:
    db = request.app[db_key]
    title = await ta.get_title(db, title_id)
    files = await ta.title_files(db, title_id)
    return render(
        request,
        "library/title_edit.html",
        {
            "title": title,
            "values": values or title,
            "files": files,
            "markers": await catalog.markers_of(db, [f["id"] for f in files]),
            "poster": await selected_poster(db, title_id),
            "ratings": ta.RATINGS,
            "error": error,
            "notice": NOTICES.get(request.query.get("done", "")),
        },
        status=status,
    )


@routes.get("/admin/titles/{title_id}", name="admin_title")
@access("admin")
async def title_page(request: web.Request) -> web.Response:
    return await _edit_page(request, int_path(request, "title_id"))


@routes.post("/admin/titles/{title_id}", name="admin_title_update")
@access("admin")
async def title_update(request: web.Request) -> web.StreamResponse:
    title_id = int_path(request, "title_id")
    data = await read_input(request)
    fields = {k: data.get(k, "") for k in ta.EDITABLE}
    try:
        await ta.edit_from_form(request.app[db_key], title_id, fields)
    except DomainError as exc:
        values = fields | {"genres": [g for g in str(fields["genres"]).split(",") if g.strip()]}
        return await _edit_page(
            request, title_id, error=exc.detail, status=exc.status, values=values
        )
    target = f"title {str(fields.get('title', ''))[:200]}".strip()
    await audit_request(request, "title.edit", target, {"title_id": title_id})
    raise web.HTTPSeeOther(f"/admin/titles/{title_id}?done=saved")


@routes.post("/admin/titles/{title_id}/poster", name="admin_title_poster")
@access("admin")
async def title_poster(request: web.Request) -> web.StreamResponse:
    title_id = int_path(request, "title_id")
    await ta.get_title(request.app[db_key], title_id)  # 404 before reading a body
    try:
        data = await read_poster(request)
        await save_poster(request.app[db_key], request.app[storage_key], title_id, data)
    except DomainError as exc:
        return await _edit_page(request, title_id, error=exc.detail, status=exc.status)
    raise web.HTTPSeeOther(f"/admin/titles/{title_id}?done=poster")


@routes.post("/admin/titles/{title_id}/files/{media_file_id}/markers", name="admin_file_markers")
@access("admin")
async def file_markers(request: web.Request) -> web.StreamResponse:
    """Set or clear a file's Skip Intro / Skip Credits spans (empty fields: clear)."""
    title_id = int_path(request, "title_id")
    media_file_id = int_path(request, "media_file_id")
    files = await ta.title_files(request.app[db_key], title_id)
    if media_file_id not in {f["id"] for f in files}:
        raise NotFound("No such file in this title.")
    try:
        await catalog.apply_admin_form(
            request.app[db_key], media_file_id, await read_input(request)
        )
    except DomainError as exc:
        return await _edit_page(request, title_id, error=exc.detail, status=exc.status)
    raise web.HTTPSeeOther(f"/admin/titles/{title_id}?done=markers")

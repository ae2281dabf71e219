"""Admin page: uploads (/admin/uploads), sending files into a library with tus from the browser."""

from __future__ import annotations

from aiohttp import web

from mediaserver.http.auth import access
from mediaserver.http.templating import render
from mediaserver.keys import db_key
from mediaserver.library.uploads.context import BASE, limits_of
from mediaserver.library.uploads.store import libraries_for_upload, recent_uploads

routes = web.RouteTableDef()

BROWSER_CHUNK = 64 << 20  # PATCH size the admin page uses: fine for proxies with body limits


@routes.get("/admin/uploads", name="admin_uploads")
@access("admin")
async def uploads_page(request: web.Request) -> web.Response:
    db = request.app[db_key]
    limits = limits_of(request.app)
    return render(
        request,
        "admin/uploads.html",
        {
            "libraries": await libraries_for_upload(db),
            "recent": await recent_uploads(db),
            "max_bytes": limits.max_bytes,
            "max_gb": f"{limits.max_bytes / 1024**3:g}",
            "chunk_size": BROWSER_CHUNK,
            "endpoint": BASE,
        },
        block="upload_rows",
        headers={"Cache-Control": "no-store"},
    )

"""Admin: every account's downloads (who, what, quality, kind, size, state) and Revoke.

GET /admin/downloads, POST /admin/downloads/{id}/revoke; the JSON side is in api_routes.
"""

from __future__ import annotations

import time

from aiohttp import web

from mediaserver.http.auth import access
from mediaserver.http.forms import read_form
from mediaserver.http.templating import render
from mediaserver.keys import db_key
from mediaserver.offline import store
from mediaserver.offline.api_routes import revoke_audited

routes = web.RouteTableDef()
REVOKED = (
    "The download was revoked: its URLs are refused, and the browser deletes a saved copy at "
    "its next check-in."
)


@routes.get("/admin/downloads", name="admin_downloads")
@access("admin")
async def admin_downloads(request: web.Request) -> web.Response:
    found = await store.everyone(request.app[db_key])
    notice = REVOKED if request.query.get("done") == "revoked" else None
    return render(request, "offline/admin.html",
                  {"downloads": found, "now": time.time(), "notice": notice})  # fmt: skip


@routes.post(
    r"/admin/downloads/{download_id:[1-9][0-9]{0,17}}/revoke", name="admin_download_revoke"
)
@access("admin")
async def admin_revoke(request: web.Request) -> web.StreamResponse:
    await read_form(request)
    await revoke_audited(request, int(request.match_info["download_id"]))
    raise web.HTTPSeeOther("/admin/downloads?done=revoked")

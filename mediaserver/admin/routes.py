"""The admin dashboard at /admin. Each domain registers its own admin pages."""

from __future__ import annotations

from aiohttp import web

from mediaserver.admin.stats import dashboard_counts
from mediaserver.http.auth import access
from mediaserver.http.templating import render
from mediaserver.keys import db_key

routes = web.RouteTableDef()


@routes.get("/admin", name="admin")
@access("admin")
async def dashboard(request: web.Request) -> web.Response:
    counts = await dashboard_counts(request.app[db_key])
    return render(request, "admin/dashboard.html", {"counts": counts})

"""Admin area: the dashboard here; users and API keys in their own modules.

app.py imports `routes` from this module, so it carries every admin route table.
"""

from __future__ import annotations

from aiohttp import web

from mediaserver.admin import api_key_routes, users_routes
from mediaserver.admin.stats import dashboard_counts
from mediaserver.http.auth import access
from mediaserver.http.templating import render
from mediaserver.keys import db_key

dashboard_routes = web.RouteTableDef()


@dashboard_routes.get("/admin", name="admin")
@access("admin")
async def dashboard(request: web.Request) -> web.Response:
    counts = await dashboard_counts(request.app[db_key])
    return render(request, "admin/dashboard.html", {"counts": counts})


routes: list[web.AbstractRouteDef] = [
    *dashboard_routes,
    *users_routes.routes,
    *api_key_routes.routes,
]

"""The admin dashboard: GET /admin (the page), GET /admin/dashboard/events (its live panels,
Server-Sent Events) and GET /api/v1/admin/dashboard (the same figures as JSON). Each domain
registers its own admin pages."""

from __future__ import annotations

from aiohttp import web

from mediaserver.admin.dashboard import Dashboard
from mediaserver.admin.live import dashboard_feed_key, stream_now
from mediaserver.admin.stats import dashboard_counts
from mediaserver.http.api import api, json_model
from mediaserver.http.auth import access
from mediaserver.http.templating import render
from mediaserver.keys import db_key

routes = web.RouteTableDef()


@routes.get("/admin", name="admin")
@access("admin")
async def dashboard(request: web.Request) -> web.Response:
    counts = await dashboard_counts(request.app[db_key])
    context = {
        "counts": counts,
        "dash": await request.app[dashboard_feed_key].dashboard(request.app),
    }
    return render(request, "admin/dashboard.html", context)


@routes.get("/admin/dashboard/events", name="admin_dashboard_events")
@access("admin")
async def dashboard_events(request: web.Request) -> web.StreamResponse:
    return await stream_now(request)


@routes.get("/api/v1/admin/dashboard", name="api_admin_dashboard")
@access("admin")
@api(response=Dashboard)
async def api_dashboard(request: web.Request) -> web.Response:
    """What is happening now (plays, sessions, jobs, machine, storage, alerts) and today and
    this week against the periods before."""
    feed = request.app[dashboard_feed_key]
    return json_model(await feed.dashboard(request.app, wait_summary=True))

"""The analytics pages (/admin/analytics/...), their tables as JSON or CSV
(/api/v1/admin/analytics/{table}), and the "roll up now" button. Admins only."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import replace

from aiohttp import web

from mediaserver.analytics import history, quality, retention, views
from mediaserver.analytics.api_models import AnalyticsQuery, AnalyticsTableOut
from mediaserver.analytics.charts import Charts
from mediaserver.analytics.filters import Filters, parse_filters
from mediaserver.analytics.jobs import last_rollup, queue_rollup
from mediaserver.analytics.overview import overview
from mediaserver.http.api import api
from mediaserver.http.auth import access
from mediaserver.http.templating import render
from mediaserver.keys import db_key

routes = web.RouteTableDef()


async def _page(request: web.Request, template: str, f: Filters, **context: object) -> web.Response:
    until = await last_rollup(request.app)
    base = {
        "f": f,
        "choices": await views.choices(request.app[db_key], f),
        "last_rollup": dt.datetime.fromtimestamp(until, dt.UTC).strftime("%Y-%m-%d %H:%M")
        if until
        else "",
        "path": request.path,
        "charts": Charts,
    }
    return render(request, template, base | context)


@routes.get("/admin/analytics", name="admin_analytics")
@access("admin")
async def watching_page(request: web.Request) -> web.Response:
    f = parse_filters(request.query)
    found = await overview(request.app[db_key], f)
    return await _page(request, "analytics/watching.html", f, **found.context())


@routes.get("/admin/analytics/retention", name="admin_analytics_retention")
@access("admin")
async def retention_page(request: web.Request) -> web.Response:
    f, db = parse_filters(request.query), request.app[db_key]
    files = await retention.watched_files(db, f)
    chosen = f.file if f.file is not None else (files.links[0]["file"] if files.links else None)
    curve = None if chosen is None else await retention.retention(db, f, chosen)
    drops = curve.dropoffs if curve else []
    return await _page(
        request,
        "analytics/retention.html",
        f,
        files=files,
        ret=curve,
        rf=replace(f, file=chosen),
        dropoff_markers=[(p, f"−{lost:g} pts at {p}%") for p, lost in drops],
        # Numbers only: the drop-off points, for scripts and tests reading the chart.
        dropoff_attrs=f'data-dropoffs="{",".join(str(p) for p, _ in drops)}"',
    )


@routes.get("/admin/analytics/quality", name="admin_analytics_quality")
@access("admin")
async def quality_page(request: web.Request) -> web.Response:
    f, db = parse_filters(request.query), request.app[db_key]
    by_browser, by_method, rungs = await asyncio.gather(
        quality.by(db, f, "browser"), quality.by(db, f, "method"), quality.unplayed_rungs(db, f)
    )
    return await _page(
        request,
        "analytics/quality.html",
        f,
        by_browser=by_browser,
        by_method=by_method,
        rungs=rungs,
    )


@routes.get("/admin/analytics/history", name="admin_analytics_history")
@access("admin")
async def history_page(request: web.Request) -> web.Response:
    f = parse_filters(request.query)
    found = await history.history(request.app[db_key], f)
    return await _page(request, "analytics/history.html", f, history=found)


@routes.post("/admin/analytics/rollup", name="admin_analytics_rollup")
@access("admin")
async def rollup_now(request: web.Request) -> web.Response:
    await queue_rollup(request.app)
    back = request.headers.get("Referer", "")
    target = back if back.startswith(f"{request.scheme}://{request.host}/admin/analytics") else ""
    raise web.HTTPSeeOther(target or "/admin/analytics")


@routes.get("/api/v1/admin/analytics/{table}", name="api_admin_analytics")
@access("admin")
@api(query=AnalyticsQuery, response=AnalyticsTableOut)
async def api_table(request: web.Request) -> web.Response:
    """One analytics table (over_time, top_movies, top_series, heatmap, binges, history, files,
    retention, hotspots, qoe_browser, qoe_method, unplayed_rungs) for a range and filters;
    `format=csv` downloads it as CSV."""
    name = request.match_info["table"]
    found = await views.table(request.app[db_key], name, parse_filters(request.query))
    if request.query.get("format") == "csv":
        return web.Response(
            text=found.as_csv(),
            headers={
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": f'attachment; filename="{name}.csv"',
            },
        )
    return web.json_response(found.as_json())

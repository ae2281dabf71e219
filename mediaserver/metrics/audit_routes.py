"""The admin's audit log: a searchable page, and the same search as CSV and as JSON."""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from mediaserver.http.api import api, json_model, read_query
from mediaserver.http.auth import access
from mediaserver.http.templating import render
from mediaserver.keys import db_key
from mediaserver.metrics.audit_models import AuditEntryOut, AuditPage, AuditQuery
from mediaserver.metrics.audit_view import csv_lines, iso_time, search

routes = web.RouteTableDef()


def _filters(query: AuditQuery) -> dict[str, str]:
    """The search as query-string values (what the page's links keep)."""
    found = {
        "q": query.q,
        "action": query.action,
        "since": query.since.isoformat() if query.since else "",
        "until": query.until.isoformat() if query.until else "",
    }
    return {k: v for k, v in found.items() if v}


@routes.get("/admin/audit", name="admin_audit")
@access("admin")
async def audit_page(request: web.Request) -> web.Response:
    query = read_query(request, AuditQuery)
    results = await search(request.app[db_key], query)
    filters = _filters(query)
    older = None
    if results.next_before is not None:
        older = "/admin/audit?" + urlencode(filters | {"before": str(results.next_before)})
    context = {
        "query": query,
        "entries": results.entries,
        "iso_time": iso_time,
        "older_url": older,
        "first_url": "/admin/audit?" + urlencode(filters) if query.before else None,
        "csv_url": "/admin/audit.csv?" + urlencode(filters),
        "json_url": "/api/v1/admin/audit?" + urlencode(filters),
    }
    return render(request, "admin/audit.html", context, block="audit_results")


@routes.get("/admin/audit.csv", name="admin_audit_csv")
@access("admin")
async def audit_csv(request: web.Request) -> web.StreamResponse:
    query = read_query(request, AuditQuery)
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="audit-log.csv"',
            "Cache-Control": "no-store",
        }
    )
    await response.prepare(request)
    async for line in csv_lines(request.app[db_key], query):
        await response.write(line)
    await response.write_eof()
    return response


@routes.get("/api/v1/admin/audit", name="api_admin_audit")
@access("admin")
@api(query=AuditQuery, response=AuditPage)
async def api_audit(request: web.Request) -> web.Response:
    """Search the audit log of admin actions, newest first, a page at a time."""
    results = await search(request.app[db_key], read_query(request, AuditQuery))
    entries = [
        AuditEntryOut(
            id=e.id, at=e.at, actor_id=e.actor_id, actor_name=e.actor_name, address=e.address,
            action=e.action, target=e.target, detail=e.detail,
        )
        for e in results.entries
    ]
    return json_model(AuditPage(entries=entries, next_before=results.next_before))

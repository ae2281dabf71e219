"""The OpenAPI document lists the real API, with who may call each operation."""

from __future__ import annotations

import re


async def test_openapi_lists_every_api_route_with_its_access(client):
    resp = await client.get("/api/v1/openapi.json")
    assert resp.status == 200
    doc = await resp.json()
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    assert "/api/v1/openapi.json" in paths
    # Every /api/v1 route of the app is in the document, with path parameters named cleanly.
    documented = {(p, m.upper()) for p, ops in paths.items() for m in ops}
    for route in client.app.router.routes():
        info = route.resource.get_info()
        path = info.get("path") or info.get("formatter") or ""
        if path.startswith("/api/v1/") and route.method != "HEAD":
            clean = re.sub(r"\{(\w+):[^}]*\}", r"{\1}", path)
            assert (clean, route.method) in documented, (clean, route.method)
    assert all(":" not in p for p in paths)
    public = paths["/api/v1/openapi.json"]["get"]
    assert "security" not in public and "Anyone" in public["description"]
    admin_ops = [
        op for p, ops in paths.items() if p.startswith("/api/v1/admin") for op in ops.values()
    ]
    assert admin_ops and all("administrator" in op["description"] for op in admin_ops)

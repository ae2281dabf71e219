"""The OpenAPI document lists the real API, with who may call each operation."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

from mediaserver.http.api import api_spec
from mediaserver.http.openapi import summary_of


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


def _api_routes(app):
    for route in app.router.routes():
        info = route.resource.get_info()
        path = info.get("path") or info.get("formatter") or ""
        if path.startswith("/api/v1/") and route.method != "HEAD":
            yield f"{route.method} {path}", route.handler


async def test_every_api_route_has_a_summary_and_declares_its_bodies(client):
    missing_summary = [
        name for name, handler in _api_routes(client.app) if not summary_of(handler)[0]
    ]
    assert not missing_summary, "API handlers without a docstring: " + ", ".join(missing_summary)
    undeclared = [name for name, handler in _api_routes(client.app) if api_spec(handler) is None]
    assert not undeclared, "API handlers without @api(...): " + ", ".join(undeclared)


async def test_request_bodies_and_responses_are_json_schemas(client):
    doc = await (await client.get("/api/v1/openapi.json")).json()
    schemas = doc["components"]["schemas"]
    bodies = [
        op["requestBody"]
        for ops in doc["paths"].values()
        for op in ops.values()
        if "requestBody" in op
    ]
    assert bodies, "no operation describes its request body"
    for ops in doc["paths"].values():
        for op in ops.values():
            for status, answer in op["responses"].items():
                for media in answer.get("content", {}).values():
                    ref = media.get("schema", {}).get("$ref", "")
                    if ref:
                        assert ref.rsplit("/", 1)[1] in schemas, (status, ref)


async def test_the_document_is_valid_openapi_3_1(client):
    doc = await (await client.get("/api/v1/openapi.json")).json()
    validate(doc)  # raises with the path of the first error

"""The OpenAPI document of the JSON API, made from the routes themselves.

Every `/api/v1/...` route is listed with its method, path parameters, who may call it (from its
`@access` declaration) and the first paragraph of its handler's docstring, so the document can
never drift from the code. Request and response bodies are described in words there, not as
schemas: clients read `detail` of the problem+json errors for what was wrong.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from aiohttp import web

from mediaserver import __version__
from mediaserver.http.auth import SESSION_COOKIE, access, route_access

routes = web.RouteTableDef()

API_PREFIX = "/api/v1/"
_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}")
_WHO = {
    "public": "Anyone.",
    "user": "A signed-in user (session cookie or API key).",
    "profile": "A signed-in user with a chosen profile (session cookie or API key).",
    "admin": "An administrator.",
}


def _summary(handler: Any) -> tuple[str, str]:
    doc = inspect.getdoc(handler) or ""
    first, _, rest = doc.partition("\n\n")
    first = " ".join(first.split())
    return (first.split(". ")[0].rstrip(".")[:120] or handler.__name__.replace("_", " ")), first


def _path_and_params(path: str) -> tuple[str, list[dict[str, Any]]]:
    names = _PARAM.findall(path)
    clean = _PARAM.sub(lambda m: "{" + m.group(1) + "}", path)
    params = [
        {"name": n, "in": "path", "required": True, "schema": {"type": "string"}} for n in names
    ]
    return clean, params


def build_document(app: web.Application) -> dict[str, Any]:
    """OpenAPI 3.1 for every route below /api/v1/ in this app."""
    paths: dict[str, dict[str, Any]] = {}
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        path = info.get("path") or info.get("formatter") or ""
        if not path.startswith(API_PREFIX) or route.method == "HEAD":
            continue
        clean, params = _path_and_params(path)
        level = route_access(route) or "admin"
        summary, description = _summary(route.handler)
        operation: dict[str, Any] = {
            "summary": summary,
            "description": f"{description}\n\nWho may call it: {_WHO.get(level, level)}".strip(),
            "tags": [clean.removeprefix(API_PREFIX).split("/")[0]],
            "responses": {
                "200": {"description": "Success (JSON)."},
                "4XX": {
                    "description": "What was wrong, as application/problem+json.",
                    "content": {"application/problem+json": {}},
                },
            },
        }
        if route.name:
            operation["operationId"] = route.name
        if params:
            operation["parameters"] = params
        if level != "public":
            operation["security"] = [{"apiKey": []}, {"session": []}]
        paths.setdefault(clean, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Mediaserver API", "version": __version__},
        "paths": dict(sorted(paths.items())),
        "components": {
            "securitySchemes": {
                "apiKey": {"type": "http", "scheme": "bearer", "description": "msk_... API key"},
                "session": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE},
            }
        },
    }


@routes.get("/api/v1/openapi.json", name="api_openapi")
@access("public")
async def openapi_document(request: web.Request) -> web.Response:
    """This API described as OpenAPI 3.1."""
    return web.json_response(build_document(request.app))

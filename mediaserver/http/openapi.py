"""The OpenAPI document of the JSON API, made from the routes themselves.

Every `/api/v1/...` route is listed with its method, path parameters, who may call it (from its
`@access` declaration, in words and as `x-access`), the first paragraph of its handler's
docstring, and the request body, query parameters and response its `@api` declaration names
(pydantic models, turned into JSON Schema here), so the document cannot drift from the code.
Errors are problem+json whose `detail` says what was wrong.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from aiohttp import web
from pydantic import BaseModel, TypeAdapter

from mediaserver import __version__
from mediaserver.http.api import ApiSpec, api, api_spec
from mediaserver.http.auth import SESSION_COOKIE, access, route_access

routes = web.RouteTableDef()

API_PREFIX = "/api/v1/"
_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}")
_WHO = {
    "public": "Anyone.",
    "user": "A signed-in user (session cookie or API key).",
    "profile": (
        "A signed-in user with a chosen profile (session cookie, or API key naming the profile "
        "in the X-Profile-Id header)."
    ),
    "admin": "An administrator, not acting as a kids profile (then it answers 404).",
}


REF = "#/components/schemas/{model}"
PROBLEM = {
    "description": "What was wrong, as application/problem+json.",
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}
PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "field": {"type": "string"},
    },
    "required": ["title", "status", "detail"],
}


def summary_of(handler: Any) -> tuple[str, str]:
    """The first sentence of the handler's docstring ("" without one) and its first paragraph."""
    doc = inspect.getdoc(handler) or ""
    first, _, _rest = doc.partition("\n\n")
    first = " ".join(first.split())
    return first.split(". ")[0].rstrip(".")[:120], first


class _Schemas:
    """JSON Schemas of the models the operations name, collected once under components."""

    def __init__(self) -> None:
        self.components: dict[str, Any] = {"Problem": PROBLEM_SCHEMA}

    def of(self, shape: Any, mode: str = "validation") -> dict[str, Any]:
        schema = TypeAdapter(shape).json_schema(ref_template=REF, mode=mode)  # type: ignore[arg-type]
        for name, definition in schema.pop("$defs", {}).items():
            self._add(name, definition)
        if isinstance(shape, type) and issubclass(shape, BaseModel):
            self._add(shape.__name__, schema)
            return {"$ref": REF.format(model=shape.__name__)}
        return schema

    def _add(self, name: str, definition: dict[str, Any]) -> None:
        known = self.components.setdefault(name, definition)
        if known != definition:
            raise ValueError(f"two different API models are both named {name!r}")

    def query_parameters(self, model: type[BaseModel]) -> list[dict[str, Any]]:
        schema = model.model_json_schema(ref_template=REF)
        for name, definition in schema.pop("$defs", {}).items():
            self._add(name, definition)
        required = set(schema.get("required", []))
        return [
            {
                "name": name,
                "in": "query",
                "required": name in required,
                "schema": {k: v for k, v in prop.items() if k != "description"},
                **({"description": prop["description"]} if "description" in prop else {}),
            }
            for name, prop in schema.get("properties", {}).items()
        ]

    def operation_bodies(self, spec: ApiSpec | None, operation: dict[str, Any]) -> None:
        responses: dict[str, Any] = {}
        if spec is None:
            responses["200"] = {"description": "Success (JSON)."}
        else:
            if spec.body is not None:
                schema = self.of(spec.body)
                operation["requestBody"] = {
                    "required": True,
                    "content": {
                        "application/json": {"schema": schema},
                        "application/x-www-form-urlencoded": {"schema": schema},
                    },
                }
            elif spec.raw_body is not None:
                operation["requestBody"] = {
                    "required": True,
                    "content": {spec.raw_body: {"schema": {"type": "string", "format": "binary"}}},
                }
            if spec.query is not None:
                operation.setdefault("parameters", []).extend(self.query_parameters(spec.query))
            answer: dict[str, Any] = {"description": "Success."}
            if spec.response is not None:
                answer["content"] = {
                    "application/json": {"schema": self.of(spec.response, "serialization")}
                }
            responses[str(spec.status)] = answer
            for status, words in spec.other_responses.items():
                responses[str(status)] = {"description": words}
        responses["4XX"] = PROBLEM
        operation["responses"] = responses


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
    schemas = _Schemas()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        path = info.get("path") or info.get("formatter") or ""
        if not path.startswith(API_PREFIX) or route.method == "HEAD":
            continue
        clean, params = _path_and_params(path)
        level = route_access(route) or "admin"
        summary, description = summary_of(route.handler)
        operation: dict[str, Any] = {
            "summary": summary,
            "description": f"{description}\n\nWho may call it: {_WHO.get(level, level)}".strip(),
            "tags": [clean.removeprefix(API_PREFIX).split("/")[0]],
            "x-access": level,
        }
        if route.name:
            operation["operationId"] = route.name
        if params:
            operation["parameters"] = params
        schemas.operation_bodies(api_spec(route.handler), operation)
        if level != "public":
            operation["security"] = [{"apiKey": []}, {"session": []}]
        paths.setdefault(clean, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Mediaserver API", "version": __version__},
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.components.items())),
            "securitySchemes": {
                "apiKey": {"type": "http", "scheme": "bearer", "description": "msk_... API key"},
                "session": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE},
            },
        },
    }


@routes.get("/api/v1/openapi.json", name="api_openapi")
@access("public")
@api(response=dict[str, Any])
async def openapi_document(request: web.Request) -> web.Response:
    """This API described as OpenAPI 3.1."""
    return web.json_response(build_document(request.app))

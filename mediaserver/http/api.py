"""Typed bodies of the JSON API: declared once on a handler, used to read the request and to
describe the request and the response in the OpenAPI document (`openapi.build_document`).

    class RenameBody(ApiModel):
        name: str = Field(min_length=1, max_length=200, description="The new name.")

    @routes.post("/api/v1/things/{thing_id}", name="api_thing_rename")
    @access("admin")
    @api(body=RenameBody, response=Thing)
    async def rename_thing(request: web.Request) -> web.Response:
        '''Rename a thing.'''
        body = parse_model(RenameBody, await read_input(request))
        ...
        return json_model(thing)

Handlers whose error messages are their own read fields themselves and declare the model for the
document; `parse_model` and `read_query` validate into the model, naming the first wrong field.
`response` may be a model, `list[Model]`, any type pydantic can describe, or None for an empty
answer; `status` is the success status. Bodies that are not JSON (tus uploads) name their media
type in `raw_body` and are described as binary.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from mediaserver.errors import BadRequest

API_ATTR = "__mediaserver_api__"
F = TypeVar("F", bound=Callable[..., object])
M = TypeVar("M", bound=BaseModel)


class ApiModel(BaseModel):
    """Base of request and response bodies: fields a handler does not know are ignored, as
    they always were (handlers pick the fields they accept; nothing is assigned wholesale)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


@dataclass(frozen=True, slots=True)
class ApiSpec:
    """What a handler reads and answers, for the OpenAPI document."""

    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: Any = None
    status: int = 200
    raw_body: str | None = None
    other_responses: Mapping[int, str] = field(default_factory=dict)


def api(
    *,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: Any = None,
    status: int = 200,
    raw_body: str | None = None,
    other_responses: Mapping[int, str] | None = None,
) -> Callable[[F], F]:
    """Declare a handler's request body, query parameters and success response."""
    spec = ApiSpec(body, query, response, status, raw_body, dict(other_responses or {}))

    def mark(handler: F) -> F:
        setattr(handler, API_ATTR, spec)
        return handler

    return mark


def api_spec(handler: Any) -> ApiSpec | None:
    return getattr(handler, API_ATTR, None)


def _problem(exc: ValidationError) -> BadRequest:
    first = exc.errors(include_url=False)[0]
    name = ".".join(str(part) for part in first["loc"]) or "body"
    # A validator's own words come without pydantic's "Value error, " in front.
    message = str(first["msg"]).removeprefix("Value error, ").rstrip(".")
    return BadRequest(f"'{name}': {message}.", field=name)


def parse_model(model: type[M], data: Any) -> M:
    """`data` validated into `model`; a clear 400 naming the first wrong field otherwise."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _problem(exc) from None


def read_query(request: web.Request, model: type[M]) -> M:
    """The query string validated into `model` (a repeated key becomes a list)."""
    data: dict[str, Any] = {}
    for key in request.query:
        values = request.query.getall(key)
        data[key] = values if len(values) > 1 else values[0]
    return parse_model(model, data)


@functools.cache
def _adapter(shape: Any) -> TypeAdapter[Any]:
    # Building an adapter compiles a serialiser: once per type, not once per answer.
    return TypeAdapter(shape)


def json_model(value: Any, *, status: int = 200, response_type: Any = None) -> web.Response:
    """A JSON answer from a model (or a list of them), serialised by pydantic."""
    adapter = _adapter(response_type if response_type is not None else type(value))
    return web.Response(
        body=adapter.dump_json(value), status=status, content_type="application/json"
    )

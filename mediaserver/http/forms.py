"""Reading input the same way from HTML forms and JSON bodies, and safe redirects."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from mediaserver.errors import BadRequest, NotFound


async def read_input(request: web.Request) -> dict[str, Any]:
    """The submitted fields, from JSON or a form. Handlers pick the fields they accept by name."""
    if request.content_type == "application/json":
        try:
            data = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise BadRequest("The request body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise BadRequest("The request body must be a JSON object.")
        return data
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data", ""):
        form = await request.post()
        return {k: v for k, v in form.items() if isinstance(v, str)}
    raise BadRequest(f"Unsupported content type '{request.content_type}'; send a form or JSON.")


def text_field(
    data: dict[str, Any], name: str, *, default: str = "", max_length: int = 1000
) -> str:
    value = data.get(name, default)
    if value is None:
        return default
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise BadRequest(f"'{name}' must be text.", field=name)
    value = str(value)
    if len(value) > max_length:
        raise BadRequest(f"'{name}' is longer than {max_length} characters.", field=name)
    return value


def bool_field(data: dict[str, Any], name: str) -> bool:
    value = data.get(name, False)
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("1", "true", "on", "yes")


def int_path(request: web.Request, name: str) -> int:
    """An integer id from the URL; anything else is 404 (ids are never parsed loosely)."""
    raw = request.match_info.get(name, "")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise NotFound("No such item.")
    return int(raw)


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths: '/x' yes; '//evil', '/\\evil', 'https://evil' no."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ord(c) < 32 for c in target):
        return default
    return target

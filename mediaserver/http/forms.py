"""Reading input the same way from HTML forms and JSON bodies, and safe redirects.

Every request body is parsed here, nowhere else: a body larger than server.max_body_bytes is
413 (aiohttp's client_max_size, which also caps a form at 1000 fields), and anything
malformed -- JSON nested deeper than MAX_JSON_DEPTH, bad JSON or text, a multipart body
without a boundary or with a nested multipart part -- is a 400 that says so, never a 500.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import BodyPartReader, web
from aiohttp.web_request import FileField
from multidict import MultiDictProxy

from mediaserver.errors import BadRequest, NotFound

MAX_JSON_DEPTH = 32
"""Deepest nesting of arrays and objects a JSON body may have. Our bodies are two or three
levels deep; Python's parser recurses once per level, so a few thousand levels would exhaust
the stack before any model looks at the data."""

_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_depth(text: str) -> int:
    """How deeply the arrays and objects of a JSON text nest, without parsing it (brackets
    inside strings do not count). Linear in the text and never recursive."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    return max(itertools.accumulate(map(_STEP.__getitem__, brackets)), default=0)


@asynccontextmanager
async def _malformed_body(kind: str) -> AsyncIterator[None]:
    # aiohttp's body readers answer bad input with ValueError (UnicodeDecodeError included),
    # LookupError (an unknown charset) or AssertionError (a broken multipart part);
    # HTTPRequestEntityTooLarge passes through as the 413 it is.
    try:
        yield
    except (ValueError, LookupError, AssertionError) as exc:
        raise BadRequest(f"The request body is not a well-formed {kind} ({exc}).") from None


async def read_json(request: web.Request) -> Any:
    """The JSON body, at most server.max_body_bytes (413) and MAX_JSON_DEPTH levels deep."""
    async with _malformed_body("JSON text"):
        text = (await request.read()).decode(request.charset or "utf-8")
    if json_depth(text) > MAX_JSON_DEPTH:
        raise BadRequest(f"The request body is nested deeper than {MAX_JSON_DEPTH} levels.")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise BadRequest("The request body is not valid JSON.") from None


async def read_form(request: web.Request) -> MultiDictProxy[str | bytes | bytearray | FileField]:
    """The fields of a urlencoded or multipart form (read once, then kept by aiohttp), at most
    server.max_body_bytes and 1000 fields (413)."""
    async with _malformed_body("form"):
        return await request.post()


async def read_file_part(request: web.Request, name: str, max_bytes: int) -> bytes | None:
    """The part `name` of a multipart body, streamed: at most max_bytes + 1 bytes are read (the
    caller names the limit in its message), None when the body has no such part."""
    if not request.content_type.startswith("multipart/"):
        raise BadRequest(f"Send '{name}' as multipart/form-data.", field=name)
    async with _malformed_body("multipart body"):
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if isinstance(part, BodyPartReader) and part.name == name:
                data = bytearray()
                while len(data) <= max_bytes and (chunk := await part.read_chunk(64 * 1024)):
                    data += chunk
                return bytes(data[: max_bytes + 1])
    return None


async def read_input(request: web.Request) -> dict[str, Any]:
    """The submitted fields, from JSON or a form. Handlers pick the fields they accept by name."""
    if request.content_type == "application/json":
        data = await read_json(request)
        if not isinstance(data, dict):
            raise BadRequest("The request body must be a JSON object.")
        return data
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data", ""):
        form = await read_form(request)
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

"""Request bodies a client can send anything in: every body is bounded in size (413) and in
nesting (400), and malformed JSON or forms are a 400 that says what was wrong -- never a 500
with a traceback in the log, whoever sends it (the login form needs no account)."""

from __future__ import annotations

import io
import logging
import re
import tempfile
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from mediaserver.accounts.api_keys import create_api_key
from mediaserver.accounts.users import create_user
from mediaserver.app import create_app
from mediaserver.config_loading import load_settings
from mediaserver.http.forms import MAX_JSON_DEPTH, json_depth
from mediaserver.http.openapi import build_document
from mediaserver.keys import db_key
from tests.helpers import csrf_from

DEEP_JSON = "[" * 5000 + "]" * 5000  # about 10 KB, 5,000 levels
DEEP_OBJECT = '{"a":' * 5000 + "1" + "}" * 5000  # about 30 KB


def _write_methods() -> list[tuple[str, str, bool]]:
    """(method, path, whether it reads a JSON body) of every POST, PUT and PATCH of the
    OpenAPI document."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        settings = load_settings(
            environ={},
            overrides={
                "paths": {"data_dir": root / "d", "cache_dir": root / "c", "min_free_bytes": 0},
                "database": {"url": f"sqlite+aiosqlite:///{root / 'doc.db'}"},
            },
        )
        document = build_document(create_app(settings))
    return sorted(
        (method.upper(), path, "application/json" in op.get("requestBody", {}).get("content", {}))
        for path, operations in document["paths"].items()
        for method, op in operations.items()
        if method in ("post", "put", "patch")
    )


def _errors_with_traces(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


async def _admin_key(client: TestClient) -> str:
    db = client.server.app[db_key]
    admin = await create_user(db, "bodyadmin", "correct horse battery", "admin")
    return (await create_api_key(db, admin.id, "bodies", admin.id)).secret


@pytest.fixture
async def anonymous(client: TestClient) -> tuple[TestClient, dict[str, str]]:
    """A visitor with the login page's CSRF cookie, and the header that goes with it."""
    token = await csrf_from(client, "/login")
    return client, {"X-CSRF-Token": token}


def test_json_depth_counts_brackets_outside_strings() -> None:
    assert json_depth('{"a": [1, {"b": 2}]}') == 3
    assert json_depth('{"a": "[[[[{{{{", "b": "\\"[["}') == 1
    assert json_depth("42") == 0
    assert json_depth(DEEP_JSON) == 5000


@pytest.mark.parametrize("body", [DEEP_JSON, DEEP_OBJECT], ids=["array", "object"])
async def test_deep_json_at_login_is_a_clear_400(anonymous, caplog, body) -> None:
    client, headers = anonymous
    headers |= {"Content-Type": "application/json", "Accept": "application/json"}
    resp = await client.post("/login", data=body, headers=headers)
    assert resp.status == 400
    problem = await resp.json()
    assert f"nested deeper than {MAX_JSON_DEPTH} levels" in problem["detail"]
    assert _errors_with_traces(caplog) == []


async def test_json_as_deep_as_allowed_still_parses(anonymous) -> None:
    client, headers = anonymous
    body = '{"username": "x", "password": "y", "extra": ' + "[" * 30 + "]" * 30 + "}"
    headers |= {"Content-Type": "application/json", "Accept": "application/json"}
    resp = await client.post("/login", data=body, headers=headers, allow_redirects=False)
    assert resp.status == 400
    assert "nested" not in (await resp.json())["detail"]  # the usual wrong-password answer


def _multipart(boundary: str, *parts: str) -> str:
    return "".join(f"--{boundary}\r\n{part}\r\n" for part in parts) + f"--{boundary}--\r\n"


NESTED = _multipart(
    "outer",
    'Content-Disposition: form-data; name="x"\r\nContent-Type: multipart/mixed; boundary=inner'
    "\r\n\r\n" + _multipart("inner", "Content-Type: text/plain\r\n\r\ndeep"),
)
BAD_FORMS = {
    "nested multipart": (NESTED, "multipart/form-data; boundary=outer"),
    "multipart without boundary": ("--x\r\n\r\n", "multipart/form-data"),
    "multipart part without name": (
        _multipart("b", "Content-Disposition: form-data\r\n\r\nv"),
        "multipart/form-data; boundary=b",
    ),
    "unknown charset": ("username=a", "application/x-www-form-urlencoded; charset=nope-42"),
    "not utf-8": ("username=%ff&password=\udcff", "application/x-www-form-urlencoded"),
    "bad json": ('{"username": ', "application/json"),
    "json not utf-8": (b'{"username": "\xff"}', "application/json"),
}


@pytest.mark.parametrize("name", list(BAD_FORMS))
async def test_malformed_bodies_at_login_are_a_clear_400(anonymous, caplog, name) -> None:
    client, headers = anonymous
    body, content_type = BAD_FORMS[name]
    data = body.encode("utf-8", "surrogateescape") if isinstance(body, str) else body
    headers |= {"Content-Type": content_type, "Accept": "application/json"}
    resp = await client.post("/login", data=data, headers=headers, allow_redirects=False)
    assert resp.status == 400, name
    assert "request body" in (await resp.json())["detail"]
    assert _errors_with_traces(caplog) == []


async def test_deep_ish_and_huge_forms_at_login(anonymous, caplog) -> None:
    client, headers = anonymous
    # Bracketed names are plain names: a form never nests.
    nested_names = "&".join(f"user{'[x]' * 200}{i}=1" for i in range(100))
    form = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    resp = await client.post("/login", data=nested_names, headers=headers | form)
    assert resp.status == 400
    # More than 1000 fields, or more bytes than server.max_body_bytes: 413.
    many = "&".join(f"f{i}=1" for i in range(1500))
    assert (await client.post("/login", data=many, headers=headers | form)).status == 413
    huge = io.BytesIO(b"username=" + b"a" * 2_000_000)
    assert (await client.post("/login", data=huge, headers=headers | form)).status == 413
    big_json = io.BytesIO(b'{"username": "' + b"a" * 2_000_000 + b'"}')
    json_headers = headers | {"Content-Type": "application/json", "Accept": "application/json"}
    resp = await client.post("/login", data=big_json, headers=json_headers)
    assert resp.status == 413
    assert "larger than this server accepts" in (await resp.json())["detail"]
    assert _errors_with_traces(caplog) == []


async def test_deep_json_at_an_api_route_is_a_clear_400(client, caplog) -> None:
    key = await _admin_key(client)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    resp = await client.post("/api/v1/users", data=DEEP_OBJECT, headers=headers)
    assert resp.status == 400
    assert resp.content_type == "application/problem+json"
    assert "nested deeper" in (await resp.json())["detail"]
    assert _errors_with_traces(caplog) == []


def _fill(path: str) -> str:
    # Ids are 1 (the administrator's own user and profile); an upload token has its own shape.
    path = path.replace("{token}", "a" * 24)
    return re.sub(r"\{[a-z_]+\}", "1", path)


@pytest.mark.parametrize(("method", "path", "reads_json"), _write_methods())
async def test_no_write_route_answers_deep_json_with_a_500(
    client, caplog, method, path, reads_json
) -> None:
    key = await _admin_key(client)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    headers |= {"Tus-Resumable": "1.0.0"}
    resp = await client.request(method, _fill(path), data=DEEP_OBJECT, headers=headers)
    detail = (method, path, resp.status, await resp.text())
    # A route that reads a JSON body refuses this one (or the id in its path); one that reads
    # none may do its work: either way, never a 500.
    assert 400 <= resp.status < 500 if reads_json else resp.status < 500, detail
    assert _errors_with_traces(caplog) == []

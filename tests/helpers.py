"""Driving the app the way a browser does: first-run setup, sign in, pick a profile, CSRF tokens.

One test client holds one browser's cookies; `sign_in` / `use_session` switch who it is.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from mediaserver.cli.setup_code import current_setup_code
from mediaserver.keys import config_key

ADMIN = ("admin", "admin-password-1")
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
SESSION_COOKIE = "ms_session"


async def csrf_from(client: TestClient, path: str) -> str:
    """The CSRF token in the hidden form field of the page at `path`."""
    resp = await client.get(path)
    assert resp.status == 200, (path, resp.status)
    match = CSRF_RE.search(await resp.text())
    assert match, f"no csrf_token field on {path}"
    return match.group(1)


def session_token(client: TestClient) -> str:
    cookies = client.session.cookie_jar.filter_cookies(client.make_url("/"))
    return cookies[SESSION_COOKIE].value


def use_session(client: TestClient, token: str) -> None:
    """Make the client act as the browser holding this session cookie."""
    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies(
        {SESSION_COOKIE: token}, response_url=client.make_url("/")
    )


def setup_code(client: TestClient) -> str:
    """The first-run setup code, read as `mediaserver setup-code` reads it."""
    return current_setup_code(client.app[config_key])


async def post_setup(
    client: TestClient,
    username: str = ADMIN[0],
    password: str = ADMIN[1],
    code: str | None = None,
) -> ClientResponse:
    """Submit the first-run form (redirects not followed); the response, whatever it is.

    The setup code is the server's own unless `code` is given.
    """
    token = await csrf_from(client, "/setup")
    return await client.post(
        "/setup",
        data={
            "csrf_token": token,
            "setup_code": setup_code(client) if code is None else code,
            "username": username,
            "password": password,
            "password_confirm": password,
        },
        allow_redirects=False,
    )


async def setup_admin(
    client: TestClient, username: str = ADMIN[0], password: str = ADMIN[1]
) -> str:
    """First-run setup through the form; the client ends up signed in. Returns the session."""
    resp = await post_setup(client, username, password)
    assert resp.status == 303, await resp.text()
    assert resp.headers["Location"] == "/profiles"
    return session_token(client)


async def post_login(
    client: TestClient, username: str, password: str, next: str | None = None
) -> ClientResponse:
    """Submit the login form with the client's cookies (redirects not followed)."""
    token = await csrf_from(client, "/login")
    data = {"csrf_token": token, "username": username, "password": password}
    if next is not None:
        data["next"] = next
    return await client.post("/login", data=data, allow_redirects=False)


async def sign_in(client: TestClient, username: str, password: str) -> str:
    """Sign in through the login form as a fresh browser. Returns the session cookie value."""
    client.session.cookie_jar.clear()
    resp = await post_login(client, username, password)
    assert resp.status == 303, await resp.text()
    return session_token(client)


async def pick_profile(client: TestClient, profile_id: int, pin: str = "") -> None:
    token = await csrf_from(client, "/profiles")
    resp = await client.post(
        f"/profiles/{profile_id}/select",
        data={"csrf_token": token, "pin": pin, "next": "/"},
        allow_redirects=False,
    )
    assert resp.status == 303, await resp.text()


async def api(
    client: TestClient,
    method: str,
    path: str,
    json: Any = None,
    *,
    csrf: str | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    """A JSON API call from the signed-in browser (the CSRF token goes in the header)."""
    all_headers = dict(headers or {})
    if csrf:
        all_headers["X-CSRF-Token"] = csrf
    return await client.request(method, path, json=json, headers=all_headers)


async def create_user(client: TestClient, username: str, password: str, role: str = "user") -> int:
    """Create a user as the signed-in admin (through the JSON API)."""
    csrf = await csrf_from(client, "/admin/users")
    resp = await api(
        client,
        "POST",
        "/api/v1/users",
        {"username": username, "password": password, "role": role},
        csrf=csrf,
    )
    assert resp.status == 201, await resp.text()
    return (await resp.json())["id"]


async def setup_with_user(
    client: TestClient, username: str = "alice", password: str = "alice-password-1"
) -> tuple[str, str, int]:
    """Admin set up, plus a normal user signed in on the client.

    Returns (admin session, user session, user id).
    """
    admin_session = await setup_admin(client)
    user_id = await create_user(client, username, password)
    user_session = await sign_in(client, username, password)
    return admin_session, user_session, user_id

"""Web plumbing as a visitor meets it: first run, sign-in, errors, CSRF, headers, health."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient
from multidict import CIMultiDict

from mediaserver.keys import config_key
from tests.helpers import (
    ADMIN,
    CSRF_RE,
    csrf_from,
    post_login,
    post_setup,
    setup_admin,
    setup_with_user,
    sign_in,
)


async def test_fresh_server_sends_everyone_to_first_run(client: TestClient) -> None:
    resp = await client.get("/", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/setup"
    resp = await client.get("/login", allow_redirects=False)
    assert resp.headers["Location"] == "/setup"


async def test_first_run_creates_admin_then_is_closed(client: TestClient) -> None:
    resp = await post_setup(client)
    assert resp.status == 303 and resp.headers["Location"] == "/profiles"
    cookie = next(c for c in resp.headers.getall("Set-Cookie") if c.startswith("ms_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    # The picker lists the admin's first profile; choosing it leads to the empty home page.
    picker = await (await client.get("/profiles")).text()
    profile_id = re.search(r'action="/profiles/(\d+)/select"', picker).group(1)
    token = CSRF_RE.search(picker).group(1)
    resp = await client.post(f"/profiles/{profile_id}/select", data={"csrf_token": token})
    home = await resp.text()
    assert resp.status == 200 and "Nothing to watch yet" in home and "mediaserver scan" in home
    # A second visitor cannot run setup again.
    client.session.cookie_jar.clear()
    resp = await client.get("/setup", allow_redirects=False)
    assert resp.headers["Location"] == "/login"
    token = await csrf_from(client, "/login")
    resp = await client.post(
        "/setup",
        data={
            "username": "eve",
            "password": "x" * 12,
            "password_confirm": "x" * 12,
            "csrf_token": token,
        },
    )
    assert resp.status == 409


async def test_setup_form_errors_keep_typed_values(client: TestClient) -> None:
    resp = await post_setup(client, "boss", "short")
    body = await resp.text()
    assert resp.status == 400 and "at least 8 characters" in body and 'value="boss"' in body


async def test_login_errors_do_not_reveal_which_part_was_wrong(client: TestClient) -> None:
    await setup_admin(client)
    client.session.cookie_jar.clear()
    bodies = []
    for username in ("admin", "nobody"):
        resp = await post_login(client, username, "wrong-pass")
        assert resp.status == 400
        bodies.append(re.search(r'role="alert">([^<]+)<', await resp.text()).group(1))
    assert bodies[0] == bodies[1] == "Wrong username or password."
    await sign_in(client, "ADMIN", ADMIN[1])  # names are case-insensitive; asserts the 303


async def test_login_is_throttled_per_account(make_app, aiohttp_client) -> None:
    client = await aiohttp_client(make_app(auth={"login_attempts_per_account": 3}))
    await setup_admin(client)
    client.session.cookie_jar.clear()
    for _ in range(3):
        assert (await post_login(client, "admin", "wrong-pass")).status == 400
    resp = await post_login(client, "admin", ADMIN[1])
    assert resp.status == 429 and int(resp.headers["Retry-After"]) > 0
    assert "Too many failed sign-in attempts" in await resp.text()


async def test_state_change_without_csrf_token_is_refused(client: TestClient) -> None:
    await setup_admin(client)
    resp = await client.post("/logout", allow_redirects=False)
    assert resp.status == 403 and "CSRF" in await resp.text()
    assert (await client.get("/profiles", allow_redirects=False)).status == 200  # still signed in
    resp = await client.post(
        "/setup",
        data={
            "username": "x",
            "password": "y" * 10,
            "password_confirm": "y" * 10,
            "csrf_token": "forged",
        },
    )
    assert resp.status == 403


async def test_logout_revokes_the_session(client: TestClient) -> None:
    stolen = await setup_admin(client)
    token = await csrf_from(client, "/profiles")
    resp = await client.post("/logout", data={"csrf_token": token}, allow_redirects=False)
    assert resp.headers["Location"] == "/login"
    resp = await client.get("/profiles", cookies={"ms_session": stolen}, allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"].startswith("/login")


async def test_next_parameter_cannot_redirect_off_site(client: TestClient) -> None:
    await setup_admin(client)
    for evil in ("//evil.example", "https://evil.example", "/\\evil.example"):
        client.session.cookie_jar.clear()
        resp = await post_login(client, *ADMIN, next=evil)
        assert resp.headers["Location"] == "/profiles"


async def test_api_errors_are_json_problems_and_pages_are_html(client: TestClient) -> None:
    resp = await client.get("/api/v1/me")
    assert resp.status == 401 and resp.content_type == "application/problem+json"
    assert "API key" in (await resp.json())["detail"]
    resp = await client.get("/no/such/page", headers={"Accept": "text/html"})
    assert resp.status == 404 and resp.content_type == "text/html"
    assert "Content-Security-Policy" in resp.headers
    resp = await client.get("/api/v1/nothing")
    assert resp.status == 404 and (await resp.json())["status"] == 404
    resp = await client.get("/api/v1/me", headers={"Authorization": "Bearer msk_forged"})
    assert resp.status == 401


async def test_oversized_body_gets_413(make_app, aiohttp_client) -> None:
    client = await aiohttp_client(make_app(server={"max_body_bytes": 2048}))
    token = await csrf_from(client, "/setup")
    resp = await client.post("/setup", data={"username": "a" * 5000, "csrf_token": token})
    assert resp.status == 413 and "larger than this server accepts" in await resp.text()


async def test_security_headers_and_csp_on_every_page(client: TestClient) -> None:
    for path in ("/setup", "/health", "/static/css/app.css", "/nope"):
        resp = await client.get(path)
        csp = resp.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, path
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["X-Frame-Options"] == "DENY"


async def test_static_files_never_escape_their_folder(client: TestClient) -> None:
    for path in (
        "/static/../config.py",
        "/static/%2e%2e/config.py",
        "/static/..%2fconfig.py",
        "/static/css/..%5c..%5capp.py",
    ):
        resp = await client.get(path)
        assert resp.status in (400, 403, 404), path
        assert "Settings" not in await resp.text()


async def test_health_and_ready(client: TestClient) -> None:
    assert (await (await client.get("/health")).json()) == {"status": "ok"}
    ready = await client.get("/ready")
    assert ready.status == 200 and await ready.json() == {"status": "ok"}
    await setup_admin(client)
    details = await (await client.get("/api/v1/admin/ready")).json()
    assert details == {
        "status": "ok",
        "checks": {"database": "ok", "data_dir": "ok", "cache_dir": "ok"},
    }


async def test_ready_fails_when_disk_is_nearly_full(make_app, aiohttp_client) -> None:
    """Anyone learns that the server is not ready; only an admin learns why (the folder's path
    and its free space)."""
    client = await aiohttp_client(make_app(paths={"min_free_bytes": 2**62}))
    resp = await client.get("/ready")
    assert resp.status == 503 and await resp.json() == {"status": "unavailable"}
    data_dir = str(client.server.app[config_key].paths.data_dir)
    assert (await client.get("/api/v1/admin/ready")).status == 401
    await setup_with_user(client)  # signed in as a user who is not an admin
    resp = await client.get("/ready")
    assert await resp.json() == {"status": "unavailable"} and data_dir not in await resp.text()
    assert (await client.get("/api/v1/admin/ready")).status == 403
    await sign_in(client, *ADMIN)
    resp = await client.get("/api/v1/admin/ready")
    details = await resp.json()
    assert resp.status == 200 and details["status"] == "unavailable"
    assert "MiB free" in details["checks"]["data_dir"] and data_dir in details["checks"]["data_dir"]
    assert details["checks"]["database"] == "ok"


async def test_secure_cookie_behind_trusted_https_proxy(make_app, aiohttp_client) -> None:
    client = await aiohttp_client(make_app(server={"trusted_proxies": ["127.0.0.0/8", "::1"]}))
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    resp = await client.get("/setup", headers=headers)
    assert "Secure" in resp.headers["Set-Cookie"]


async def test_a_client_cannot_choose_its_address_behind_a_proxy_that_adds_a_line(
    make_app, aiohttp_client
) -> None:
    """A proxy such as HAProxy adds its own X-Forwarded-For line after any the client sent: the
    address is read from every line, so a made-up first line changes nothing, and a guesser
    cannot get fresh sign-in allowances by making up an address for each guess."""
    client = await aiohttp_client(make_app(server={"trusted_proxies": ["127.0.0.0/8", "::1"]}))
    await setup_admin(client)
    statuses = []
    for n in range(8):
        client.session.cookie_jar.clear()
        token = await csrf_from(client, "/login")
        headers = CIMultiDict(
            [("X-Forwarded-For", f"192.0.2.{n + 1}"), ("X-Forwarded-For", "198.51.100.7")]
        )
        resp = await client.post(
            "/login",
            data={"csrf_token": token, "username": ADMIN[0], "password": "wrong-password"},
            headers=headers,
            allow_redirects=False,
        )
        statuses.append(resp.status)
    assert statuses[:5] == [400] * 5 and set(statuses[5:]) == {429}


async def test_every_route_declares_who_may_call_it(make_app) -> None:
    from mediaserver.http.auth import route_access

    app = make_app()
    for route in app.router.routes():
        assert route_access(route) is not None, (
            f"{route.method} {route.resource} has no access level"
        )

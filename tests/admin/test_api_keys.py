"""API keys: made by an admin, shown once, work as Bearer tokens, stop working when revoked."""

from __future__ import annotations

import re

from tests.helpers import api, csrf_from, setup_admin, setup_with_user, sign_in

SECRET_RE = re.compile(r'<p class="secret">(msk_[A-Za-z0-9_-]+)</p>')


async def test_key_is_shown_once_and_works_until_revoked(client) -> None:
    _, _, alice_id = await setup_with_user(client)
    await sign_in(client, "admin", "admin-password-1")
    csrf = await csrf_from(client, "/admin/api-keys")
    resp = await client.post(
        "/admin/api-keys",
        data={"csrf_token": csrf, "name": "Living-room TV", "user_id": str(alice_id)},
    )
    assert resp.status == 201
    assert resp.headers["Cache-Control"] == "no-store"
    body = await resp.text()
    assert "Copy it now; it will not be shown again." in body
    secret = SECRET_RE.search(body).group(1)

    listing = await (await client.get("/admin/api-keys")).text()
    assert secret not in listing
    assert "Living-room TV" in listing and secret[:12] in listing
    keys = (await (await client.get("/api/v1/api-keys")).json())["api_keys"]
    assert len(keys) == 1 and keys[0]["username"] == "alice"
    assert secret not in str(keys) and not any("hash" in k for k in keys[0])

    client.session.cookie_jar.clear()  # the key alone, as another app would use it
    bearer = {"Authorization": f"Bearer {secret}"}
    resp = await client.get("/api/v1/me", headers=bearer)
    assert resp.status == 200
    me = await resp.json()
    assert me["user"]["username"] == "alice" and me["via_api_key"] is True
    # Keys carry no ambient credentials, so they need no CSRF token; and act with alice's rights.
    resp = await client.post(
        "/api/v1/profiles", json={"name": "TV", "avatar": "teal"}, headers=bearer
    )
    assert resp.status == 201
    assert (await client.get("/api/v1/users", headers=bearer)).status == 403

    await sign_in(client, "admin", "admin-password-1")
    assert "just now" in await (await client.get("/admin/api-keys")).text()  # last used
    resp = await client.post(
        f"/admin/api-keys/{keys[0]['id']}/revoke", data={"csrf_token": csrf}, allow_redirects=False
    )
    assert resp.status == 403  # the token from the old session is no longer valid
    csrf = await csrf_from(client, "/admin/api-keys")
    resp = await client.post(
        f"/admin/api-keys/{keys[0]['id']}/revoke", data={"csrf_token": csrf}, allow_redirects=False
    )
    assert resp.status == 303
    assert "Key revoked" in await (await client.get(resp.headers["Location"])).text()

    client.session.cookie_jar.clear()
    resp = await client.get("/api/v1/me", headers=bearer)
    assert resp.status == 401
    assert (
        await client.get("/api/v1/me", headers={"Authorization": "Bearer msk_nope"})
    ).status == 401


async def test_api_key_json_api(client) -> None:
    await setup_admin(client)
    csrf = await csrf_from(client, "/admin/api-keys")
    me = (await (await client.get("/api/v1/me")).json())["user"]
    resp = await api(
        client, "POST", "/api/v1/api-keys", {"name": "Script", "user_id": me["id"]}, csrf=csrf
    )
    assert resp.status == 201
    created = await resp.json()
    assert created["key"].startswith("msk_")
    key_id = created["api_key"]["id"]

    bearer = {"Authorization": f"Bearer {created['key']}"}
    client.session.cookie_jar.clear()
    assert (await client.get("/api/v1/users", headers=bearer)).status == 200  # admin rights
    resp = await client.delete(f"/api/v1/api-keys/{key_id}", headers=bearer)
    assert resp.status == 204  # a key may revoke itself
    assert (await client.get("/api/v1/users", headers=bearer)).status == 401


async def test_bad_key_requests(client) -> None:
    await setup_admin(client)
    csrf = await csrf_from(client, "/admin/api-keys")
    for body, field in (
        ({"name": "x"}, "user_id"),
        ({"name": "x", "user_id": "1; drop"}, "user_id"),
        ({"name": "", "user_id": 1}, "name"),
        ({"name": "x", "user_id": 424242}, "user_id"),
    ):
        resp = await api(client, "POST", "/api/v1/api-keys", body, csrf=csrf)
        assert resp.status in (400, 404), body
        assert (await resp.json())["field"] == field
    resp = await client.post(
        "/admin/api-keys", data={"csrf_token": csrf, "name": "", "user_id": "1"}
    )
    assert resp.status == 400 and "Key name must be 1-80 characters." in await resp.text()
    assert (await api(client, "DELETE", "/api/v1/api-keys/777", csrf=csrf)).status == 404
    assert (await client.get("/api/v1/api-keys")).status == 200
    assert (await (await client.get("/api/v1/api-keys")).json())["api_keys"] == []


async def test_key_names_are_escaped(client) -> None:
    await setup_admin(client)
    csrf = await csrf_from(client, "/admin/api-keys")
    xss = "<img src=x onerror=alert(1)>"
    resp = await client.post(
        "/admin/api-keys", data={"csrf_token": csrf, "name": xss, "user_id": "1"}
    )
    assert resp.status == 201
    body = await (await client.get("/admin/api-keys")).text()
    assert xss not in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body


async def test_non_admin_cannot_make_keys(client) -> None:
    _, _, alice_id = await setup_with_user(client)
    csrf = await csrf_from(client, "/account")
    resp = await client.post(
        "/admin/api-keys", data={"csrf_token": csrf, "name": "mine", "user_id": str(alice_id)}
    )
    assert resp.status == 403
    resp = await api(
        client, "POST", "/api/v1/api-keys", {"name": "mine", "user_id": alice_id}, csrf=csrf
    )
    assert resp.status == 403

"""Admin user management, and that nobody else can reach it."""

from __future__ import annotations

import html

from tests.helpers import (
    api,
    create_user,
    csrf_from,
    setup_admin,
    setup_with_user,
    sign_in,
    use_session,
)


async def _user(client, user_id: int) -> dict:
    resp = await client.get(f"/api/v1/users/{user_id}")
    assert resp.status == 200
    return await resp.json()


async def _admin_id(client) -> int:
    return (await (await client.get("/api/v1/me")).json())["user"]["id"]


async def test_non_admins_are_refused(client) -> None:
    _, _, alice_id = await setup_with_user(client)
    csrf = await csrf_from(client, "/account")
    for path in (
        "/admin",
        "/admin/users",
        f"/admin/users/{alice_id}",
        "/admin/api-keys",
        "/api/v1/users",
        f"/api/v1/users/{alice_id}",
        "/api/v1/api-keys",
    ):
        assert (await client.get(path)).status == 403, path
    resp = await client.post(
        f"/admin/users/{alice_id}", data={"csrf_token": csrf, "action": "role", "role": "admin"}
    )
    assert resp.status == 403
    resp = await api(client, "PATCH", f"/api/v1/users/{alice_id}", {"role": "admin"}, csrf=csrf)
    assert resp.status == 403
    assert (await resp.json())["detail"] == "Only administrators can do this."
    resp = await api(
        client,
        "POST",
        "/api/v1/users",
        {"username": "mallory", "password": "mallory-pass", "role": "admin"},
        csrf=csrf,
    )
    assert resp.status == 403
    me = await (await client.get("/api/v1/me")).json()
    assert me["user"]["role"] == "user"


async def test_dashboard_counts(client) -> None:
    await setup_with_user(client)
    await sign_in(client, "admin", "admin-password-1")
    body = await (await client.get("/admin")).text()
    assert 'href="/admin/jobs"' in body and 'href="/admin/api-keys"' in body
    assert '<span class="figure">2</span>' in body  # users (and active sessions)
    assert "0 failed" in body


async def test_create_user_with_the_form(client) -> None:
    await setup_admin(client)
    csrf = await csrf_from(client, "/admin/users")
    resp = await client.post(
        "/admin/users",
        data={"csrf_token": csrf, "username": "bob", "password": "bob-password-1", "role": "user"},
        allow_redirects=False,
    )
    assert resp.status == 303
    body = await (await client.get("/admin/users?done=created")).text()
    assert "User created." in body and ">bob</a>" in body

    resp = await client.post(
        "/admin/users",
        data={"csrf_token": csrf, "username": "BOB", "password": "bob-password-1", "role": "user"},
    )
    assert resp.status == 409
    body = await resp.text()
    assert "already exists" in body and 'value="BOB"' in body
    resp = await client.post(
        "/admin/users",
        data={"csrf_token": csrf, "username": "carol", "password": "short", "role": "user"},
    )
    assert resp.status == 400 and "at least 8 characters" in await resp.text()
    resp = await client.post(
        "/admin/users",
        data={
            "csrf_token": csrf,
            "username": "carol",
            "password": "carol-password",
            "role": "root",
        },
    )
    assert resp.status == 400 and "Role must be one of" in await resp.text()
    resp = await client.post("/admin/users", data={"username": "dave", "password": "x" * 10})
    assert resp.status == 403  # no CSRF token
    names = [u["username"] for u in (await (await client.get("/api/v1/users")).json())["users"]]
    assert names == ["admin", "bob"]
    await sign_in(client, "bob", "bob-password-1")


async def test_role_disable_enable_reset_delete(client) -> None:
    admin_session, alice_session, alice_id = await setup_with_user(client)
    use_session(client, admin_session)
    csrf = await csrf_from(client, f"/admin/users/{alice_id}")

    async def act(**data: str):
        return await client.post(
            f"/admin/users/{alice_id}", data={"csrf_token": csrf, **data}, allow_redirects=False
        )

    resp = await act(action="role", role="admin")
    assert resp.status == 303 and resp.headers["Location"].endswith("?done=role")
    assert (await _user(client, alice_id))["role"] == "admin"

    resp = await act(action="disable")
    assert resp.status == 303
    assert (await _user(client, alice_id))["disabled"] is True
    use_session(client, alice_session)  # signed out everywhere
    assert (await client.get("/account", allow_redirects=False)).status == 303
    client.session.cookie_jar.clear()
    login_csrf = await csrf_from(client, "/login")
    resp = await client.post(
        "/login",
        data={"csrf_token": login_csrf, "username": "alice", "password": "alice-password-1"},
    )
    assert resp.status == 400

    use_session(client, admin_session)
    assert (await act(action="enable")).status == 303
    assert (
        await act(action="password", password="new-alice-pass", password_confirm="different")
    ).status == 400
    assert (
        await act(action="password", password="new-alice-pass", password_confirm="new-alice-pass")
    ).status == 303
    await sign_in(client, "alice", "new-alice-pass")

    use_session(client, admin_session)
    assert (await act(action="launch-missiles")).status == 400
    resp = await act(action="delete")
    assert resp.status == 303 and resp.headers["Location"] == "/admin/users?done=deleted"
    assert (await client.get(f"/admin/users/{alice_id}")).status == 404


async def test_admin_cannot_lock_themselves_out(client) -> None:
    await setup_admin(client)
    admin_id = await _admin_id(client)
    csrf = await csrf_from(client, f"/admin/users/{admin_id}")
    page = await (await client.get(f"/admin/users/{admin_id}")).text()
    assert "This is your own account." in page
    for data, message in (
        ({"action": "disable"}, "You can't disable your own account."),
        ({"action": "role", "role": "user"}, "remove your own admin role"),
        ({"action": "delete"}, "You can't delete your own account."),
        (
            {
                "action": "password",
                "password": "new-password-1",
                "password_confirm": "new-password-1",
            },
            "Change your own password under Account.",
        ),
    ):
        resp = await client.post(f"/admin/users/{admin_id}", data={"csrf_token": csrf, **data})
        assert resp.status == 409, data
        assert message in html.unescape(await resp.text())
    for body in ({"disabled": True}, {"role": "user"}):
        resp = await api(client, "PATCH", f"/api/v1/users/{admin_id}", body, csrf=csrf)
        assert resp.status == 409
    assert (await api(client, "DELETE", f"/api/v1/users/{admin_id}", csrf=csrf)).status == 409
    me = await _user(client, admin_id)
    assert me["role"] == "admin" and me["disabled"] is False
    assert (await client.get("/admin")).status == 200


async def test_last_admin_rule_between_two_admins(client) -> None:
    await setup_admin(client)
    csrf = await csrf_from(client, "/admin/users")
    bob_id = await create_user(client, "bob", "bob-password-1", role="admin")
    # Another admin can be demoted while one stays.
    resp = await api(client, "PATCH", f"/api/v1/users/{bob_id}", {"role": "user"}, csrf=csrf)
    assert resp.status == 200 and (await resp.json())["role"] == "user"
    # Bob, made admin again, can't demote the first admin once that admin is the last enabled.
    assert (
        await api(client, "PATCH", f"/api/v1/users/{bob_id}", {"role": "admin"}, csrf=csrf)
    ).status == 200
    admin_id = await _admin_id(client)
    await sign_in(client, "bob", "bob-password-1")
    bob_csrf = await csrf_from(client, "/admin")
    assert (
        await api(client, "PATCH", f"/api/v1/users/{admin_id}", {"disabled": True}, csrf=bob_csrf)
    ).status == 200
    resp = await api(client, "PATCH", f"/api/v1/users/{bob_id}", {"disabled": True}, csrf=bob_csrf)
    assert resp.status == 409
    assert (await _user(client, bob_id))["disabled"] is False


async def test_patch_accepts_only_role_disabled_password(client) -> None:
    _, _, alice_id = await setup_with_user(client)
    await sign_in(client, "admin", "admin-password-1")
    csrf = await csrf_from(client, "/admin")
    resp = await api(
        client,
        "PATCH",
        f"/api/v1/users/{alice_id}",
        {"username": "eve", "role": "admin"},
        csrf=csrf,
    )
    assert resp.status == 400
    assert "not: username" in (await resp.json())["detail"]
    resp = await api(client, "PATCH", f"/api/v1/users/{alice_id}", {"disabled": "yes"}, csrf=csrf)
    assert resp.status == 400
    # A bad password rejects the whole change: the valid role in the same body is not applied.
    resp = await api(
        client,
        "PATCH",
        f"/api/v1/users/{alice_id}",
        {"role": "admin", "password": "short"},
        csrf=csrf,
    )
    assert resp.status == 400
    user = await _user(client, alice_id)
    assert (user["username"], user["role"], user["disabled"]) == ("alice", "user", False)
    assert "password_hash" not in user

    resp = await api(
        client,
        "PATCH",
        f"/api/v1/users/{alice_id}",
        {"disabled": True, "password": "brand-new-pass"},
        csrf=csrf,
    )
    assert resp.status == 200 and (await resp.json())["disabled"] is True
    assert (
        await api(client, "PATCH", "/api/v1/users/99999", {"role": "user"}, csrf=csrf)
    ).status == 404
    assert (await client.get("/api/v1/users/abc")).status == 404

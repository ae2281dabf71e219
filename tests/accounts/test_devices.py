"""Signed-in devices and the password change, as the account holder sees them."""

from __future__ import annotations

from tests.helpers import (
    ADMIN,
    api,
    csrf_from,
    session_token,
    setup_admin,
    setup_with_user,
    sign_in,
    use_session,
)

FIREFOX = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"}


async def _signed_in(client, token: str) -> bool:
    """Whether this session cookie can still open the account page."""
    use_session(client, token)
    resp = await client.get("/account", allow_redirects=False)
    if resp.status == 303:
        assert resp.headers["Location"].startswith("/login")
        return False
    assert resp.status == 200
    return True


async def _session_ids(client) -> list[int]:
    data = await (await client.get("/api/v1/sessions")).json()
    return [s["id"] for s in data["sessions"]]


async def test_devices_page_lists_sessions(client) -> None:
    await setup_admin(client)
    await sign_in(client, *ADMIN)  # a second device
    body = await (await client.get("/account/devices", headers=FIREFOX)).text()
    assert body.count('<tr id="device-') == 2
    assert body.count("This device") == 1
    assert "127.0.0.1" in body and "just now" in body

    data = await (await client.get("/api/v1/sessions")).json()
    assert len(data["sessions"]) == 2
    assert [s["current"] for s in data["sessions"]].count(True) == 1
    for s in data["sessions"]:
        assert "csrf_token" not in s and "token_hash" not in s


async def test_revoke_other_device_with_htmx(client) -> None:
    other = await setup_admin(client)
    mine = await sign_in(client, *ADMIN)
    data = await (await client.get("/api/v1/sessions")).json()
    other_id = next(s["id"] for s in data["sessions"] if not s["current"])
    own_id = next(s["id"] for s in data["sessions"] if s["current"])
    csrf = await csrf_from(client, "/account/devices")
    resp = await client.post(
        f"/account/devices/{other_id}/revoke", headers={"HX-Request": "true", "X-CSRF-Token": csrf}
    )
    assert resp.status == 200
    assert await resp.text() == ""  # the row is swapped for nothing
    assert await _session_ids(client) == [own_id]
    assert not await _signed_in(client, other)
    assert await _signed_in(client, mine)


async def test_revoke_with_plain_form_and_own_device(client) -> None:
    first = await setup_admin(client)
    second = await sign_in(client, *ADMIN)
    data = await (await client.get("/api/v1/sessions")).json()
    first_id = next(s["id"] for s in data["sessions"] if not s["current"])
    csrf = await csrf_from(client, "/account/devices")
    resp = await client.post(
        f"/account/devices/{first_id}/revoke", data={"csrf_token": csrf}, allow_redirects=False
    )
    assert resp.status == 303
    assert resp.headers["Location"] == "/account/devices?done=device-revoked"
    assert (
        "That device has been signed out."
        in await (await client.get("/account/devices?done=device-revoked")).text()
    )
    assert not await _signed_in(client, first)

    # Revoking this very device signs it out.
    use_session(client, second)
    [own_id] = await _session_ids(client)
    resp = await client.post(
        f"/account/devices/{own_id}/revoke", data={"csrf_token": csrf}, allow_redirects=False
    )
    assert resp.status == 303 and resp.headers["Location"] == "/login"
    assert not await _signed_in(client, second)


async def test_revoke_own_device_with_htmx_redirects(client) -> None:
    token = await setup_admin(client)
    [own_id] = await _session_ids(client)
    csrf = await csrf_from(client, "/account/devices")
    resp = await client.post(
        f"/account/devices/{own_id}/revoke", headers={"HX-Request": "true", "X-CSRF-Token": csrf}
    )
    assert resp.status == 200 and resp.headers["HX-Redirect"] == "/login"
    assert not await _signed_in(client, token)


async def test_another_users_session_is_not_found(client) -> None:
    admin_session, alice_session, _ = await setup_with_user(client)
    alice_ids = await _session_ids(client)
    use_session(client, admin_session)
    csrf = await csrf_from(client, "/account/devices")
    for sid in alice_ids:
        resp = await client.post(f"/account/devices/{sid}/revoke", data={"csrf_token": csrf})
        assert resp.status == 404
        assert (await api(client, "DELETE", f"/api/v1/sessions/{sid}", csrf=csrf)).status == 404
    assert (
        "/account/devices/" + str(alice_ids[0])
        not in await (await client.get("/account/devices")).text()
    )
    assert await _signed_in(client, alice_session)


async def test_revoke_through_the_api(client) -> None:
    other = await setup_admin(client)
    mine = await sign_in(client, *ADMIN)
    csrf = await csrf_from(client, "/account")
    data = await (await client.get("/api/v1/sessions")).json()
    other_id = next(s["id"] for s in data["sessions"] if not s["current"])
    assert (await api(client, "DELETE", f"/api/v1/sessions/{other_id}")).status == 403  # no CSRF
    assert await _signed_in(client, other)
    use_session(client, mine)
    assert (await api(client, "DELETE", f"/api/v1/sessions/{other_id}", csrf=csrf)).status == 204
    assert (await api(client, "DELETE", f"/api/v1/sessions/{other_id}", csrf=csrf)).status == 404
    assert not await _signed_in(client, other)


async def test_change_password(client) -> None:
    _, alice, _ = await setup_with_user(client, "alice", "alice-password-1")
    other_device = alice
    this_device = await sign_in(client, "alice", "alice-password-1")
    csrf = await csrf_from(client, "/account/password")

    async def change(current: str, new: str, confirm: str, **kwargs):
        return await client.post(
            "/account/password",
            data={
                "csrf_token": csrf,
                "current_password": current,
                "new_password": new,
                "new_password_confirm": confirm,
            },
            **kwargs,
        )

    for current, new, confirm, message in (
        ("wrong-password", "alice-password-2", "alice-password-2", "current password is not right"),
        ("alice-password-1", "alice-password-2", "something-else", "The two new passwords differ."),
        ("alice-password-1", "short", "short", "at least 8 characters"),
    ):
        resp = await change(current, new, confirm)
        assert resp.status == 400
        assert message in await resp.text()

    resp = await change(
        "alice-password-1", "alice-password-2", "alice-password-2", allow_redirects=False
    )
    assert resp.status == 303 and resp.headers["Location"] == "/account?done=password"
    # This browser got a fresh session and stays signed in; every older session is gone.
    fresh = session_token(client)
    assert fresh not in (this_device, other_device)
    assert (
        "Every other device has been signed out."
        in await (await client.get("/account?done=password")).text()
    )
    assert not await _signed_in(client, other_device)
    assert not await _signed_in(client, this_device)
    assert await _signed_in(client, fresh)
    # The new password works; the old one does not.
    client.session.cookie_jar.clear()
    csrf = await csrf_from(client, "/login")
    resp = await client.post(
        "/login", data={"csrf_token": csrf, "username": "alice", "password": "alice-password-1"}
    )
    assert resp.status == 400
    await sign_in(client, "alice", "alice-password-2")

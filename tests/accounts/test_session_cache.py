"""Sessions are kept in process for a few seconds after they are read; a change to a session,
its user or the user's profiles still counts from the very next request."""

from __future__ import annotations

from tests.helpers import api, csrf_from, setup_with_user, sign_in, use_session


async def _opens_account(client, token: str) -> bool:
    use_session(client, token)
    resp = await client.get("/account", allow_redirects=False)
    return resp.status == 200


async def test_a_disabled_account_is_refused_at_its_next_request(client) -> None:
    _, alice, alice_id = await setup_with_user(client)
    # Read twice: the second answer comes from the session kept in process.
    assert await _opens_account(client, alice)
    assert await _opens_account(client, alice)
    admin = await sign_in(client, "admin", "admin-password-1")
    csrf = await csrf_from(client, "/admin")
    resp = await api(client, "PATCH", f"/api/v1/users/{alice_id}", {"disabled": True}, csrf=csrf)
    assert resp.status == 200, await resp.text()
    assert not await _opens_account(client, alice)
    assert await _opens_account(client, admin)


async def test_signing_out_refuses_the_cookie_at_once(client) -> None:
    _, alice, _ = await setup_with_user(client)
    assert await _opens_account(client, alice)
    csrf = await csrf_from(client, "/account")
    resp = await client.post("/logout", data={"csrf_token": csrf}, allow_redirects=False)
    assert resp.status == 303
    assert not await _opens_account(client, alice)

"""Profiles as the account holder sees them: add, edit, PIN, limits, and other people's data."""

from __future__ import annotations

from tests.helpers import (
    api,
    create_user,
    csrf_from,
    pick_profile,
    setup_admin,
    setup_with_user,
    sign_in,
    use_session,
)

XSS = "<script>alert(1)</script>"


async def _profiles(client) -> list[dict]:
    resp = await client.get("/api/v1/profiles")
    assert resp.status == 200
    return (await resp.json())["profiles"]


async def _add(client, csrf: str, **fields: str):
    data = {"csrf_token": csrf, "avatar": "green", "max_rating": "", **fields}
    return await client.post("/account/profiles/new", data=data, allow_redirects=False)


async def test_add_profiles_up_to_the_limit(client) -> None:
    await setup_with_user(client)
    csrf = await csrf_from(client, "/account/profiles/new")
    for n in range(2, 6):
        resp = await _add(client, csrf, name=f"Person {n}")
        assert resp.status == 303
        assert resp.headers["Location"] == "/account/profiles?done=profile-added"
    page = await (await client.get("/account/profiles")).text()
    assert "Person 5" in page
    assert "Add profile" not in page  # the button goes away at the limit
    assert "at most 5 profiles" in page

    resp = await _add(client, csrf, name="Sixth")
    assert resp.status == 409
    body = await resp.text()
    assert "An account can have at most 5 profiles." in body
    assert 'value="Sixth"' in body  # what was typed is kept

    resp = await api(
        client, "POST", "/api/v1/profiles", {"name": "Sixth", "avatar": "red"}, csrf=csrf
    )
    assert resp.status == 409
    assert "at most 5 profiles" in (await resp.json())["detail"]
    assert len(await _profiles(client)) == 5


async def test_pin_must_be_four_digits(client) -> None:
    await setup_with_user(client)
    csrf = await csrf_from(client, "/account/profiles/new")
    for bad in ("12a4", "123", "12345", "１２３４"):
        resp = await _add(client, csrf, name="Locked", pin=bad)
        assert resp.status == 400, bad
        body = await resp.text()
        assert "PIN must be exactly 4 digits." in body
        assert 'value="Locked"' in body
    resp = await api(
        client,
        "POST",
        "/api/v1/profiles",
        {"name": "Locked", "avatar": "red", "pin": "99999"},
        csrf=csrf,
    )
    assert resp.status == 400
    problem = await resp.json()
    assert problem["field"] == "pin"
    assert [p["name"] for p in await _profiles(client)] == ["alice"]

    resp = await _add(client, csrf, name="Locked", pin="4321")
    assert resp.status == 303
    locked = next(p for p in await _profiles(client) if p["name"] == "Locked")
    assert locked["has_pin"] is True
    assert not any("hash" in key for key in locked)
    # The picker asks for the PIN and refuses a wrong one.
    resp = await client.post(
        f"/profiles/{locked['id']}/select",
        data={"csrf_token": csrf, "pin": "0000"},
        allow_redirects=False,
    )
    assert resp.status == 403
    await pick_profile(client, locked["id"], pin="4321")


async def test_kids_profile_defaults_to_pg(client) -> None:
    await setup_with_user(client)
    csrf = await csrf_from(client, "/account/profiles/new")
    resp = await _add(client, csrf, name="Kiddo", is_kids="on")
    assert resp.status == 303
    kid = next(p for p in await _profiles(client) if p["name"] == "Kiddo")
    assert kid["is_kids"] is True
    assert kid["max_rating"] == "PG"
    page = await (await client.get("/account/profiles")).text()
    assert "Maturity: PG" in page

    resp = await api(
        client,
        "POST",
        "/api/v1/profiles",
        {"name": "Teen", "avatar": "teal", "is_kids": True, "max_rating": "PG-13"},
        csrf=csrf,
    )
    assert resp.status == 201
    assert (await resp.json())["max_rating"] == "PG-13"


async def test_kids_profile_cannot_lift_its_own_limits(client) -> None:
    await setup_with_user(client)
    csrf = await csrf_from(client, "/account/profiles/new")
    await _add(client, csrf, name="Kiddo", is_kids="on")
    kid = next(p for p in await _profiles(client) if p["name"] == "Kiddo")
    await pick_profile(client, kid["id"])
    resp = await client.post(
        f"/account/profiles/{kid['id']}/edit",
        data={"csrf_token": csrf, "name": "Kiddo", "avatar": "red"},
    )
    assert resp.status == 403
    resp = await api(
        client, "PATCH", f"/api/v1/profiles/{kid['id']}", {"is_kids": False}, csrf=csrf
    )
    assert resp.status == 403
    kid_now = next(p for p in await _profiles(client) if p["id"] == kid["id"])
    assert kid_now["is_kids"] is True and kid_now["max_rating"] == "PG"


async def test_a_capped_profile_cannot_lift_a_cap(client) -> None:
    """A teenager given a profile capped at PG-13 (not a kids profile, no PIN), while the
    grown-up's profile has a PIN, cannot lift the cap: not on its own profile, not on another
    profile, not by making a new one, by form or API. Lowering caps and renaming still work."""
    await setup_with_user(client)
    csrf = await csrf_from(client, "/account/profiles/new")
    mine = (await _profiles(client))[0]
    resp = await api(client, "PATCH", f"/api/v1/profiles/{mine['id']}", {"pin": "1234"}, csrf=csrf)
    assert resp.status == 200
    assert (await _add(client, csrf, name="Teen", max_rating="PG-13")).status == 303
    assert (await _add(client, csrf, name="Kid", is_kids="on")).status == 303
    by_name = {p["name"]: p for p in await _profiles(client)}
    teen, kid = by_name["Teen"], by_name["Kid"]
    await pick_profile(client, teen["id"])

    for rating in (None, "R"):
        resp = await api(
            client, "PATCH", f"/api/v1/profiles/{teen['id']}", {"max_rating": rating}, csrf=csrf
        )
        assert resp.status == 403, await resp.text()
        assert "capped at PG-13" in (await resp.json())["detail"]
    resp = await api(
        client, "PATCH", f"/api/v1/profiles/{kid['id']}", {"is_kids": False, "max_rating": None},
        csrf=csrf,
    )  # fmt: skip
    assert resp.status == 403
    resp = await client.post(
        f"/account/profiles/{teen['id']}/edit",
        data={"csrf_token": csrf, "name": "Teen", "avatar": "green", "max_rating": ""},
    )
    assert resp.status == 403 and "capped at PG-13" in await resp.text()
    assert (await _add(client, csrf, name="Free")).status == 403
    body = {"name": "Free", "avatar": "red", "is_kids": False}
    assert (await api(client, "POST", "/api/v1/profiles", body, csrf=csrf)).status == 403
    # Nor by capping the locked grown-up profile, so that no profile without a cap is left.
    resp = await api(
        client, "PATCH", f"/api/v1/profiles/{mine['id']}", {"max_rating": "G"}, csrf=csrf
    )
    assert resp.status == 403 and "Open this profile with its PIN" in await resp.text()
    after = {p["name"]: p["max_rating"] for p in await _profiles(client)}
    assert after == {mine["name"]: None, "Teen": "PG-13", "Kid": "PG"}

    # What takes nothing away from the cap still works.
    resp = await api(
        client, "PATCH", f"/api/v1/profiles/{kid['id']}", {"max_rating": "PG-13"}, csrf=csrf
    )
    assert resp.status == 200
    resp = await api(
        client, "PATCH", f"/api/v1/profiles/{teen['id']}", {"name": "Teen B", "max_rating": "PG"},
        csrf=csrf,
    )  # fmt: skip
    assert resp.status == 200 and (await resp.json())["max_rating"] == "PG"


async def test_an_account_whose_profiles_are_all_capped_can_lift_a_cap(client) -> None:
    """Someone who capped their only profile is not stuck with it: with no profile without a
    cap to protect, the cap can be lifted again."""
    await setup_with_user(client)
    csrf = await csrf_from(client, "/profiles")
    mine = (await _profiles(client))[0]
    await pick_profile(client, mine["id"])
    path = f"/api/v1/profiles/{mine['id']}"
    assert (await api(client, "PATCH", path, {"max_rating": "PG"}, csrf=csrf)).status == 200
    resp = await api(client, "PATCH", path, {"max_rating": None}, csrf=csrf)
    assert resp.status == 200 and (await resp.json())["max_rating"] is None


async def test_edit_profile_and_pin(client) -> None:
    await setup_with_user(client)
    csrf = await csrf_from(client, "/account/profiles")
    [mine] = await _profiles(client)
    form = await (await client.get(f"/account/profiles/{mine['id']}/edit")).text()
    assert 'value="alice"' in form and 'name="avatar" value="blue" checked' in form

    resp = await client.post(
        f"/account/profiles/{mine['id']}/edit",
        data={
            "csrf_token": csrf,
            "name": "Alice B",
            "avatar": "purple",
            "max_rating": "R",
            "pin": "1234",
        },
        allow_redirects=False,
    )
    assert resp.status == 303
    [mine] = await _profiles(client)
    assert (mine["name"], mine["avatar"], mine["max_rating"], mine["has_pin"]) == (
        "Alice B",
        "purple",
        "R",
        True,
    )

    # Another profile on the account cannot remove the PIN...
    await _add(client, csrf, name="Sibling")
    sibling = next(p for p in await _profiles(client) if p["name"] == "Sibling")
    await pick_profile(client, sibling["id"])
    resp = await client.post(
        f"/account/profiles/{mine['id']}/edit",
        data={"csrf_token": csrf, "name": "Alice B", "avatar": "purple", "clear_pin": "on"},
    )
    assert resp.status == 403
    assert "Open this profile with its PIN first" in await resp.text()
    # ...but the profile itself can, once opened with its PIN.
    await pick_profile(client, mine["id"], pin="1234")
    resp = await api(client, "PATCH", f"/api/v1/profiles/{mine['id']}", {"pin": None}, csrf=csrf)
    assert resp.status == 200
    assert (await resp.json())["has_pin"] is False


async def test_bad_edit_keeps_typed_values(client) -> None:
    await setup_with_user(client)
    csrf = await csrf_from(client, "/account/profiles")
    [mine] = await _profiles(client)
    resp = await client.post(
        f"/account/profiles/{mine['id']}/edit",
        data={"csrf_token": csrf, "name": "  ", "avatar": "pink", "max_rating": "TV-14"},
    )
    assert resp.status == 400
    body = await resp.text()
    assert "Profile name must be 1-40 characters." in body
    assert 'value="pink" checked' in body and 'value="TV-14" selected' in body
    resp = await client.post(
        f"/account/profiles/{mine['id']}/edit",
        data={"csrf_token": csrf, "name": "x", "avatar": "rainbow"},
    )
    assert resp.status == 400
    assert (await _profiles(client))[0]["avatar"] == "blue"


async def test_cannot_delete_the_last_profile(client) -> None:
    await setup_with_user(client)
    csrf = await csrf_from(client, "/account/profiles")
    [mine] = await _profiles(client)
    resp = await client.post(f"/account/profiles/{mine['id']}/delete", data={"csrf_token": csrf})
    assert resp.status == 409
    assert "at least one profile" in await resp.text()
    await _add(client, csrf, name="Other")
    resp = await client.post(
        f"/account/profiles/{mine['id']}/delete", data={"csrf_token": csrf}, allow_redirects=False
    )
    assert resp.status == 303
    assert [p["name"] for p in await _profiles(client)] == ["Other"]


async def test_another_users_profile_is_not_found(client) -> None:
    admin_session, alice_session, _ = await setup_with_user(client)
    [alice_profile] = await _profiles(client)
    pid = alice_profile["id"]
    use_session(client, admin_session)
    await create_user(client, "bob", "bob-password-1")
    await sign_in(client, "bob", "bob-password-1")
    csrf = await csrf_from(client, "/account/profiles")

    assert (await client.get(f"/account/profiles/{pid}/edit")).status == 404
    resp = await client.post(
        f"/account/profiles/{pid}/edit", data={"csrf_token": csrf, "name": "pwned", "avatar": "red"}
    )
    assert resp.status == 404
    resp = await client.post(f"/account/profiles/{pid}/delete", data={"csrf_token": csrf})
    assert resp.status == 404
    assert (await client.get(f"/api/v1/profiles/{pid}")).status == 404
    resp = await api(client, "PATCH", f"/api/v1/profiles/{pid}", {"name": "pwned"}, csrf=csrf)
    assert resp.status == 404
    assert (await api(client, "DELETE", f"/api/v1/profiles/{pid}", csrf=csrf)).status == 404
    resp = await client.post(f"/profiles/{pid}/select", data={"csrf_token": csrf})
    assert resp.status == 404

    use_session(client, alice_session)
    assert await _profiles(client) == [alice_profile]


async def test_role_and_owner_fields_are_ignored(client) -> None:
    admin_session, _, alice_id = await setup_with_user(client)
    csrf = await csrf_from(client, "/account")
    resp = await api(
        client,
        "POST",
        "/api/v1/profiles",
        {
            "name": "Sneaky",
            "avatar": "red",
            "role": "admin",
            "user_id": 1,
            "id": 1,
            "pin_hash": "x",
        },
        csrf=csrf,
    )
    assert resp.status == 201
    created = await resp.json()
    assert created["user_id"] == alice_id and created["has_pin"] is False
    resp = await _add(client, csrf, name="Sneaky 2", role="admin", user_id="1")
    assert resp.status == 303
    resp = await api(
        client,
        "PATCH",
        f"/api/v1/profiles/{created['id']}",
        {"role": "admin", "user_id": 1},
        csrf=csrf,
    )
    assert resp.status == 200

    me = await (await client.get("/api/v1/me")).json()
    assert me["user"]["role"] == "user"
    assert (
        await api(client, "PATCH", f"/api/v1/users/{alice_id}", {"role": "admin"}, csrf=csrf)
    ).status == 403
    assert (await client.get("/admin")).status == 403
    me = await (await client.get("/api/v1/me")).json()
    assert me["user"]["role"] == "user"
    # The admin's profiles are untouched.
    use_session(client, admin_session)
    assert [p["name"] for p in await _profiles(client)] == ["admin"]


async def test_missing_csrf_token_is_refused(client) -> None:
    await setup_with_user(client)
    resp = await client.post("/account/profiles/new", data={"name": "NoToken", "avatar": "red"})
    assert resp.status == 403
    assert "CSRF" in await resp.text()
    resp = await client.post("/api/v1/profiles", json={"name": "NoToken", "avatar": "red"})
    assert resp.status == 403
    resp = await api(
        client, "POST", "/api/v1/profiles", {"name": "NoToken", "avatar": "red"}, csrf="wrong-token"
    )
    assert resp.status == 403
    assert [p["name"] for p in await _profiles(client)] == ["alice"]


async def test_profile_names_are_escaped(client) -> None:
    await setup_admin(client)
    csrf = await csrf_from(client, "/account/profiles")
    resp = await _add(client, csrf, name=XSS)
    assert resp.status == 303
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    for path in ("/profiles", "/account", "/account/profiles"):
        body = await (await client.get(path)).text()
        assert escaped in body, path
        assert XSS not in body, path
    xss = next(p for p in await _profiles(client) if p["name"] == XSS)
    body = await (await client.get(f"/account/profiles/{xss['id']}/edit")).text()
    assert XSS not in body and escaped in body


async def test_account_needs_sign_in(client) -> None:
    await setup_admin(client)
    client.session.cookie_jar.clear()
    resp = await client.get("/account/profiles", allow_redirects=False)
    assert resp.status == 303
    assert resp.headers["Location"].startswith("/login?next=")
    assert (await client.get("/api/v1/me")).status == 401

"""A profile's artwork language: chosen in the profile form or the API, kept until changed,
cleared back to the server's language, and refused with a clear message when unknown."""

from __future__ import annotations

from tests.helpers import api, csrf_from, setup_with_user


async def _me(client) -> dict:
    profiles = (await (await client.get("/api/v1/profiles")).json())["profiles"]
    return profiles[0]


async def test_language_in_the_profile_form(client) -> None:
    await setup_with_user(client)
    me = await _me(client)
    assert me["language"] is None  # the server's language until one is chosen
    form = f"/account/profiles/{me['id']}/edit"
    page = await (await client.get(form)).text()
    assert '<option value="" selected>The server\'s language</option>' in page
    assert '<option value="fr" >French (fr)</option>' in page

    csrf = await csrf_from(client, form)
    data = {"csrf_token": csrf, "name": me["name"], "avatar": me["avatar"], "language": "fr"}
    resp = await client.post(form, data=data, allow_redirects=False)
    assert resp.status == 303, await resp.text()
    assert (await _me(client))["language"] == "fr"
    assert (
        '<option value="fr" selected>French (fr)</option>' in await (await client.get(form)).text()
    )

    resp = await client.post(form, data={**data, "language": "klingon"}, allow_redirects=False)
    assert resp.status == 400
    body = await resp.text()
    assert "Unknown language &#39;klingon&#39;" in body and "two-letter code" in body
    assert (await _me(client))["language"] == "fr"  # unchanged

    resp = await client.post(form, data={**data, "language": ""}, allow_redirects=False)
    assert resp.status == 303
    assert (await _me(client))["language"] is None


async def test_language_in_the_api(client) -> None:
    await setup_with_user(client)
    csrf = await csrf_from(client, "/account/profiles/new")
    resp = await api(
        client, "POST", "/api/v1/profiles", {"name": "Jean", "language": "FR"}, csrf=csrf
    )
    assert resp.status == 201
    jean = await resp.json()
    assert jean["language"] == "fr"  # a code in capitals is taken in lower case

    path = f"/api/v1/profiles/{jean['id']}"
    resp = await api(client, "PATCH", path, {"name": "Jean-Luc"}, csrf=csrf)
    assert (await resp.json())["language"] == "fr"  # absent: kept
    resp = await api(client, "PATCH", path, {"language": "xx"}, csrf=csrf)
    assert resp.status == 400
    problem = await resp.json()
    assert "Unknown language 'xx'" in problem["detail"]
    resp = await api(client, "PATCH", path, {"language": "de"}, csrf=csrf)
    assert (await resp.json())["language"] == "de"
    resp = await api(client, "PATCH", path, {"language": None}, csrf=csrf)
    assert (await resp.json())["language"] is None

    resp = await api(client, "POST", "/api/v1/profiles", {"name": "X", "language": "english"},
                     csrf=csrf)  # fmt: skip
    assert resp.status == 400
    assert all(
        p["name"] != "X" for p in (await (await client.get("/api/v1/profiles")).json())["profiles"]
    )

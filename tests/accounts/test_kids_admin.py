"""A kids profile of an admin account has no admin powers: every admin page and admin API call
answers 404, as if it did not exist, whether the kids profile was chosen in the browser or named
by an API key's X-Profile-Id header, and the navigation shows it no admin link."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from aiohttp.test_utils import TestClient

from mediaserver.http.auth import route_access
from mediaserver.keys import db_key
from tests.catalog.seed import Catalog
from tests.helpers import api, csrf_from, pick_profile, setup_admin

_PARAM = re.compile(r"\{([A-Za-z_]+)(?::[^}]*)?\}")


@dataclass
class Household:
    client: TestClient
    csrf: str
    adult_id: int
    kids_id: int
    key: str
    ids: dict[str, str]  # path parameter name -> the id of a real thing of that kind

    def bearer(self, profile_id: int | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.key}"}
        if profile_id is not None:
            headers["X-Profile-Id"] = str(profile_id)
        return headers


@pytest.fixture
async def household(make_app, aiohttp_client) -> Household:
    """The first-run admin with a grown-up and a kids profile (PG), an API key, and an R-rated
    title in a library."""
    client = await aiohttp_client(make_app(library={"watch": False}))
    await setup_admin(client)
    csrf = await csrf_from(client, "/profiles")
    me = await (await client.get("/api/v1/me")).json()
    adult = (await (await client.get("/api/v1/profiles")).json())["profiles"][0]["id"]
    kid = {"name": "Kid", "avatar": "green", "is_kids": True, "max_rating": "PG"}
    resp = await api(client, "POST", "/api/v1/profiles", kid, csrf=csrf)
    assert resp.status == 201, await resp.text()
    kids = (await resp.json())["id"]
    body = {"name": "tv", "user_id": me["user"]["id"]}
    resp = await api(client, "POST", "/api/v1/api-keys", body, csrf=csrf)
    assert resp.status == 201, await resp.text()
    created = await resp.json()
    cat = Catalog(client.app[db_key])
    heat, heat_file = await cat.movie("Heat", rating="R")
    ids = {
        "title_id": str(heat),
        "media_file_id": str(heat_file),
        "library_id": str(cat.library_id),
        "user_id": str(me["user"]["id"]),
        "key_id": str(created["api_key"]["id"]),
        "job_id": "1",
        "play_id": "1",
        "token": "a" * 22,
        "room_id": "a" * 12,
        "table": "top_titles",
        "comment_id": "1",
        "tag_id": "1",
        "season_id": "1",
        "file_id": str(heat_file),
        "download_id": "1",
        "action": "hide",
        "kind": "title",
        "subject_id": str(heat),
        "state": "off",
        "key": "free",
    }
    return Household(client, csrf, adult, kids, created["key"], ids)


def _admin_requests(client: TestClient, ids: dict[str, str]) -> list[tuple[str, str]]:
    """(method, URL) of every admin route, its path parameters naming real things."""
    found = []
    for route in client.app.router.routes():
        if route_access(route) != "admin" or route.method == "HEAD":
            continue
        path = _PARAM.sub(lambda m: ids[m.group(1)], route.resource.canonical)
        found.append((route.method, path))
    assert len(found) > 40  # the walk covers the whole admin area, pages and API
    return found


async def _answer(resp) -> tuple[int, str]:
    text = await resp.text()
    return resp.status, text


async def test_every_admin_route_is_not_found_for_a_kids_profile(household: Household) -> None:
    h, client = household, household.client
    unknown_api = await _answer(await client.get("/api/v1/no-such-thing"))
    await pick_profile(client, h.kids_id)
    csrf = await csrf_from(client, "/profiles")
    unknown_page = await _answer(await client.get("/admin-no-such-page"))
    for method, path in _admin_requests(client, h.ids):
        headers = {"X-CSRF-Token": csrf, "Accept": "application/json"}
        resp = await client.request(method, path, headers=headers, json={}, allow_redirects=False)
        status, text = await _answer(resp)
        # The same answer as a URL that does not exist: nothing tells the admin area is there.
        assert (status, text) == unknown_api, (method, path, status, text[:200])
        if not path.startswith("/api/"):
            page = await client.request(method, path, headers={"X-CSRF-Token": csrf})
            assert await _answer(page) == unknown_page, (method, path)

    client.session.cookie_jar.clear()
    for method, path in _admin_requests(client, h.ids):
        headers = h.bearer(h.kids_id) | {"Accept": "application/json"}
        resp = await client.request(method, path, headers=headers, json={})
        status, text = await _answer(resp)
        assert (status, text) == unknown_api, (method, path, status, text[:200])


async def test_a_capped_profile_of_an_admin_account_has_no_admin_powers(
    household: Household,
) -> None:
    """A teenager's profile capped at PG-13 (not a kids profile) on the admin's account: admin
    powers would lift the cap at once (an API key, a new account), so the admin area answers 404
    to it as to a kids profile, and no admin link is shown."""
    h, client = household, household.client
    teen = {"name": "Teen", "avatar": "teal", "is_kids": False, "max_rating": "PG-13"}
    resp = await api(client, "POST", "/api/v1/profiles", teen, csrf=h.csrf)
    assert resp.status == 201, await resp.text()
    teen_id = (await resp.json())["id"]
    unknown_api = await _answer(await client.get("/api/v1/no-such-thing"))
    await pick_profile(client, teen_id)
    csrf = await csrf_from(client, "/profiles")
    for path in ("/", "/account"):
        assert 'href="/admin' not in await (await client.get(path)).text(), path
    key = {"name": "mine", "user_id": int(h.ids["user_id"])}
    assert await _answer(await api(client, "POST", "/api/v1/api-keys", key, csrf=csrf)) == (
        unknown_api
    )
    for method, path in _admin_requests(client, h.ids):
        headers = {"X-CSRF-Token": csrf, "Accept": "application/json"}
        resp = await client.request(method, path, headers=headers, json={}, allow_redirects=False)
        assert await _answer(resp) == unknown_api, (method, path)
    client.session.cookie_jar.clear()
    for method, path in _admin_requests(client, h.ids):
        headers = h.bearer(teen_id) | {"Accept": "application/json"}
        resp = await client.request(method, path, headers=headers, json={})
        assert await _answer(resp) == unknown_api, (method, path)


async def test_kids_profile_cannot_unlock_a_title_by_changing_its_rating(
    household: Household,
) -> None:
    h, client = household, household.client
    heat = h.ids["title_id"]
    await pick_profile(client, h.kids_id)
    csrf = await csrf_from(client, "/profiles")
    resp = await api(client, "PATCH", f"/api/v1/titles/{heat}", {"maturity_rating": "G"}, csrf=csrf)
    assert resp.status == 404
    form = {"csrf_token": csrf, "title": "Heat", "maturity_rating": "G"}
    resp = await client.post(f"/admin/titles/{heat}", data=form, allow_redirects=False)
    assert resp.status == 404
    client.session.cookie_jar.clear()
    resp = await client.patch(
        f"/api/v1/titles/{heat}", json={"maturity_rating": "G"}, headers=h.bearer(h.kids_id)
    )
    assert resp.status == 404
    # Still R, so still hidden from the kid.
    resp = await client.get(f"/api/v1/catalog/titles/{heat}", headers=h.bearer(h.kids_id))
    assert resp.status == 404
    title = await (await client.get(f"/api/v1/titles/{heat}", headers=h.bearer())).json()
    assert title["maturity_rating"] == "R"


async def test_grown_up_profiles_and_api_keys_keep_admin_powers(household: Household) -> None:
    h, client = household, household.client
    await pick_profile(client, h.adult_id)
    assert (await client.get("/admin/users")).status == 200
    assert (await client.get("/api/v1/users")).status == 200
    client.session.cookie_jar.clear()
    # An API key acts as its account, or as the grown-up profile it names.
    assert (await client.get("/api/v1/users", headers=h.bearer())).status == 200
    assert (await client.get("/api/v1/users", headers=h.bearer(h.adult_id))).status == 200
    assert (await client.get("/api/v1/users", headers=h.bearer(h.kids_id))).status == 404


async def test_kids_profile_is_shown_no_admin_link(household: Household) -> None:
    h, client = household, household.client
    await pick_profile(client, h.adult_id)
    assert 'href="/admin"' in await (await client.get("/")).text()
    await pick_profile(client, h.kids_id)
    for path in ("/", "/search", "/account"):
        resp = await client.get(path)
        assert resp.status == 200 and 'href="/admin' not in await resp.text(), path


async def test_empty_server_shows_a_kids_profile_no_admin_steps(client: TestClient) -> None:
    await setup_admin(client)
    csrf = await csrf_from(client, "/profiles")
    kid = {"name": "Kid", "avatar": "green", "is_kids": True, "max_rating": "PG"}
    kids = (await (await api(client, "POST", "/api/v1/profiles", kid, csrf=csrf)).json())["id"]
    await pick_profile(client, kids)
    home = await (await client.get("/")).text()
    assert "Nothing to watch yet" in home and "/admin" not in home

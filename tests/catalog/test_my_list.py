"""My List: add and remove from any card (HTMX), idempotent, one list per profile, CSRF."""

from __future__ import annotations

from tests.catalog.conftest import Browse
from tests.helpers import api


async def test_add_remove_idempotent_with_htmx(browse: Browse) -> None:
    b = browse
    heat, _ = await b.cat.movie("Heat")
    headers = {"X-CSRF-Token": b.csrf, "HX-Request": "true"}
    for _ in range(2):  # adding twice keeps one entry
        resp = await b.client.post(f"/my-list/{heat}/add", headers=headers)
        assert resp.status == 200
        button = await resp.text()
        assert 'aria-pressed="true"' in button and f"/my-list/{heat}/remove" in button
        assert "<html" not in button  # only the button is swapped, no page reload
    page = await (await b.client.get("/my-list")).text()
    assert page.count('<span class="tc-name">Heat</span>') == 1
    for _ in range(2):
        resp = await b.client.post(f"/my-list/{heat}/remove", headers=headers)
        assert resp.status == 200 and 'aria-pressed="false"' in await resp.text()
    page = await (await b.client.get("/my-list")).text()
    assert "Your list is empty" in page


async def test_plain_form_post_comes_back(browse: Browse) -> None:
    heat, _ = await browse.cat.movie("Heat")
    resp = await browse.client.post(
        f"/my-list/{heat}/add", data={"csrf_token": browse.csrf}, allow_redirects=False
    )
    assert resp.status == 303 and resp.headers["Location"] == f"/titles/{heat}"


async def test_csrf_is_required(browse: Browse) -> None:
    heat, _ = await browse.cat.movie("Heat")
    assert (await browse.client.post(f"/my-list/{heat}/add")).status == 403
    assert (await browse.client.put(f"/api/v1/my-list/{heat}")).status == 403
    assert (await browse.client.delete("/api/v1/history")).status == 403


async def test_each_profile_has_its_own_list(browse: Browse) -> None:
    b = browse
    paddington, _ = await b.cat.movie("Paddington", rating="PG")
    resp = await api(b.client, "PUT", f"/api/v1/my-list/{paddington}", csrf=b.csrf)
    assert resp.status == 200
    await b.use(b.kids_id)
    data = await (await b.client.get("/api/v1/my-list")).json()
    assert data["titles"] == []
    resp = await api(b.client, "DELETE", f"/api/v1/my-list/{paddington}", csrf=b.csrf)
    assert resp.status == 204  # removes nothing of the other profile's
    await b.use(b.profile_id)
    data = await (await b.client.get("/api/v1/my-list")).json()
    assert [t["title"] for t in data["titles"]] == ["Paddington"]
    assert data["titles"][0]["in_my_list"] is True


async def test_api_add_by_body_and_bad_ids(browse: Browse) -> None:
    b = browse
    heat, _ = await b.cat.movie("Heat")
    resp = await api(b.client, "POST", "/api/v1/my-list", {"title_id": heat}, csrf=b.csrf)
    assert resp.status == 201
    resp = await api(b.client, "POST", "/api/v1/my-list", {"title_id": "x"}, csrf=b.csrf)
    assert resp.status == 400 and "title_id" in (await resp.json())["detail"]
    resp = await api(b.client, "PUT", "/api/v1/my-list/99999", csrf=b.csrf)
    assert resp.status == 404

"""Poster A/B tests as profiles and admins meet them: a sticky candidate per profile on the
cards (home rows, search results, My List), impressions counted once per page view, plays
credited to the card opened before them, pinning, exploration stopping at probability 0.95, and
kids caps / admin rights."""

from __future__ import annotations

import re
import time

import sqlalchemy as sa

from mediaserver.db.artwork_ab_schema import artwork_ab_arms, artwork_ab_assignments
from mediaserver.db.catalog_schema import images
from mediaserver.keys import db_key
from tests.catalog import conftest as catalog_fixtures
from tests.catalog.conftest import Browse
from tests.helpers import api, create_user, sign_in

browse = catalog_fixtures.browse  # the signed-in admin with a seeded catalog


async def candidates(b: Browse, title_id: int, count: int = 3) -> list[int]:
    """Poster candidates packaging would have taken from the title's video."""
    ids = []
    async with b.client.app[db_key].write() as conn:
        for i in range(count):
            result = await conn.execute(
                images.insert()
                .values(title_id=title_id, kind="poster", source="generated",
                        location=f"ladders/{title_id}/v1/posters/p{i}.webp", width=400,
                        height=600, is_selected=i == 0, created_at=time.time())
                .returning(images.c.id)
            )  # fmt: skip
            ids.append(result.scalar_one())
    return ids


def poster_choice(home: dict, title_id: int) -> int | None:
    for row in home["rows"]:
        for card in row["titles"]:
            if card["id"] == title_id and card["poster"]:
                found = re.search(r"\?c=(\d+)$", card["poster"])
                return int(found.group(1)) if found else None
    raise AssertionError(f"title {title_id} is on no home row")


async def home(b: Browse) -> dict:
    resp = await b.client.get("/api/v1/home")
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def test_a_profile_keeps_its_candidate_until_it_goes_stale(browse: Browse) -> None:
    b = browse
    title_id, _ = await b.cat.movie("Heat", rating="R")
    ids = await candidates(b, title_id)
    first = poster_choice(await home(b), title_id)
    assert first in ids
    for _ in range(4):
        assert poster_choice(await home(b), title_id) == first
    page = await (await b.client.get("/")).text()
    assert f'data-poster-test="{first}"' in page and f"/poster?c={first}" in page
    # A day later (the sticky period) it is drawn again, from the same candidates.
    async with b.client.app[db_key].write() as conn:
        await conn.execute(artwork_ab_assignments.update().values(assigned_at=1.0))
    assert poster_choice(await home(b), title_id) in ids
    async with b.client.app[db_key].read() as conn:
        stamp = await conn.scalar(sa.select(artwork_ab_assignments.c.assigned_at))
    assert stamp > time.time() - 60


async def test_impressions_count_once_per_view(browse: Browse) -> None:
    b = browse
    title_id, _ = await b.cat.movie("Heat", rating="R")
    ids = await candidates(b, title_id, 2)
    item = {"title_id": title_id, "image_id": ids[1]}
    url = "/api/v1/posters/impressions"
    body = {"view_id": "view-one-1234", "items": [item, item]}
    assert (await (await api(b.client, "POST", url, body, csrf=b.csrf)).json())["counted"] == 1
    assert (await (await api(b.client, "POST", url, body, csrf=b.csrf)).json())["counted"] == 0
    body["view_id"] = "view-two-1234"
    assert (await (await api(b.client, "POST", url, body, csrf=b.csrf)).json())["counted"] == 1
    test = await (await b.client.get(f"/api/v1/admin/posters/{title_id}")).json()
    shown = {c["image_id"]: c["impressions"] for c in test["candidates"]}
    assert shown == {ids[0]: 0, ids[1]: 2}
    bad = await api(b.client, "POST", url, {"view_id": "x", "items": [item]}, csrf=b.csrf)
    assert bad.status == 400 and "view_id" in await bad.text()


async def test_a_play_counts_for_the_card_opened_before_it(browse: Browse) -> None:
    b = browse
    title_id, file_id = await b.cat.movie("Heat", rating="R")
    ids = await candidates(b, title_id, 2)
    play = {"media_file_id": file_id, "method": "ladder"}
    resp = await api(b.client, "POST", "/api/v1/plays", play, csrf=b.csrf)
    assert resp.status == 201  # no card opened: nothing credited
    click = {"title_id": title_id, "image_id": ids[0]}
    resp = await api(b.client, "POST", "/api/v1/posters/clicks", click, csrf=b.csrf)
    assert (await resp.json())["recorded"] is True
    for _ in range(2):  # the second play has no click of its own
        assert (await api(b.client, "POST", "/api/v1/plays", play, csrf=b.csrf)).status == 201
    test = await (await b.client.get(f"/api/v1/admin/posters/{title_id}")).json()
    assert {c["image_id"]: c["plays"] for c in test["candidates"]} == {ids[0]: 1, ids[1]: 0}


async def test_a_pinned_candidate_is_served_to_everyone(browse: Browse) -> None:
    b = browse
    title_id, _ = await b.cat.movie("Paddington", rating="PG")
    ids = await candidates(b, title_id)
    url = f"/api/v1/admin/posters/{title_id}/pin"
    resp = await api(b.client, "PUT", url, {"image_id": ids[2]}, csrf=b.csrf)
    assert resp.status == 200 and (await resp.json())["state"] == "pinned"
    assert poster_choice(await home(b), title_id) == ids[2]
    await b.use(b.kids_id)
    assert poster_choice(await home(b), title_id) == ids[2]
    await b.use(b.profile_id)
    other, _ = await b.cat.movie("Heat", rating="R")
    wrong = await candidates(b, other, 2)
    resp = await api(b.client, "PUT", url, {"image_id": wrong[0]}, csrf=b.csrf)
    assert resp.status == 400 and "candidates" in await resp.text()
    resp = await api(b.client, "PUT", url, {"image_id": None}, csrf=b.csrf)
    assert (await resp.json())["state"] == "exploring"


async def test_exploration_stops_when_one_is_best_with_probability_95(browse: Browse) -> None:
    b = browse
    title_id, _ = await b.cat.movie("Heat", rating="R")
    ids = await candidates(b, title_id, 2)
    async with b.client.app[db_key].write() as conn:
        for image_id, plays in ((ids[0], 40), (ids[1], 70)):
            await conn.execute(artwork_ab_arms.insert().values(
                image_id=image_id, title_id=title_id, impressions=1000, plays=plays,
                updated_at=time.time()))  # fmt: skip
    test = await (await b.client.get(f"/api/v1/admin/posters/{title_id}")).json()
    assert test["state"] == "exploring"  # nothing decides until new evidence comes in
    best = {c["image_id"]: c for c in test["candidates"]}[ids[1]]
    assert best["p_best"] > 0.99 and best["low"] < 0.071 < best["high"]
    body = {"view_id": "view-decide-1", "items": [{"title_id": title_id, "image_id": ids[0]}]}
    await api(b.client, "POST", "/api/v1/posters/impressions", body, csrf=b.csrf)
    test = await (await b.client.get(f"/api/v1/admin/posters/{title_id}")).json()
    assert test["state"] == "won" and test["served"] == ids[1]
    assert poster_choice(await home(b), title_id) == ids[1]
    page = await (await b.client.get(f"/admin/posters/{title_id}")).text()
    assert "Winner" in page and "Heat" in await (await b.client.get("/admin/posters")).text()


async def test_kids_and_viewers_cannot_reach_what_they_may_not_see(browse: Browse) -> None:
    b = browse
    title_id, _ = await b.cat.movie("Heat", rating="R")
    ids = await candidates(b, title_id, 2)
    await b.use(b.kids_id)
    body = {"view_id": "kids-view-1", "items": [{"title_id": title_id, "image_id": ids[0]}]}
    resp = await api(b.client, "POST", "/api/v1/posters/impressions", body, csrf=b.csrf)
    assert (await resp.json())["counted"] == 0
    click = {"title_id": title_id, "image_id": ids[0]}
    resp = await api(b.client, "POST", "/api/v1/posters/clicks", click, csrf=b.csrf)
    assert resp.status == 404  # like any title the profile may not see
    assert (await b.client.get(f"/images/titles/{title_id}/poster?c={ids[1]}")).status == 404
    await b.use(b.profile_id)
    await create_user(b.client, "viewer", "viewer-password-1")
    await sign_in(b.client, "viewer", "viewer-password-1")
    assert (await b.client.get("/api/v1/admin/posters")).status == 403
    assert (await b.client.get(f"/admin/posters/{title_id}")).status == 403


async def test_search_results_and_my_list_show_the_profiles_candidate(browse: Browse) -> None:
    b = browse
    title_id, _ = await b.cat.movie("Heat", rating="R")
    ids = await candidates(b, title_id)
    chosen = poster_choice(await home(b), title_id)
    assert chosen in ids
    marked = f'data-poster-test="{chosen}" data-title-id="{title_id}"'  # what the beacons watch
    poster = f"/images/titles/{title_id}/poster?c={chosen}"
    assert marked in await (await b.client.get("/search?q=Heat")).text()
    found = await (await b.client.get("/api/v1/search?q=Heat")).json()
    assert [t["poster"] for t in found["titles"]] == [
        f"/images/titles/{title_id}/poster?c={chosen}"
    ]
    resp = await b.client.post(
        f"/my-list/{title_id}/add", data={"csrf_token": b.csrf}, allow_redirects=False
    )
    assert resp.status == 303
    assert marked in await (await b.client.get("/my-list")).text()
    listed = await (await b.client.get("/api/v1/my-list")).json()
    assert listed["titles"][0]["poster"] == poster
    # Seen on those pages, the card counts for its candidate as on a home row.
    body = {"view_id": "search-view-1", "items": [{"title_id": title_id, "image_id": chosen}]}
    resp = await api(b.client, "POST", "/api/v1/posters/impressions", body, csrf=b.csrf)
    assert (await resp.json())["counted"] == 1
    test = await (await b.client.get(f"/api/v1/admin/posters/{title_id}")).json()
    assert {c["image_id"]: c["impressions"] for c in test["candidates"]}[chosen] == 1

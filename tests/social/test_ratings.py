"""Ratings and reviews through the JSON API and the title page's section: half stars, the
average, count and distribution, one review per profile, helpful marks, and the bad input the
server must refuse or defuse."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from mediaserver.db.social_ratings_schema import ratings, reviews, title_ratings
from mediaserver.keys import db_key
from tests.helpers import pick_profile
from tests.social.comments_fixtures import Forum, forum
from tests.watchparty.conftest import Browser, party

__all__ = ["forum", "party"]  # fixtures used by the tests below

XSS = '<script>alert(1)</script><img src=x onerror=alert(2)> <a href="javascript:alert(3)">x</a>'


async def rate(who: Browser, title_id: int, value: Any) -> Any:
    return await who.api("PUT", f"/api/v1/titles/{title_id}/rating", {"value": value})


async def summary_of(who: Browser, title_id: int, query: str = "") -> dict:
    resp = await who.client.get(f"/api/v1/titles/{title_id}/ratings{query}")
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def reviewed(who: Browser, title_id: int, text: str, spoiler: bool = False) -> dict:
    resp = await who.api("PUT", f"/api/v1/titles/{title_id}/review",
                         {"text": text, "spoiler": spoiler})  # fmt: skip
    assert resp.status == 200, await resp.text()
    return (await resp.json())["review"]


async def _aggregate(forum: Forum, title_id: int) -> tuple[int, ...]:
    async with forum.alice.client.app[db_key].read() as conn:
        row = (
            await conn.execute(sa.select(title_ratings).where(title_ratings.c.title_id == title_id))
        ).one()
    return tuple(row)[1:]


async def test_rate_change_remove_and_the_aggregate(forum: Forum) -> None:
    resp = await rate(forum.alice, forum.heat, 4.5)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["mine"] == 4.5
    resp = await rate(forum.bob, forum.heat, "2")
    got = await resp.json()
    assert got["count"] == 2 and got["average"] == 3.2  # (4.5 + 2) / 2 = 3.25, one decimal
    assert got["distribution"] == [0, 1, 0, 0, 1] and got["mine"] == 2.0

    # Changing a rating moves it between bars; rating the same again changes nothing.
    await rate(forum.bob, forum.heat, 0.5)
    await rate(forum.bob, forum.heat, 0.5)
    got = (await summary_of(forum.alice, forum.heat))["summary"]
    assert got["count"] == 2 and got["distribution"] == [1, 0, 0, 0, 1] and got["mine"] == 4.5
    assert await _aggregate(forum, forum.heat) == (2, 10, 1, 0, 0, 0, 1)

    resp = await forum.bob.api("DELETE", f"/api/v1/titles/{forum.heat}/rating")
    got = await resp.json()
    assert got["count"] == 1 and got["average"] == 4.5 and got["mine"] is None
    # Stored for recommendations: profile, title, half stars, when.
    async with forum.alice.client.app[db_key].read() as conn:
        rows = (await conn.execute(sa.select(ratings.c.profile_id, ratings.c.value))).all()
    assert rows == [(forum.alice.profile_id, 9)]
    assert await _aggregate(forum, forum.heat) == (1, 9, 0, 0, 0, 0, 1)


async def test_ratings_outside_half_steps_are_422(forum: Forum) -> None:
    for bad in (0, 0.25, 5.5, -1, 3.3, 100, 1e308):
        resp = await rate(forum.alice, forum.heat, bad)
        assert resp.status == 422, (bad, await resp.text())
        assert "half a star" in (await resp.json())["detail"]
    for not_a_number in ("x", None, [], {}):  # not even a number: the API's 400
        assert (await rate(forum.alice, forum.heat, not_a_number)).status == 400
    assert (await summary_of(forum.alice, forum.heat))["summary"]["count"] == 0
    # The form route refuses the same, with a clear message.
    resp = await forum.alice.client.post(
        f"/titles/{forum.heat}/rating",
        data={"csrf_token": forum.alice.csrf, "value": "7"},
        allow_redirects=False,
    )
    assert resp.status == 422 and "half a star" in await resp.text()


async def test_one_review_per_profile_edit_delete_and_sorting(forum: Forum) -> None:
    first = await reviewed(forum.alice, forum.heat, "Great heist")
    again = await reviewed(forum.alice, forum.heat, "Great heist, better second time")
    assert again["id"] == first["id"] and again["text"].endswith("second time")
    bobs = await reviewed(forum.bob, forum.heat, "Too long")
    listing = await summary_of(forum.alice, forum.heat, "?sort=new")
    assert [r["id"] for r in listing["reviews"]] == [bobs["id"], first["id"]]

    # Helpful: once per profile, twice changes nothing, never your own.
    for _ in range(2):
        resp = await forum.bob.api("PUT", f"/api/v1/reviews/{first['id']}/helpful")
        assert resp.status == 200, await resp.text()
    got = (await resp.json())["review"]
    assert got["helpful_count"] == 1 and got["helpful"] is True
    resp = await forum.bob.api("PUT", f"/api/v1/reviews/{bobs['id']}/helpful")
    assert resp.status == 403 and "own review" in (await resp.json())["detail"]
    listing = await summary_of(forum.bob, forum.heat)  # most helpful first
    assert [r["id"] for r in listing["reviews"]] == [first["id"], bobs["id"]]
    resp = await forum.bob.api("DELETE", f"/api/v1/reviews/{first['id']}/helpful")
    assert (await resp.json())["review"]["helpful_count"] == 0

    resp = await forum.bob.api("PATCH", f"/api/v1/reviews/{bobs['id']}",
                               {"text": "Long, but worth it", "spoiler": True})  # fmt: skip
    assert resp.status == 200
    assert (await resp.json())["review"]["spoiler"] is True
    resp = await forum.bob.api("DELETE", f"/api/v1/reviews/{bobs['id']}")
    assert resp.status == 204
    listing = await summary_of(forum.alice, forum.heat)
    assert [r["id"] for r in listing["reviews"]] == [first["id"]]


async def test_someone_elses_review_by_id_is_404_and_unchanged(forum: Forum) -> None:
    theirs = await reviewed(forum.alice, forum.heat, "alice wrote this")
    rid = theirs["id"]
    resp = await forum.bob.api("PATCH", f"/api/v1/reviews/{rid}", {"text": "bob was here"})
    assert resp.status == 404
    resp = await forum.bob.api("DELETE", f"/api/v1/reviews/{rid}")
    assert resp.status == 404
    resp = await forum.bob.client.post(
        f"/reviews/{rid}/delete", data={"csrf_token": forum.bob.csrf}
    )
    assert resp.status == 404
    async with forum.alice.client.app[db_key].read() as conn:
        text = (await conn.execute(sa.select(reviews.c.text))).scalar_one()
    assert text == "alice wrote this"


async def test_review_text_too_long_is_422_and_xss_is_stored_and_escaped(forum: Forum) -> None:
    resp = await forum.bob.api("PUT", f"/api/v1/titles/{forum.heat}/review", {"text": "x" * 5001})
    assert resp.status == 422 and "5000" in (await resp.json())["detail"]
    resp = await forum.bob.api("PUT", f"/api/v1/titles/{forum.heat}/review", {"text": " \u200b "})
    assert resp.status == 422
    # Invisible direction and zero-width characters are removed, the rest kept as typed.
    made = await reviewed(forum.bob, forum.heat, "spam\u202e\u200b " + XSS)
    assert made["text"] == "spam " + XSS
    html = await (await forum.alice.client.get(f"/titles/{forum.heat}/ratings")).text()
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html


async def test_kids_profile_gets_404_for_an_adult_titles_ratings(forum: Forum) -> None:
    made = await reviewed(forum.alice, forum.heat, "grown-up opinion")
    await rate(forum.alice, forum.heat, 4)
    await reviewed(forum.alice, forum.cartoon, "for everyone")
    await pick_profile(forum.bob.client, forum.party.bob_kids_id)
    client = forum.bob.client
    for path in (f"/titles/{forum.heat}/ratings", f"/api/v1/titles/{forum.heat}/ratings"):
        resp = await client.get(path)
        assert resp.status == 404, path
        assert "grown-up opinion" not in await resp.text()
    assert (await rate(forum.bob, forum.heat, 5)).status == 404
    resp = await forum.bob.api("PUT", f"/api/v1/titles/{forum.heat}/review", {"text": "kid"})
    assert resp.status == 404
    assert (await forum.bob.api("PUT", f"/api/v1/reviews/{made['id']}/helpful")).status == 404
    kids_view = await summary_of(forum.bob, forum.cartoon)
    assert [r["text"] for r in kids_view["reviews"]] == ["for everyone"]
    # Nothing the kids profile tried was counted.
    assert await _aggregate(forum, forum.heat) == (1, 8, 0, 0, 0, 1, 0)


async def test_html_section_and_forms_work_without_javascript(forum: Forum) -> None:
    client, csrf = forum.bob.client, forum.bob.csrf
    resp = await client.post(
        f"/titles/{forum.heat}/rating",
        data={"csrf_token": csrf, "value": "3.5"},
        allow_redirects=False,
    )
    assert resp.status == 303 and resp.headers["Location"] == f"/titles/{forum.heat}#ratings"
    resp = await client.post(
        f"/titles/{forum.heat}/review",
        data={"csrf_token": csrf, "text": "A twist at the end", "spoiler": "on"},
        allow_redirects=False,
    )
    assert resp.status == 303
    html = await (await forum.alice.client.get(f"/titles/{forum.heat}/ratings")).text()
    assert "3.5" in html and "1 rating" in html and "A twist at the end" in html
    assert "Show spoiler" in html and 'aria-hidden="true" inert' in html
    # Without the CSRF token nothing changes.
    resp = await client.post(f"/titles/{forum.heat}/rating", data={"value": "1"})
    assert resp.status == 403
    assert (await summary_of(forum.bob, forum.heat))["summary"]["mine"] == 3.5
    # HTMX gets the section back in place.
    resp = await client.post(
        f"/titles/{forum.heat}/rating",
        data={"csrf_token": csrf, "remove": "1"},
        headers={"HX-Request": "true"},
    )
    assert resp.status == 200 and "No ratings yet." in await resp.text()
    page = await (await client.get(f"/titles/{forum.heat}")).text()
    assert f'hx-get="/titles/{forum.heat}/ratings"' in page


async def test_search_sorts_and_filters_by_rating(forum: Forum) -> None:
    await rate(forum.alice, forum.cartoon, 5)
    await rate(forum.bob, forum.cartoon, 4)
    await rate(forum.alice, forum.heat, 2.5)

    async def found(query: str) -> list[int]:
        resp = await forum.alice.client.get(f"/api/v1/search?{query}")
        assert resp.status == 200, await resp.text()
        return [t["id"] for t in (await resp.json())["titles"]]

    ranked = await found("sort=stars")
    assert ranked[:2] == [forum.cartoon, forum.heat]  # 4.5 before 2.5; unrated after
    assert forum.show in ranked[2:]
    assert await found("min_stars=4") == [forum.cartoon]
    assert set(await found("min_stars=2")) == {forum.cartoon, forum.heat}
    resp = await forum.alice.client.get("/api/v1/search?min_stars=6")
    assert resp.status == 400 and "between 1 and 5" in (await resp.json())["detail"]
    html = await (await forum.alice.client.get("/search?min_stars=4&sort=stars")).text()
    assert "4★ and up" in html and "Highest rated" in html


async def test_top_rated_row_on_the_home_page(forum: Forum) -> None:
    resp = await forum.alice.client.get("/rows/top-rated")
    assert resp.status in (200, 204) and "Top rated here" not in await resp.text()
    await rate(forum.alice, forum.heat, 3)
    await rate(forum.bob, forum.cartoon, 5)
    html = await (await forum.alice.client.get("/rows/top-rated")).text()
    assert "Top rated here" in html
    assert html.index("/titles/" + str(forum.cartoon)) < html.index("/titles/" + str(forum.heat))
    # A kids profile's row leaves out the adult title.
    await pick_profile(forum.bob.client, forum.party.bob_kids_id)
    kids = await (await forum.bob.client.get("/rows/top-rated")).text()
    assert f"/titles/{forum.cartoon}" in kids and f"/titles/{forum.heat}\"" not in kids

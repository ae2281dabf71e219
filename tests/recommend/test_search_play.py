"""Searches that led to a play, as a profile makes them: the search page's result links carry a
signed reference to the search (never the query), opening one is reported, and a play of that
title soon after is recorded with the query and counts for training as a strong like. A
reference works only for its profile, its query and a short while."""

from __future__ import annotations

import re
import time

import sqlalchemy as sa

from mediaserver.db.recommend_schema import search_play_attribution
from mediaserver.keys import db_key, secret_key
from mediaserver.recommend.reco import search_play, signals
from tests.catalog import conftest as catalog_fixtures
from tests.catalog.conftest import Browse
from tests.helpers import api

browse = catalog_fixtures.browse  # the catalog's fixture: an admin, a kids profile, a catalog

OPENED = "/api/v1/recommendations/search-opened"


async def result_ref(b: Browse, query: str, title_id: int) -> str:
    """The `sref` of a title's link on the search page for `query`."""
    page = await (await b.client.get("/search", params={"q": query})).text()
    assert f'data-search-query="{query}"' in page and "js/search-opened.js" in page
    found = re.search(rf'href="/titles/{title_id}\?sref=([^"]+)"', page)
    assert found, "the result's link carries no search reference"
    return found.group(1)


async def opened(b: Browse, title_id: int, query: str, ref: str) -> bool:
    body = {"title_id": title_id, "query": query, "ref": ref}
    resp = await api(b.client, "POST", OPENED, body, csrf=b.csrf)
    assert resp.status == 200, await resp.text()
    return (await resp.json())["recorded"]


async def play(b: Browse, file_id: int) -> None:
    body = {"media_file_id": file_id, "method": "ladder"}
    assert (await api(b.client, "POST", "/api/v1/plays", body, csrf=b.csrf)).status == 201


async def search_plays(b: Browse) -> list[tuple[str, int]]:
    body = await (await b.client.get("/api/v1/recommendations/search-plays")).json()
    return [(p["query"], p["title_id"]) for p in body["plays"]]


async def test_a_play_after_opening_a_search_result_is_recorded_and_trained_on(
    browse: Browse,
) -> None:
    b = browse
    paddington, paddington_file = await b.cat.movie("Paddington", rating="PG")
    heat, heat_file = await b.cat.movie("Heat", rating="R")
    ref = await result_ref(b, "Paddington", paddington)
    assert "addington" not in ref  # the query itself is in no link (nor the access log)
    assert not await opened(b, paddington, "Heat", ref)  # signed for another query
    assert await opened(b, paddington, "Paddington", ref)
    await play(b, heat_file)  # not opened from a search: nothing to record
    assert await search_plays(b) == []
    await play(b, paddington_file)
    await play(b, paddington_file)  # the search found the first play, not every later one
    assert await search_plays(b) == [("Paddington", paddington)]

    # Training: the searched-then-played title counts like an onboarding pick on top of its play.
    async with b.client.app[db_key].read() as conn:
        found = await signals.load_signals(conn, await signals.load_profiles(conn))
    mine = next(s for s in found if s.profile.id == b.profile_id)
    searched, played = mine.titles[paddington].strength, mine.titles[heat].strength
    assert abs(searched - 2 * played - signals.SEARCHED_AND_PLAYED) < 1e-9


async def test_a_reference_is_its_profiles_and_short_lived(browse: Browse) -> None:
    b = browse
    paddington, paddington_file = await b.cat.movie("Paddington", rating="PG")
    heat, _ = await b.cat.movie("Heat", rating="R")
    ref = await result_ref(b, "Paddington", paddington)
    app = b.client.app
    stale = search_play.make_ref(app[secret_key], b.profile_id, "Paddington", time.time() - 3600)
    assert not await opened(b, paddington, "Paddington", stale)  # older than 30 minutes
    assert not await opened(b, paddington, "Paddington", "1.forged")
    bad = await api(b.client, "POST", OPENED, {"title_id": 0}, csrf=b.csrf)
    assert bad.status == 400 and "title_id" in await bad.text()

    await b.use(b.kids_id)
    assert not await opened(b, paddington, "Paddington", ref)  # another profile's search
    kids_ref = await result_ref(b, "Paddington", paddington)
    body = {"title_id": heat, "query": "Paddington", "ref": kids_ref}
    resp = await api(b.client, "POST", OPENED, body, csrf=b.csrf)
    assert resp.status == 404  # over the kids cap: like any title it may not see
    assert await opened(b, paddington, "Paddington", kids_ref)
    # Opened long before the play: the play was not found by that search.
    async with app[db_key].write() as conn:
        await conn.execute(search_play_attribution.update().values(opened_at=time.time() - 3600))
    await play(b, paddington_file)
    assert await search_plays(b) == []
    assert await search_play.purge(app) == 1  # housekeeping drops what no play followed
    count = sa.select(sa.func.count()).select_from(search_play_attribution)
    async with app[db_key].read() as conn:
        assert await conn.scalar(count) == 0

"""Search matches inside words, forgives one typo, finds years, people and episode names, and
answers a one-letter query helpfully; the index follows edits and deletions."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from mediaserver.db.catalog_schema import episodes
from mediaserver.db.search import find, remove_title, within_one_edit
from mediaserver.db.search_index import reindex_titles
from mediaserver.keys import db_key
from tests.catalog.conftest import Browse
from tests.helpers import api


def names(html: str) -> list[str]:
    results = html.split('id="results"', 1)[1]
    return re.findall(r'<span class="tc-name">([^<]*)</span>', results)


@pytest.fixture
async def shelf(browse: Browse) -> dict[str, int]:
    cat = browse.cat
    ids = {
        "tongues": (await cat.movie("Two Tongues", year=2011))[0],
        "fractal": (await cat.movie("Big Fractal", year=1987))[0],
        "heat": (await cat.movie("Heat", year=1995, cast=["Al Pacino"]))[0],
        "tide": (await cat.movie("Tidewater", year=2003))[0],
    }
    ids["harbor"], _ = await cat.series("Harbor Lights", season_count=1, per_season=2)
    async with browse.client.app[db_key].write() as conn:
        await conn.execute(
            episodes.update()
            .where(episodes.c.series_id == ids["harbor"], episodes.c.episode_number == 2)
            .values(title="The Lighthouse Keeper")
        )
        await reindex_titles(conn, list(ids.values()))  # what every catalog writer calls
    return ids


async def found(browse: Browse, q: str) -> tuple[list[str], str]:
    resp = await browse.client.get("/search?" + urlencode({"q": q}))
    assert resp.status == 200
    html = await resp.text()
    return names(html), html


async def test_inside_words_typos_years_people_episodes(browse: Browse, shelf: dict) -> None:
    cases = {
        "ongues": ["Two Tongues"],  # the middle of a word
        "fractl": ["Big Fractal"],  # one letter missing
        "tongeus": ["Two Tongues"],  # two neighbours swapped
        "1995": ["Heat"],  # a year
        "pacin": ["Heat"],  # a person, inside the name
        "lighthouse keep": ["Harbor Lights"],  # an episode name finds its series
        "TWO tóngues": ["Two Tongues"],  # case and accents do not matter
    }
    for q, expected in cases.items():
        assert (await found(browse, q))[0] == expected, q
    _, html = await found(browse, "fractl")
    assert "“fractal” for “fractl”" in html


async def test_one_letter_query_lists_word_starts(browse: Browse, shelf: dict) -> None:
    titles, html = await found(browse, "t")
    assert set(titles) == {"Two Tongues", "Tidewater"}
    assert "Type three letters or more" in html
    assert "No titles match" not in html
    titles, html = await found(browse, "q")
    assert titles == [] and "No title has a word starting with “q”" in html


async def test_api_reports_corrections(browse: Browse, shelf: dict) -> None:
    body = await (await browse.client.get("/api/v1/search?q=fractl")).json()
    assert [t["title"] for t in body["titles"]] == ["Big Fractal"]
    assert body["corrections"] == {"fractl": "fractal"} and body["word_starts_only"] is False
    body = await (await browse.client.get("/api/v1/search?q=b")).json()
    assert body["word_starts_only"] is True
    assert [t["title"] for t in body["titles"]] == ["Big Fractal"]


async def test_index_follows_edits_and_deletes(browse: Browse, shelf: dict) -> None:
    resp = await api(
        browse.client,
        "PATCH",
        f"/api/v1/titles/{shelf['tide']}",
        {"title": "Saltmarsh"},
        csrf=browse.csrf,
    )
    assert resp.status == 200, await resp.text()
    assert (await found(browse, "altmars"))[0] == ["Saltmarsh"]
    assert (await found(browse, "tidewat"))[0] == []
    db = browse.client.app[db_key]
    async with db.write() as conn:
        await conn.execute(sa.text("DELETE FROM titles WHERE id = :id"), {"id": shelf["heat"]})
        await remove_title(conn, shelf["heat"])
    async with db.read() as conn:
        assert (await find(conn, "heat")).ids == []


def test_within_one_edit() -> None:
    assert within_one_edit("fractl", "fractal") and within_one_edit("fractal", "fractl")
    assert within_one_edit("tongeus", "tongues") and within_one_edit("tangues", "tongues")
    assert not within_one_edit("fractl", "fracttal") and not within_one_edit("abcd", "badc")

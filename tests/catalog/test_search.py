"""Search: full text plus every filter and sort, filters in the URL, clear 400s for bad values."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest

from tests.catalog.conftest import Browse


def names(html: str) -> list[str]:
    results = html.split('id="results"', 1)[1]
    return re.findall(r'<span class="tc-name">([^<]*)</span>', results)


@pytest.fixture
async def library(browse: Browse) -> dict[str, int]:
    cat = browse.cat
    ids: dict[str, int] = {}
    ids["heat"], heat_file = await cat.movie(
        "Heat",
        year=1995,
        rating="R",
        runtime=170 * 60,
        genres=["Crime"],
        audio=("eng",),
        subs=("fre",),
        cast=["Al Pacino"],
        description="Los Angeles heist.",
    )
    ids["amelie"], _ = await cat.movie(
        "Amélie",
        year=2001,
        rating="R",
        runtime=122 * 60,
        genres=["Comedy"],
        audio=("fre",),
        subs=("eng",),
    )
    ids["paddington"], _ = await cat.movie(
        "Paddington", year=2014, rating="PG", runtime=95 * 60, genres=["Family", "Comedy"]
    )
    ids["wire"], eps = await cat.series(
        "The Wire", year=2002, rating="TV-MA", genres=["Crime"], description="Baltimore heist."
    )
    await cat.progress(browse.profile_id, heat_file, 600, 600, watched=True)
    return ids


async def search(browse: Browse, **params: str) -> tuple[int, str]:
    resp = await browse.client.get("/search?" + urlencode(params))
    return resp.status, await resp.text()


async def test_each_filter(browse: Browse, library: dict[str, int]) -> None:
    crime = re.search(r'<option value="(\d+)" >Crime<', (await search(browse))[1]).group(1)
    cases = [
        ({"q": "heist"}, {"Heat", "The Wire"}),
        ({"q": "pacino"}, {"Heat"}),  # people are searched too
        ({"q": "amé"}, {"Amélie"}),  # prefix match
        ({"type": "series"}, {"The Wire"}),
        ({"type": "movie"}, {"Heat", "Amélie", "Paddington"}),
        ({"genre": crime}, {"Heat", "The Wire"}),
        ({"year_from": "2001"}, {"Amélie", "Paddington", "The Wire"}),
        ({"year_to": "2001"}, {"Heat", "Amélie"}),
        ({"runtime_min": "120"}, {"Heat", "Amélie"}),
        ({"runtime_max": "100"}, {"Paddington", "The Wire"}),  # episodes of 20 minutes
        ({"audio": "fr"}, {"Amélie"}),
        ({"subtitles": "fr"}, {"Heat"}),
        ({"rating": "PG"}, {"Paddington"}),
        ({"watched": "yes"}, {"Heat"}),
        ({"watched": "no"}, {"Amélie", "Paddington", "The Wire"}),
    ]
    for params, expected in cases:
        status, html = await search(browse, **params)
        assert status == 200, (params, html[-500:])
        assert set(names(html)) == expected, params


async def test_combined_filters_and_sorts(browse: Browse, library: dict[str, int]) -> None:
    status, html = await search(browse, q="heist", type="movie", year_from="1990", rating="R")
    assert names(html) == ["Heat"]
    assert names((await search(browse, type="movie", sort="title"))[1]) == [
        "Amélie",
        "Heat",
        "Paddington",
    ]
    assert names((await search(browse, sort="year"))[1]) == [
        "Paddington",
        "The Wire",
        "Amélie",
        "Heat",
    ]
    assert names((await search(browse, sort="added"))[1]) == [
        "The Wire",
        "Paddington",
        "Amélie",
        "Heat",
    ]
    # Relevance: the match in the title ranks above the match in the description.
    _, html = await search(browse, q="wire baltimore")
    assert names(html) == ["The Wire"]


async def test_filters_round_trip_through_the_url(browse: Browse, library: dict[str, int]) -> None:
    query = "q=heist&type=movie&year_from=1990&year_to=2000&rating=R&sort=title"
    resp = await browse.client.get("/search?" + query, headers={"HX-Request": "true"})
    assert resp.status == 200
    # The page the browser shows gets the canonical URL of this search (shareable).
    assert resp.headers["HX-Replace-Url"] == "/search?" + query
    assert "<html" not in await resp.text()  # only the results are swapped
    page = await (await browse.client.get("/search?" + query)).text()
    assert 'value="heist"' in page and 'value="1990"' in page and 'value="2000"' in page
    assert '<option value="movie" selected>' in page
    assert '<option value="R" selected>' in page and '<option value="title" selected>' in page
    # Empty fields (as a form submits them) mean "any" and do not change the canonical URL.
    resp = await browse.client.get(
        "/search?q=heist&type=&genre=&audio=", headers={"HX-Request": "true"}
    )
    assert resp.headers["HX-Replace-Url"] == "/search?q=heist"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"year_from": "abc"}, "'Year from' must be a whole number"),
        ({"year_to": "1200"}, "between 1870 and 2100"),
        ({"year_from": "2010", "year_to": "2000"}, "'Year from' is after 'Year to'"),
        ({"runtime_min": "-5"}, "must be a whole number"),
        ({"type": "podcast"}, "Type must be one of: movie, series"),
        ({"rating": "X"}, "Maturity rating must be one of"),
        ({"watched": "maybe"}, "Watched must be one of: yes, no"),
        ({"sort": "random"}, "Sort must be one of"),
        ({"audio": "english!"}, "language code like 'en'"),
        ({"genre": "424242"}, "no genre with id 424242"),
        ({"colour": "red"}, "Unknown search filter 'colour'"),
        ({"q": "x" * 201}, "longer than 200"),
    ],
)
async def test_invalid_filters_say_what_is_wrong(
    browse: Browse, params: dict[str, str], message: str
) -> None:
    status, html = await search(browse, **params)
    assert status == 400 and message in html.replace("&#39;", "'"), html[-800:]
    resp = await browse.client.get("/search?" + urlencode(params), headers={"HX-Request": "true"})
    assert resp.status == 400 and 'role="alert"' in await resp.text()


async def test_api_search(browse: Browse, library: dict[str, int]) -> None:
    data = await (await browse.client.get("/api/v1/search?q=heist&type=movie")).json()
    assert [t["title"] for t in data["titles"]] == ["Heat"]
    assert data["url"] == "/search?q=heist&type=movie"
    resp = await browse.client.get("/api/v1/search?year_from=soon")
    assert resp.status == 400 and (await resp.json())["field"] == "year_from"


async def test_empty_search_invites_typing(browse: Browse) -> None:
    status, html = await search(browse)
    assert status == 200 and "Type to search" in html


async def test_results_come_in_pages(browse: Browse) -> None:
    for i in range(65):
        await browse.cat.movie(f"Film {i:02d}")
    status, html = await search(browse, sort="title")
    assert len(names(html)) == 60 and names(html)[0] == "Film 00"
    assert 'href="/search?sort=title&amp;page=2"' in html
    _, html = await search(browse, sort="title", page="2")
    assert names(html) == [f"Film {i}" for i in range(60, 65)]
    assert 'href="/search?sort=title"' in html and "page=3" not in html
    data = await (await browse.client.get("/api/v1/search?q=film&sort=title")).json()
    assert data["next"] == "/api/v1/search?q=film&sort=title&page=2"
    assert (await search(browse, page="0"))[0] == 400

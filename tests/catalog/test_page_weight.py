"""Fast pages: each browse page's HTML plus its CSS stays under 100 KB with a full library."""

from __future__ import annotations

import re

import pytest

from tests.catalog.conftest import Browse

LIMIT = 100 * 1024
GENRES = ["Action", "Comedy", "Crime", "Drama", "Family", "Horror", "Romance", "Sci-Fi"]


async def page_weight(browse: Browse, path: str) -> int:
    html = await (await browse.client.get(path)).text()
    total = len(html.encode())
    for href in re.findall(r'<link rel="stylesheet" href="([^"]+)"', html):
        total += len(await (await browse.client.get(href)).read())
    return total


@pytest.mark.slow  # renders every browse page of a full library
async def test_pages_stay_under_100_kb(browse: Browse) -> None:
    b = browse
    first = None
    for i in range(150):
        genres = [GENRES[i % len(GENRES)], GENRES[(i * 3 + 1) % len(GENRES)]]
        title_id, file_id = await b.cat.movie(
            f"A Rather Long Movie Title Number {i}", year=1950 + i % 70, genres=genres,
            description="Words " * 60, cast=[f"Actor {i % 20}", f"Actor {(i + 7) % 20}"],
        )  # fmt: skip
        first = first or title_id
        if i % 5 == 0:
            await b.cat.progress(b.profile_id, file_id, 120)
            await b.client.post(f"/my-list/{title_id}/add", headers={"X-CSRF-Token": b.csrf})
    show, _ = await b.cat.series("Long Show", season_count=3, per_season=24, genres=["Drama"])
    weights = {}
    for path in ("/", "/search?q=movie", "/search?sort=title", f"/titles/{first}",
                 f"/titles/{show}", "/my-list", "/history", "/genres/1"):  # fmt: skip
        weights[path] = await page_weight(b, path)
    print("page weights (HTML + CSS, bytes):", weights)
    assert max(weights.values()) < LIMIT, weights

"""Viewer title pages: movie details and Play / Resume / Start over; series seasons and episodes."""

from __future__ import annotations

import html as htmlmod
import re

from tests.catalog.conftest import Browse


async def test_movie_page_details_languages_cast_and_play(browse: Browse) -> None:
    b = browse
    heat, file_id = await b.cat.movie(
        "Heat",
        year=1995,
        rating="R",
        runtime=170 * 60,
        genres=["Crime", "Drama"],
        cast=["Al Pacino", "Robert De Niro"],
        description="A heist goes wrong.",
        audio=("eng", "ger"),
        subs=("fre", "eng"),
    )
    page = await (await b.client.get(f"/titles/{heat}")).text()
    for text in (
        "Heat",
        "1995",
        "2h 50m",
        ">R<",
        "Crime",
        "Drama",
        "A heist goes wrong.",
        "Al Pacino",
        "Robert De Niro",
        "English, German",
        "English, French",
    ):
        assert text in page, text
    assert f'href="/watch/{file_id}"' in page and "&#9654; Play" in page
    assert "Resume from" not in page

    await b.cat.progress(b.profile_id, file_id, 754, 10200)
    page = await (await b.client.get(f"/titles/{heat}")).text()
    assert "Resume from 12:34" in page
    assert f'href="/watch/{file_id}?t=754"' in page
    assert f'href="/watch/{file_id}?t=0"' in page and "Start over" in page


async def test_series_page_seasons_episodes_and_progress(browse: Browse) -> None:
    b = browse
    show, eps = await b.cat.series("The Wire", season_count=2, per_season=3, poster="p.jpg")
    await b.cat.progress(b.profile_id, eps[(1, 1)], 1200, 1200, watched=True, at=10)
    await b.cat.progress(b.profile_id, eps[(1, 2)], 300, 1200, at=20)
    page = await (await b.client.get(f"/titles/{show}")).text()
    assert "Season 1" in page and "Season 2" in page and "2 seasons" in page
    assert f'hx-get="/titles/{show}/seasons/2"' in page
    assert "Episode 1x3 of The Wire" in page
    assert "Resume from 5:00" in page and f"/watch/{eps[(1, 2)]}?t=300" in page
    assert 'value="100"' in page and 'value="25"' in page  # per-episode progress
    assert "20m" in page  # runtime from the file
    # Episodes without their own thumbnail show the series poster in a 16:9 box.
    assert f'class="from-poster" src="/images/titles/{show}/poster?l=en"' in page

    part = await b.client.get(f"/titles/{show}/seasons/2", headers={"HX-Request": "true"})
    text = await part.text()
    assert part.status == 200 and "<html" not in text
    assert "Episode 2x1 of The Wire" in text and "Episode 1x1" not in text
    assert (await b.client.get(f"/titles/{show}/seasons/9")).status == 404
    assert (await b.client.get(f"/titles/{show}?season=9")).status == 404


async def test_finished_episode_moves_play_to_next_up(browse: Browse) -> None:
    b = browse
    show, eps = await b.cat.series("Lost", season_count=2, per_season=2)
    page = await (await b.client.get(f"/titles/{show}")).text()
    assert f'href="/watch/{eps[(1, 1)]}"' in page and "Play S1:E1" in page
    await b.cat.progress(b.profile_id, eps[(1, 2)], 1200, 1200, watched=True)
    page = await (await b.client.get(f"/titles/{show}")).text()
    assert "Play S2:E1" in page
    assert re.search(r'aria-selected="true"[^>]*>Season 2<', page)  # its season is open


async def test_title_names_are_escaped(browse: Browse) -> None:
    evil = "<script>alert(1)</script>"
    title_id, _ = await browse.cat.movie(evil, description=evil, cast=[evil], genres=[evil])
    for path in (f"/titles/{title_id}", "/", "/search?q=alert"):
        page = await (await browse.client.get(path)).text()
        assert evil not in page, path
        assert htmlmod.escape(evil, quote=False) in page or "&lt;script&gt;" in page, path


async def test_unknown_or_removed_title_is_404(browse: Browse) -> None:
    gone, _ = await browse.cat.movie("Gone", removed_at=1.0)
    for path in ("/titles/99999", f"/titles/{gone}", "/titles/abc", "/api/v1/catalog/titles/99999"):
        assert (await browse.client.get(path)).status == 404, path


async def test_api_title_details(browse: Browse) -> None:
    show, eps = await browse.cat.series("Lost", season_count=1, per_season=2, subs=("spa",))
    data = await (await browse.client.get(f"/api/v1/catalog/titles/{show}")).json()
    assert data["title"] == "Lost" and data["kind"] == "series"
    assert data["seasons"] == [{"number": 1, "name": "Season 1", "episodes": 2, "poster": None}]
    assert data["subtitle_languages"] == [{"code": "es", "name": "Spanish"}]
    assert data["play"]["media_file_id"] == eps[(1, 1)]
    season = await (await browse.client.get(f"/api/v1/catalog/titles/{show}/seasons/1")).json()
    assert [e["episode"] for e in season["episodes"]] == [1, 2]

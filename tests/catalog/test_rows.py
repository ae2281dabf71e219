"""Home rows: their content and order, Continue Watching with progress and Next Up, lazy rows."""

from __future__ import annotations

import re

from tests.catalog.conftest import Browse


def row_titles(html: str, key: str) -> list[str]:
    """Card names of one row of the home page (or of a row partial), in order."""
    match = re.search(rf'id="row-{key}".*?</section>', html, re.S)
    assert match, f"no row {key}"
    return re.findall(r'<span class="tc-name">([^<]*)</span>', match.group(0))


async def test_recently_added_newest_first_and_hero(browse: Browse) -> None:
    for name in ("Alien", "Brazil", "Casablanca"):
        await browse.cat.movie(name, year=1980, description=f"{name} synopsis.", genres=["Drama"])
    html = await (await browse.client.get("/")).text()
    assert row_titles(html, "recent") == ["Casablanca", "Brazil", "Alien"]
    assert 'class="hero"' in html and "synopsis." in html
    assert "More info" in html


async def test_continue_watching_progress_and_next_up(browse: Browse) -> None:
    b = browse
    _, heat = await b.cat.movie("Heat", duration=600)
    _, done = await b.cat.movie("Finished Film", duration=600)
    show, eps = await b.cat.series("The Wire", season_count=2, per_season=2)
    await b.cat.progress(b.profile_id, heat, 150, 600, at=1000)
    await b.cat.progress(b.profile_id, done, 600, 600, watched=True, at=1100)
    # Last episode of season 1 finished: Next Up is S2:E1.
    await b.cat.progress(b.profile_id, eps[(1, 2)], 1200, 1200, watched=True, at=1200)
    html = await (await b.client.get("/")).text()
    assert row_titles(html, "continue") == ["The Wire", "Heat"]  # newest activity first
    row = re.search(r'id="row-continue".*?</section>', html, re.S).group(0)
    assert "Next up · S2:E1" in row
    assert f'href="/watch/{eps[(2, 1)]}"' in row
    assert 'value="25"' in row  # Heat: 150 of 600 s watched
    assert f'href="/watch/{heat}?t=150"' in row
    assert "Finished Film" not in row  # a finished movie has nothing to continue

    # Last episode of the series finished: nothing next, the series leaves the row.
    await b.cat.progress(b.profile_id, eps[(2, 2)], 1200, 1200, watched=True, at=1300)
    html = await (await b.client.get("/")).text()
    assert row_titles(html, "continue") == ["Heat"]


async def test_next_up_skips_episodes_already_watched(browse: Browse) -> None:
    b = browse
    _, eps = await b.cat.series("Lost", season_count=1, per_season=4)
    await b.cat.progress(b.profile_id, eps[(1, 3)], 1200, 1200, watched=True, at=100)
    await b.cat.progress(b.profile_id, eps[(1, 1)], 1200, 1200, watched=True, at=200)  # a rewatch
    html = await (await b.client.get("/")).text()
    row = re.search(r'id="row-continue".*?</section>', html, re.S).group(0)
    assert "Next up · S1:E2" in row


async def test_my_list_and_because_you_watched_rows(browse: Browse) -> None:
    b = browse
    heat, heat_file = await b.cat.movie("Heat", genres=["Crime"], cast=["Al Pacino"])
    await b.cat.movie("Serpico", genres=["Drama"], cast=["Al Pacino"])
    await b.cat.movie("Ronin", genres=["Crime"])
    await b.cat.movie("Paddington", genres=["Family"])
    await b.cat.progress(b.profile_id, heat_file, 100)
    resp = await b.client.post(f"/my-list/{heat}/add", headers={"X-CSRF-Token": b.csrf})
    assert resp.status == 200
    home = await (await b.client.get("/")).text()
    assert row_titles(home, "my-list") == ["Heat"]
    # Rows after the first three load lazily. On the home page the recommendations' own
    # "Because you watched" row stands in for this one; its partial still answers.
    assert 'hx-trigger="intersect once"' in home and 'hx-get="/rows/because"' not in home
    row = await (await b.client.get("/rows/because")).text()
    # A shared actor weighs more than a shared genre; the title itself is left out.
    assert row_titles(row, "because") == ["Serpico", "Ronin"]
    assert "Because you watched Heat" in row


async def test_genre_rows_and_pages(browse: Browse) -> None:
    b = browse
    await b.cat.movie("Alien", genres=["Horror", "Sci-Fi"])
    await b.cat.movie("Aliens", genres=["Sci-Fi"])
    home = await (await b.client.get("/")).text()
    # The first rows come with the page, the others as they scroll into view.
    keys = re.findall(r'(?:id="row-|hx-get="/rows/)(genre-\d+)"', home)
    assert len(keys) == 2  # Sci-Fi (two titles) before Horror
    first = await (await b.client.get(f"/rows/{keys[0]}")).text()
    assert "Sci-Fi" in first and row_titles(first, keys[0]) == ["Aliens", "Alien"]
    genre_id = keys[0].split("-")[1]
    page = await (await b.client.get(f"/genres/{genre_id}")).text()
    assert "<h1>Sci-Fi</h1>" in page and "Aliens" in page
    assert (await b.client.get("/genres/999")).status == 404
    assert (await b.client.get("/rows/nonsense")).status == 404


async def test_empty_home_tells_an_admin_what_to_do(browse: Browse) -> None:
    html = await (await browse.client.get("/")).text()
    assert "Nothing to watch yet" in html and 'href="/admin/libraries/new"' in html


async def test_cards_show_poster_or_a_typographic_placeholder(browse: Browse) -> None:
    with_poster, _ = await browse.cat.movie("Poster Film", poster="images/x.jpg")
    await browse.cat.movie("Plain Film")
    html = await (await browse.client.get("/")).text()
    assert f'src="/images/titles/{with_poster}/poster?l=en"' in html
    assert '<span class="tc-ph-name">Plain Film</span>' in html

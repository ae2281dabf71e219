"""Viewer pages: episode rows from a scanned show (names and overviews from NFO, the whole row a
link, short runtimes in seconds, episode names searchable), title pages that browsers
revalidate and whose Play / Resume fragment follows the saved position, and what the player
offers when a movie ends."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from mediaserver.accounts import Profile
from mediaserver.catalog import register_watch_next_source
from mediaserver.catalog.pages import runtime
from mediaserver.keys import db_key
from tests.catalog.conftest import Browse
from tests.catalog.seed import Catalog
from tests.helpers import api, csrf_from, pick_profile, setup_admin
from tests.library.scan_helpers import place, write
from tests.library.test_libraries_admin import wait_jobs
from tests.media_factory import make_video

HTMX = {"HX-Request": "true"}
EPISODE_NFO = (
    "<episodedetails><title>The Lighthouse Keeper</title><season>1</season><episode>1</episode>"
    "<plot>A keeper counts ships that never arrive.</plot></episodedetails>"
)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_video(tmp_path_factory.mktemp("clips") / "c.mkv", seconds=2, width=64, height=48)


@pytest.fixture
async def show(make_app, aiohttp_client, tmp_path, clip) -> tuple[TestClient, int]:
    client = await aiohttp_client(make_app(library={"watch": False}))
    await setup_admin(client)
    season = tmp_path / "shows" / "Harbor (2020)" / "Season 01"
    place(clip, season / "Harbor - S01E01.mkv")
    write(season / "Harbor - S01E01.nfo", EPISODE_NFO)
    place(clip, season / "Harbor - S01E02.mkv")
    csrf = await csrf_from(client, "/admin/libraries")
    body = {"name": "Shows", "kind": "shows", "paths": [str(tmp_path / "shows")]}
    resp = await api(client, "POST", "/api/v1/libraries", body, csrf=csrf)
    assert resp.status == 201, await resp.text()
    await wait_jobs(client)
    profiles = await (await client.get("/api/v1/profiles")).json()
    await pick_profile(client, profiles["profiles"][0]["id"])
    found = await (await client.get("/api/v1/search?q=harbor")).json()
    return client, found["titles"][0]["id"]


async def test_episode_rows_from_a_scanned_show(show) -> None:
    client, series_id = show
    resp = await client.get(f"/titles/{series_id}")
    assert resp.status == 200
    html = await resp.text()
    rows = re.findall(r'<li class="episode linked">(.*?)</li>', html, re.S)
    assert len(rows) == 2
    # The name and overview from the episode's NFO; the row's link covers it all.
    first = rows[0]
    assert re.search(r'<a class="ep-link" href="/watch/\d+"', first)
    assert "The Lighthouse Keeper" in first
    assert "A keeper counts ships that never arrive." in first
    assert re.search(r'ep-meta">2 s<', first), first  # a two-second episode, not "1m"
    assert "Episode 2" in rows[1]  # no NFO, no name in the file name: its number
    # The episode's name finds its show, as written by the scan.
    found = await (await client.get("/api/v1/search?q=lighthous")).json()
    assert [t["id"] for t in found["titles"]] == [series_id]


def test_runtime_reads_seconds_under_a_minute() -> None:
    assert [runtime(40), runtime(59.4), runtime(60), runtime(48 * 60), runtime(6720)] == [
        "40 s", "59 s", "1m", "48m", "1h 52m",
    ]  # fmt: skip


async def test_title_pages_are_revalidated_and_their_actions_follow_progress(browse) -> None:
    cat = browse.cat
    title_id, file_id = await cat.movie("Night Drive", year=2019, duration=600.0)
    page = await browse.client.get(f"/titles/{title_id}")
    assert "no-cache" in page.headers["Cache-Control"]
    assert f'data-fresh="/titles/{title_id}/actions"' in await page.text()
    home = await browse.client.get("/")
    assert "no-cache" in home.headers["Cache-Control"]
    fragment = await browse.client.get(f"/titles/{title_id}/actions", headers=HTMX)
    text = await fragment.text()
    assert text.lstrip().startswith('<div id="title-actions"') and "Resume" not in text
    await cat.progress(browse.profile_id, file_id, 125)
    fragment = await browse.client.get(f"/titles/{title_id}/actions", headers=HTMX)
    assert "Resume from 2:05" in await fragment.text()
    assert "no-cache" in fragment.headers["Cache-Control"]


async def test_watch_next_same_genre_then_recent_within_the_cap(browse: Browse) -> None:
    cat = browse.cat
    heat, heat_file = await cat.movie("Heat", rating="R", genres=["Crime"], added_at=1.0)
    wire, _ = await cat.movie("Ronin", rating="R", genres=["Crime"], added_at=2.0)
    paddington, kids_file = await cat.movie("Paddington", rating="PG", genres=["Family"])
    cubs, _ = await cat.movie("Bear Cubs", rating="G", genres=["Family"], added_at=3.0)
    body = await (await browse.client.get(f"/api/v1/watch-next/{heat_file}")).json()
    names = [t["title"] for t in body["titles"]]
    assert names[0] == "Ronin" and "Heat" not in names
    assert set(names) == {"Ronin", "Paddington", "Bear Cubs"}
    assert all(t["href"].startswith("/titles/") for t in body["titles"])
    # A kids profile (PG) is offered nothing above its cap, and cannot ask about Heat.
    await browse.use(browse.kids_id)
    body = await (await browse.client.get(f"/api/v1/watch-next/{kids_file}")).json()
    assert [t["title"] for t in body["titles"]] == ["Bear Cubs"]
    assert (await browse.client.get(f"/api/v1/watch-next/{heat_file}")).status == 404


async def test_a_registered_source_comes_first(make_app, aiohttp_client) -> None:
    async def picks(app: web.Application, profile: Profile, title_id: int, limit: int):
        return [picked[0], title_id, 999_999]  # itself and unknown ids are dropped

    def with_source(app: web.Application) -> None:
        register_watch_next_source(app, picks)

    app = make_app(library={"watch": False})
    with_source(app)
    client = await aiohttp_client(app)
    await setup_admin(client)
    profiles = await (await client.get("/api/v1/profiles")).json()
    await pick_profile(client, profiles["profiles"][0]["id"])
    cat = Catalog(client.app[db_key])
    _, file_id = await cat.movie("Alpha", genres=["Drama"])
    await cat.movie("Beta", genres=["Drama"])
    picked = [(await cat.movie("Gamma", genres=["Western"]))[0]]
    body = await (await client.get(f"/api/v1/watch-next/{file_id}")).json()
    names = [t["title"] for t in body["titles"]]
    # Sources registered earlier (recommendations) may come before it; the catalog's own
    # fallback (same genre, then recent) comes after every source.
    assert set(names) == {"Gamma", "Beta"} and "Alpha" not in names

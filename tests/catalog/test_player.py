"""The player page and its settings: who may open it, where it starts, what it is told."""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from tests.catalog.player_helpers import kids_profile, signed_in_catalog
from tests.helpers import api

CONFIG_RE = re.compile(r'<script type="application/json" id="player-config">(.*?)</script>', re.S)


async def player_config(client, path: str) -> dict:
    resp = await client.get(path)
    assert resp.status == 200, await resp.text()
    match = CONFIG_RE.search(await resp.text())
    assert match
    return json.loads(match.group(1))


async def test_player_page_knows_markers_start_and_preferences(client) -> None:
    catalog, csrf = await signed_in_catalog(client)
    resp = await client.get(f"/watch/{catalog.heat}?t=33")
    html = await resp.text()
    assert "<h1>Heat</h1>" in html
    # Only the player page may load the Chromecast sender script.
    assert "https://www.gstatic.com" in resp.headers["Content-Security-Policy"]
    home = await client.get("/")
    assert "gstatic" not in home.headers["Content-Security-Policy"]
    config = await player_config(client, f"/watch/{catalog.heat}?t=33")
    assert config["start"] == 33
    assert config["markers"]["intro"]["end"] == 12
    assert config["markers"]["credits"]["start"] == 90
    assert config["preferences"]["volume"] == 1.0
    assert config["next_episode"] is None  # a movie
    # A bad ?t is ignored (starts at the saved position, here the beginning).
    assert (await player_config(client, f"/watch/{catalog.heat}?t=abc"))["start"] == 0


async def test_episodes_count_down_to_the_next_one_in_order(client) -> None:
    catalog, _ = await signed_in_catalog(client)
    first, second, third = catalog.episodes
    config = await player_config(client, f"/watch/{first}")
    assert config["next_episode"]["media_file_id"] == second
    assert config["next_episode"]["label"] == "S01E02"
    assert config["next_episode"]["url"] == f"/watch/{second}?t=0"
    # Across seasons; the last episode has none; specials (season 0) are not in the order.
    assert (await player_config(client, f"/watch/{second}"))["next_episode"]["label"] == "S02E01"
    assert (await player_config(client, f"/watch/{third}"))["next_episode"] is None
    html = await (await client.get(f"/watch/{first}")).text()
    assert "The Show" in html and "S01E01 · Episode 1.1" in html


async def test_a_kids_profile_cannot_open_an_adult_title_by_url(client) -> None:
    catalog, csrf = await signed_in_catalog(client)
    await kids_profile(client, csrf)
    resp = await client.get(f"/watch/{catalog.heat}")
    assert resp.status == 404
    assert "Heat" not in await resp.text()
    assert (await client.get(f"/watch/{catalog.paddington}")).status == 200
    assert (await client.get("/watch/987654")).status == 404
    assert (await client.get("/watch/..%2f1")).status == 404


async def test_preferences_are_remembered_per_profile(client) -> None:
    catalog, csrf = await signed_in_catalog(client)
    url = "/api/v1/profile/player-preferences"
    changes = {"volume": 0.4, "muted": True, "subtitle_size": "large", "speed": 1.5}
    changes |= {"subtitle_language": "eng", "subtitle_background": "opaque"}
    resp = await api(client, "PUT", url, changes, csrf=csrf)
    assert resp.status == 200, await resp.text()
    prefs = await (await client.get(url)).json()
    assert prefs == prefs | changes and prefs["audio_language"] is None
    # A partial update keeps the rest.
    await api(client, "PUT", url, {"volume": 0.8}, csrf=csrf)
    prefs = await (await client.get(url)).json()
    assert prefs["volume"] == 0.8 and prefs["subtitle_size"] == "large"
    config = await player_config(client, f"/watch/{catalog.heat}")
    assert config["preferences"]["speed"] == 1.5
    # Two changes sent at the same moment (the player saves each on its own): both survive.
    sent = [{"speed": 0.75}, {"subtitle_size": "small"}, {"muted": False}, {"volume": 0.3}]
    await asyncio.gather(*(api(client, "PUT", url, body, csrf=csrf) for body in sent))
    prefs = await (await client.get(url)).json()
    assert prefs["speed"] == 0.75 and prefs["subtitle_size"] == "small"
    assert prefs["muted"] is False and prefs["volume"] == 0.3
    await kids_profile(client, csrf)
    assert (await (await client.get(url)).json())["volume"] == 1.0


@pytest.mark.parametrize(
    "body",
    [
        {"volume": 2},
        {"volume": "loud"},
        {"muted": "yes"},
        {"speed": 3},
        {"subtitle_size": "huge"},
        {"subtitle_language": "<script>"},
        {"brightness": 1},
    ],
)
async def test_bad_preferences_get_400(client, body) -> None:
    _, csrf = await signed_in_catalog(client)
    resp = await api(client, "PUT", "/api/v1/profile/player-preferences", body, csrf=csrf)
    assert resp.status == 400, await resp.text()

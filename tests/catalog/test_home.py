"""The home page after a scan: recently added titles, capped for kids profiles."""

from __future__ import annotations

from tests.helpers import api, csrf_from, pick_profile, setup_admin
from tests.library.scan_helpers import place, write
from tests.library.test_libraries_admin import wait_jobs
from tests.media_factory import make_video


async def test_home_lists_titles_and_kids_see_only_their_ratings(
    make_app, aiohttp_client, tmp_path
) -> None:
    client = await aiohttp_client(make_app(library={"watch": False}))
    await setup_admin(client)
    clip = make_video(tmp_path / "c.mkv", seconds=0.5, width=64, height=48)
    root = tmp_path / "movies"
    for folder, mpaa in (("Heat (1995)", "R"), ("Paddington (2014)", "PG"), ("Home Video", None)):
        place(clip, root / folder / f"{folder}.mkv")
        if mpaa:
            write(root / folder / "movie.nfo", f"<movie><mpaa>{mpaa}</mpaa></movie>")
    csrf = await csrf_from(client, "/profiles")
    resp = await api(
        client,
        "POST",
        "/api/v1/libraries",
        {"name": "Movies", "kind": "movies", "paths": [str(root)]},
        csrf=csrf,
    )
    assert resp.status == 201, await resp.text()
    await wait_jobs(client)

    profiles = await (await client.get("/api/v1/profiles")).json()
    await pick_profile(client, profiles["profiles"][0]["id"])
    home = await (await client.get("/")).text()
    for name in ("Heat", "Paddington", "Home Video"):
        assert name in home
    assert 'href="/watch/' in home

    resp = await api(
        client,
        "POST",
        "/api/v1/profiles",
        {"name": "Kid", "avatar": "green", "is_kids": True, "max_rating": "PG"},
        csrf=csrf,
    )
    assert resp.status == 201, await resp.text()
    await pick_profile(client, (await resp.json())["id"])
    home = await (await client.get("/")).text()
    assert "Paddington" in home
    assert "Heat" not in home and "Home Video" not in home  # R, and unrated, are hidden

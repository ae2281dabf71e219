"""Media URLs already handed out stop working within seconds once the rights they carry are gone:
an account disabled, a profile made kids or capped lower, a file removed, a title hidden or
re-rated. Segments before the change were served; the next one is refused (403), with no
database query per segment (the in-memory rights table is refreshed every few seconds)."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient

from mediaserver.db.catalog_schema import libraries, media_files, titles
from mediaserver.keys import config_key, db_key
from mediaserver.library import scan_now
from mediaserver.library.scan import store
from mediaserver.streaming.rights import rights_key
from tests.helpers import (
    csrf_from,
    pick_profile,
    session_token,
    setup_with_user,
    sign_in,
    use_session,
)
from tests.streaming.helpers import SEGMENT, add_probed_file, play, publish_ladder

SEG = "video/360p/seg_00001.m4s"
PATIENCE = 30.0  # seconds: only a bound on a broken refresh loop, not a measurement


async def until_refused(client: TestClient, url: str) -> int:
    """GET `url` until it is no longer served; the status it ends with."""
    give_up = time.monotonic() + PATIENCE
    while True:
        resp = await client.get(url)
        await resp.read()
        if resp.status != 200 or time.monotonic() > give_up:
            return resp.status
        await asyncio.sleep(0.1)


async def add_title(client: TestClient, file_id: int, rating: str | None) -> int:
    """A movie title that owns the file, with this maturity rating."""
    now = time.time()
    async with client.server.app[db_key].write() as conn:
        library_id = await conn.scalar(
            sa.select(media_files.c.library_id).where(media_files.c.id == file_id)
        )
        title_id = (
            await conn.execute(
                titles.insert()
                .values(
                    library_id=library_id,
                    kind="movie",
                    title=f"Film {file_id}",
                    sort_title=f"film {file_id}",
                    maturity_rating=rating,
                    provider_ids={},
                    locked_fields=[],
                    source_key=f"film-{file_id}",
                    added_at=now,
                    updated_at=now,
                )
                .returning(titles.c.id)
            )
        ).scalar_one()
        await conn.execute(
            media_files.update().where(media_files.c.id == file_id).values(title_id=title_id)
        )
    return title_id


class Household:
    """An admin and a user, Alice, signed in on one client; `as_admin`/`as_alice` switch."""

    def __init__(self, client: TestClient, admin: str, alice: str, alice_id: int) -> None:
        self.client, self.admin, self.alice, self.alice_id = client, admin, alice, alice_id

    async def as_admin(self) -> str:
        use_session(self.client, self.admin)
        return await csrf_from(self.client, "/admin/users")

    async def as_alice(self) -> str:
        use_session(self.client, self.alice)
        return await csrf_from(self.client, "/profiles")

    async def alice_profile(self) -> int:
        await self.as_alice()
        return (await (await self.client.get("/api/v1/profiles")).json())["profiles"][0]["id"]


@pytest.fixture
async def home(client, place, media_dir) -> Household:
    admin, alice, alice_id = await setup_with_user(client)
    home = Household(client, admin, alice, alice_id)
    await pick_profile(client, await home.alice_profile())
    home.alice = session_token(client)
    return home


async def start(home: Household, place: Any, media_dir: Any, name: str) -> tuple[int, str]:
    """A packaged title Alice starts playing: (file id, URL of one of its segments, served)."""
    app = home.client.server.app
    file_id = await add_probed_file(app[db_key], media_dir, place("mkv", name))
    await publish_ladder(home.client, file_id)
    await home.as_alice()
    data = await play(home.client, file_id)
    segment = data["url"].removesuffix("master.m3u8") + SEG
    resp = await home.client.get(segment)
    assert resp.status == 200 and await resp.read() == SEGMENT
    return file_id, segment


async def test_disabling_an_account_stops_its_play_at_the_next_segment(home, place, media_dir):
    _file_id, segment = await start(home, place, media_dir, "a.mkv")
    csrf = await home.as_admin()
    resp = await home.client.patch(
        f"/api/v1/users/{home.alice_id}", json={"disabled": True}, headers={"X-CSRF-Token": csrf}
    )
    assert resp.status == 200, await resp.text()
    assert await until_refused(home.client, segment) == 403
    # Enabling the account again does not bring the old URL back: the player asks anew.
    resp = await home.client.patch(
        f"/api/v1/users/{home.alice_id}", json={"disabled": False}, headers={"X-CSRF-Token": csrf}
    )
    assert resp.status == 200
    assert (await home.client.get(segment)).status == 403


async def test_a_password_reset_stops_the_plays_of_the_account(home, place, media_dir):
    _file_id, segment = await start(home, place, media_dir, "a.mkv")
    csrf = await home.as_admin()
    resp = await home.client.patch(
        f"/api/v1/users/{home.alice_id}",
        json={"password": "a-brand-new-password"},
        headers={"X-CSRF-Token": csrf},
    )
    assert resp.status == 200, await resp.text()
    assert await until_refused(home.client, segment) == 403


async def test_revoking_an_api_key_stops_the_media_urls_it_asked_for(home, place, media_dir):
    """A leaked key's plays end with the key, not when their tokens expire."""
    app = home.client.server.app
    file_id = await add_probed_file(app[db_key], media_dir, place("mkv", "a.mkv"))
    await publish_ladder(home.client, file_id)
    csrf = await home.as_admin()
    body = {"name": "leaked", "user_id": home.alice_id}
    resp = await home.client.post("/api/v1/api-keys", json=body, headers={"X-CSRF-Token": csrf})
    assert resp.status == 201, await resp.text()
    created = await resp.json()
    key = {
        "Authorization": f"Bearer {created['key']}",
        "X-Profile-Id": str(await home.alice_profile()),
    }
    home.client.session.cookie_jar.clear()
    resp = await home.client.post(f"/api/v1/playback/{file_id}", json={}, headers=key)
    assert resp.status == 200, await resp.text()
    segment = (await resp.json())["url"].removesuffix("master.m3u8") + SEG
    assert (await home.client.get(segment)).status == 200
    csrf = await home.as_admin()
    resp = await home.client.delete(
        f"/api/v1/api-keys/{created['api_key']['id']}", headers={"X-CSRF-Token": csrf}
    )
    assert resp.status in (200, 204), await resp.text()
    assert await until_refused(home.client, segment) == 403


async def test_signing_a_device_out_stops_its_media_urls(home, place, media_dir):
    """A lost phone signed out from another device's devices list stops playing too."""
    _file_id, segment = await start(home, place, media_dir, "a.mkv")
    await sign_in(home.client, "alice", "alice-password-1")  # Alice, on another device
    csrf = await csrf_from(home.client, "/profiles")
    listed = (await (await home.client.get("/api/v1/sessions")).json())["sessions"]
    lost = next(s["id"] for s in listed if not s["current"])
    resp = await home.client.delete(f"/api/v1/sessions/{lost}", headers={"X-CSRF-Token": csrf})
    assert resp.status == 204, await resp.text()
    assert await until_refused(home.client, segment) == 403


async def test_a_profile_made_kids_stops_an_unrated_title(home, place, media_dir):
    file_id, segment = await start(home, place, media_dir, "a.mkv")
    profile_id = await home.alice_profile()
    csrf = await home.as_alice()
    resp = await home.client.patch(
        f"/api/v1/profiles/{profile_id}", json={"is_kids": True}, headers={"X-CSRF-Token": csrf}
    )
    assert resp.status == 200, await resp.text()
    assert await until_refused(home.client, segment) == 403
    # Asking again is answered as for any title a kids profile may not see.
    await play(home.client, file_id, expect=404)


async def test_lowering_a_profiles_cap_stops_a_title_above_it(home, place, media_dir):
    file_id, segment = await start(home, place, media_dir, "a.mkv")
    await add_title(home.client, file_id, "R")
    profile_id = await home.alice_profile()
    csrf = await home.as_alice()
    patch = {"max_rating": "R"}
    resp = await home.client.patch(
        f"/api/v1/profiles/{profile_id}", json=patch, headers={"X-CSRF-Token": csrf}
    )
    assert resp.status == 200, await resp.text()
    data = await play(home.client, file_id)  # still within the cap: plays
    segment = data["url"].removesuffix("master.m3u8") + SEG
    # A change that takes no right away (the profile's name) leaves the URL working.
    resp = await home.client.patch(
        f"/api/v1/profiles/{profile_id}", json={"name": "Alice B"}, headers={"X-CSRF-Token": csrf}
    )
    assert resp.status == 200
    await home.client.server.app[rights_key].refresh(home.client.server.app[db_key])
    assert (await home.client.get(segment)).status == 200
    resp = await home.client.patch(
        f"/api/v1/profiles/{profile_id}", json={"max_rating": "PG"}, headers={"X-CSRF-Token": csrf}
    )
    assert resp.status == 200
    assert await until_refused(home.client, segment) == 403


async def test_raising_a_titles_rating_stops_a_capped_profile(home, place, media_dir):
    file_id, _segment = await start(home, place, media_dir, "a.mkv")
    title_id = await add_title(home.client, file_id, "PG")
    profile_id = await home.alice_profile()
    csrf = await home.as_alice()
    resp = await home.client.patch(
        f"/api/v1/profiles/{profile_id}", json={"max_rating": "PG"}, headers={"X-CSRF-Token": csrf}
    )
    assert resp.status == 200
    data = await play(home.client, file_id)
    segment = data["url"].removesuffix("master.m3u8") + SEG
    assert (await home.client.get(segment)).status == 200
    csrf = await home.as_admin()
    resp = await home.client.patch(
        f"/api/v1/titles/{title_id}", json={"maturity_rating": "R"}, headers={"X-CSRF-Token": csrf}
    )
    assert resp.status == 200, await resp.text()
    assert await until_refused(home.client, segment) == 403


async def test_a_rescan_that_raises_a_rating_stops_a_capped_profile(home, place, tmp_path):
    """The film's NFO now says R: the next scan refuses the URLs of a profile capped at PG."""
    app = home.client.server.app
    folder = tmp_path / "films" / "Film (2020)"
    folder.mkdir(parents=True)
    shutil.copyfile(place("mkv", "x.mkv"), folder / "Film (2020).mkv")
    nfo = folder / "movie.nfo"
    nfo.write_text("<movie><title>Film</title><mpaa>PG</mpaa></movie>")
    now = time.time()
    async with app[db_key].write() as conn:
        await conn.execute(
            libraries.insert().values(
                name="Films", kind="movies", paths=[str(tmp_path / "films")],
                policy="on_the_fly", created_at=now, updated_at=now,
            )
        )  # fmt: skip
    await scan_now(app[db_key], app[config_key], "Films")
    async with app[db_key].read() as conn:
        file_id = await conn.scalar(sa.select(media_files.c.id))
    await publish_ladder(home.client, file_id)
    profile_id = await home.alice_profile()
    csrf = await home.as_alice()
    resp = await home.client.patch(
        f"/api/v1/profiles/{profile_id}", json={"max_rating": "PG"}, headers={"X-CSRF-Token": csrf}
    )
    assert resp.status == 200
    data = await play(home.client, file_id)
    segment = data["url"].removesuffix("master.m3u8") + SEG
    assert (await home.client.get(segment)).status == 200
    nfo.write_text("<movie><title>Film</title><mpaa>Rated R</mpaa></movie>")
    later = time.time() + 5
    os.utime(nfo, (later, later))
    await scan_now(app[db_key], app[config_key], "Films")
    assert await until_refused(home.client, segment) == 403


async def test_a_removed_file_stops_playing(home, place, media_dir):
    file_id, segment = await start(home, place, media_dir, "a.mkv")
    async with home.client.server.app[db_key].write() as conn:
        await store.mark_missing(conn, [file_id], time.time())  # what a scan does
    assert await until_refused(home.client, segment) == 403


async def test_a_hidden_title_stops_its_other_files(home, place, media_dir):
    """The title's main file is gone, so the scan hides it: its extra stops playing too."""
    main_id, _segment = await start(home, place, media_dir, "main.mkv")
    extra_id, segment = await start(home, place, media_dir, "extra.mkv")
    title_id = await add_title(home.client, main_id, None)
    db = home.client.server.app[db_key]
    async with db.write() as conn:
        await conn.execute(
            media_files.update()
            .where(media_files.c.id == extra_id)
            .values(title_id=title_id, extra_kind="trailer")
        )
    library_id = await _library_of(home.client, main_id)
    async with db.write() as conn:
        now = time.time()
        await store.mark_missing(conn, [main_id], now)
        await store.refresh_visibility(conn, library_id, now)
    assert await until_refused(home.client, segment) == 403


async def test_a_deleted_library_stops_its_files(home, place, media_dir):
    file_id, segment = await start(home, place, media_dir, "a.mkv")
    library_id = await _library_of(home.client, file_id)
    csrf = await home.as_admin()
    resp = await home.client.delete(
        f"/api/v1/libraries/{library_id}", headers={"X-CSRF-Token": csrf}
    )
    assert resp.status == 204, await resp.text()
    assert await until_refused(home.client, segment) == 403


async def test_another_instance_and_a_restart_see_the_change(
    home, place, media_dir, make_app, aiohttp_client
):
    """Two servers share the database: a change made through one stops URLs on the other, and
    a server started afterwards knows it from the first request on."""
    _file_id, segment = await start(home, place, media_dir, "a.mkv")
    other = await aiohttp_client(make_app())
    assert (await other.get(segment)).status == 200
    csrf = await home.as_admin()
    resp = await home.client.patch(
        f"/api/v1/users/{home.alice_id}", json={"disabled": True}, headers={"X-CSRF-Token": csrf}
    )
    assert resp.status == 200
    assert await until_refused(other, segment) == 403
    later = await aiohttp_client(make_app())
    assert (await later.get(segment)).status == 403


async def _library_of(client: TestClient, file_id: int) -> int:
    async with client.server.app[db_key].read() as conn:
        return await conn.scalar(
            sa.select(media_files.c.library_id).where(media_files.c.id == file_id)
        )

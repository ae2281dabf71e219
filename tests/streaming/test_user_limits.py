"""Per-user limits an admin sets on the user's page: libraries, highest quality, devices streaming
at once, downloads. Each is enforced on the server -- pages, API, media URLs -- so a URL built
by hand gets no further than the pages lead."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient

from mediaserver.accounts import EffectiveLimits, add_limit_source
from mediaserver.db.catalog_schema import images, libraries, media_files
from mediaserver.db.search import index_title
from mediaserver.keys import db_key, storage_key
from tests.helpers import (
    csrf_from,
    pick_profile,
    session_token,
    setup_with_user,
    sign_in,
    use_session,
)
from tests.streaming.helpers import add_probed_file, play, publish_ladder
from tests.streaming.test_rights_revocation import SEG, Household, add_title, until_refused

TOKEN = re.compile(r"/media/t/([^/]+)/")


class Shelf:
    """Two libraries, "Films A" and "Films B", each with one packaged, postered movie."""

    def __init__(self, a_lib: int, b_lib: int, a: tuple[int, int], b: tuple[int, int]) -> None:
        self.a_lib, self.b_lib = a_lib, b_lib
        (self.a_title, self.a_file), (self.b_title, self.b_file) = a, b


async def _movie_in(client: TestClient, place: Any, folder: Path, library: str) -> tuple[int, int]:
    """A packaged movie with a poster in the named library (made if new): (title, file)."""
    app = client.server.app
    db = app[db_key]
    folder.mkdir(exist_ok=True)
    file_id = await add_probed_file(db, folder, place("mkv", f"{folder.name}/{library}.mkv"))
    now = time.time()
    async with db.write() as conn:
        lib = await conn.scalar(sa.select(libraries.c.id).where(libraries.c.name == library))
        if lib is None:
            lib = await conn.scalar(
                libraries.insert()
                .values(
                    name=library, kind="movies", paths=[str(folder)], created_at=now, updated_at=now
                )
                .returning(libraries.c.id)
            )
        await conn.execute(
            media_files.update().where(media_files.c.id == file_id).values(library_id=lib)
        )
    title_id = await add_title(client, file_id, None)
    async with db.write() as conn:
        await index_title(conn, title_id, f"Film {file_id}", "", [])
    await app[storage_key].put_bytes(f"images/poster-{title_id}.png", b"\x89PNG poster")
    async with db.write() as conn:
        await conn.execute(
            images.insert().values(
                title_id=title_id,
                kind="poster",
                source="upload",
                location=f"images/poster-{title_id}.png",
                is_selected=True,
                created_at=now,
            )
        )
    await publish_ladder(client, file_id)
    return title_id, file_id


async def household(client: TestClient) -> Household:
    """An admin and Alice (a user), Alice signed in with her profile chosen."""
    admin, alice, alice_id = await setup_with_user(client)
    home = Household(client, admin, alice, alice_id)
    await pick_profile(client, await home.alice_profile())
    home.alice = session_token(client)
    return home


@pytest.fixture
async def home(client) -> Household:
    return await household(client)


@pytest.fixture
async def shelf(home: Household, place, media_dir) -> Shelf:
    a = await _movie_in(home.client, place, media_dir / "a", "Films A")
    b = await _movie_in(home.client, place, media_dir / "b", "Films B")
    async with home.client.server.app[db_key].read() as conn:
        found = dict((await conn.execute(sa.select(libraries.c.name, libraries.c.id))).all())
    return Shelf(found["Films A"], found["Films B"], a, b)


async def set_limits(home: Household, expect: int = 303, **fields: str) -> str:
    """Submit the limits form on Alice's admin page as the admin; the page's text."""
    csrf = await home.as_admin()
    data = {"csrf_token": csrf, "action": "limits", "libraries": "all", "max_height": "0"}
    resp = await home.client.post(
        f"/admin/users/{home.alice_id}", data=data | fields, allow_redirects=False
    )
    assert resp.status == expect, await resp.text()
    text = await resp.text()
    await home.as_alice()
    return text


async def only_library_a(home: Household, shelf: Shelf) -> None:
    await set_limits(home, libraries="some", **{f"library_{shelf.a_lib}": "1"}, may_download="1")


async def status(client: TestClient, path: str, **kw: Any) -> int:
    resp = await client.get(path, **kw)
    await resp.read()
    return resp.status


def ids_in(body: Any) -> set[int]:
    """Every title id named by "id" or "href" anywhere in an API answer."""
    found: set[int] = set()
    if isinstance(body, dict):
        if isinstance(body.get("href"), str) and body["href"].startswith("/titles/"):
            found.add(int(body["href"].split("/")[2]))
        for value in body.values():
            found |= ids_in(value)
    elif isinstance(body, list):
        for value in body:
            found |= ids_in(value)
    return found


async def test_a_user_limited_to_one_library_finds_the_other_nowhere(home, shelf):
    c = home.client
    await home.as_alice()
    # Before the limit, Alice sees both: the checks below can fail.
    assert await status(c, f"/titles/{shelf.b_title}") == 200
    assert ids_in(await (await c.get("/api/v1/search?q=film")).json()) == {
        shelf.a_title,
        shelf.b_title,
    }

    await only_library_a(home, shelf)
    b, a = shelf.b_title, shelf.a_title
    for path in (
        f"/titles/{b}",
        f"/watch/{shelf.b_file}",
        f"/images/titles/{b}/poster",
        f"/api/v1/catalog/titles/{b}",
        f"/api/v1/media/{shelf.b_file}/ladder",
    ):
        assert await status(c, path) == 404, path
    for path in (f"/titles/{a}", f"/watch/{shelf.a_file}", f"/images/titles/{a}/poster"):
        assert await status(c, path) == 200, path
    assert await status(c, f"/api/v1/catalog/titles/{a}") == 200
    await play(c, shelf.b_file, expect=404)
    await play(c, shelf.a_file)

    search = await (await c.get("/api/v1/search")).json()
    assert ids_in(search) == {a}
    home_json = await (await c.get("/api/v1/home")).json()
    assert b not in ids_in(home_json) and a in ids_in(home_json)
    page = await (await c.get("/")).text()
    assert f"/titles/{a}" in page and f"/titles/{b}" not in page
    assert ids_in(await (await c.get("/api/v1/search?q=film")).json()) == {a}
    search_page = await (await c.get("/search?q=film")).text()
    assert f"/titles/{a}" in search_page and f"/titles/{b}" not in search_page


async def test_an_api_key_of_a_limited_user_must_browse_as_a_profile(home, shelf):
    c = home.client
    await only_library_a(home, shelf)
    csrf = await home.as_admin()
    body = {"name": "app", "user_id": home.alice_id}
    resp = await c.post("/api/v1/api-keys", json=body, headers={"X-CSRF-Token": csrf})
    key = {"Authorization": f"Bearer {(await resp.json())['key']}"}
    profile = str(await home.alice_profile())
    c.session.cookie_jar.clear()
    # Account-wide browsing would see every library: a limited account must name a profile.
    resp = await c.get("/api/v1/search", headers=key)
    assert resp.status == 400 and "X-Profile-Id" in (await resp.json())["detail"]
    assert await status(c, f"/api/v1/catalog/titles/{shelf.b_title}", headers=key) == 400
    named = key | {"X-Profile-Id": profile}
    assert ids_in(await (await c.get("/api/v1/search", headers=named)).json()) == {shelf.a_title}
    assert await status(c, f"/api/v1/catalog/titles/{shelf.b_title}", headers=named) == 404


async def test_the_highest_quality_caps_rungs_and_refuses_urls_built_above_it(home, shelf):
    c = home.client
    await set_limits(home, max_height="360")
    data = await play(c, shelf.a_file)
    assert [r["name"] for r in data["rungs"] if r["name"] != "auto"] == ["360p"]
    base = data["url"].removesuffix("master.m3u8")
    master = await (await c.get(data["url"])).text()
    assert "360p" in master and "720p" not in master
    assert await status(c, base + SEG) == 200
    assert await status(c, base + "video/720p/seg_00001.m4s") == 403
    # Asking for more than the account's cap gets no more.
    again = await play(c, shelf.a_file, {"max_height": 1080})
    assert "720p" not in await (await c.get(again["url"])).text()


async def test_the_original_is_refused_to_a_token_capped_below_it(home, shelf):
    """The clips are 120 lines high: under a 100-line cap the original's URL, built by hand from
    the play's token, is refused."""
    c = home.client
    token = TOKEN.search((await play(c, shelf.a_file))["url"])[1]
    direct = f"/media/t/{token}/file/{shelf.a_file}.mkv"
    assert await status(c, direct) == 200  # no cap yet: the URL shape is right
    await set_limits(home, max_height="100")
    capped = TOKEN.search((await play(c, shelf.a_file))["url"])[1]
    assert await status(c, f"/media/t/{capped}/file/{shelf.a_file}.mkv") == 403


async def test_one_stream_more_than_allowed_is_refused_with_the_devices_watching(home, shelf):
    c = home.client
    await set_limits(home, max_streams="1")
    first = await play(c, shelf.a_file)  # Alice's laptop
    await play(c, shelf.a_file)  # starting again on the same device takes the same slot
    laptop = session_token(c)
    profile = await home.alice_profile()

    await sign_in(c, "alice", "alice-password-1")  # her phone
    await pick_profile(c, profile)
    refused = await play(c, shelf.b_file, expect=403)
    assert "1 device at once" in refused["detail"]
    assert [s["title"] for s in refused["streams"]] == [f"Film {shelf.a_file}"]
    assert refused["manage"].startswith("/my-streams")
    page = await (await c.get(refused["manage"])).text()
    assert f"Film {shelf.a_file}" in page and "Stop" in page

    csrf = await csrf_from(c, "/profiles")
    stop = refused["streams"][0]["stop"]
    resp = await c.post(stop, headers={"X-CSRF-Token": csrf})
    assert resp.status == 200, await resp.text()
    await play(c, shelf.b_file)  # the slot is free
    # The laptop's play was stopped: its media URLs are refused.
    use_session(c, laptop)
    assert await status(c, first["url"]) == 403


async def test_a_user_cannot_stop_another_accounts_stream(home, shelf):
    c = home.client
    csrf = await home.as_admin()
    await pick_profile(c, (await (await c.get("/api/v1/profiles")).json())["profiles"][0]["id"])
    admin_play = await play(c, shelf.a_file)
    await home.as_alice()
    csrf = await csrf_from(c, "/profiles")
    mine = await (await c.get("/api/v1/my-streams")).json()
    assert mine["streams"] == []
    resp = await c.post(
        f"/api/v1/my-streams/{admin_play['play_id']}/stop", headers={"X-CSRF-Token": csrf}
    )
    assert resp.status == 404


async def test_changing_the_limits_stops_the_media_urls_handed_out(home, shelf):
    c = home.client
    data = await play(c, shelf.a_file)
    segment = data["url"].removesuffix("master.m3u8") + SEG
    assert await status(c, segment) == 200
    await set_limits(home, max_streams="3")
    assert await until_refused(c, segment) == 403


async def test_downloads_follow_the_flag(home, shelf, media_dir):
    c = home.client
    await only_library_a(home, shelf)  # may_download ticked
    resp = await c.get(f"/download/{shelf.a_file}")
    assert resp.status == 200
    assert resp.headers["Content-Disposition"].startswith('attachment; filename="Films A.mkv"')
    assert await resp.read() == (media_dir / "a" / "Films A.mkv").read_bytes()
    assert (
        f'href="/download/{shelf.a_file}"' in await (await c.get(f"/titles/{shelf.a_title}")).text()
    )
    assert await status(c, f"/download/{shelf.b_file}") == 404  # another library: not found

    await set_limits(home, libraries="some", **{f"library_{shelf.a_lib}": "1"})  # unticked
    resp = await c.get(f"/download/{shelf.a_file}", headers={"Accept": "application/json"})
    assert resp.status == 403
    assert "Downloads are turned off" in (await resp.json())["detail"]
    assert "/download/" not in await (await c.get(f"/titles/{shelf.a_title}")).text()


async def test_the_admin_page_shows_and_checks_the_limits(home, shelf):
    c = home.client
    await only_library_a(home, shelf)
    await home.as_admin()
    page = await (await c.get(f"/admin/users/{home.alice_id}")).text()
    assert re.search(rf'name="library_{shelf.a_lib}" value="1"\s+checked', page)
    assert not re.search(rf'name="library_{shelf.b_lib}" value="1"\s+checked', page)
    assert "Films B" in page
    text = await set_limits(home, expect=400, max_streams="lots")
    assert "Streams at once must be a whole number" in text
    text = await set_limits(home, expect=400, libraries="some")
    assert "Tick at least one library" in text
    # Nothing was saved by the refused forms: Alice is still limited to Films A.
    assert await status(c, f"/titles/{shelf.b_title}") == 404


async def test_a_limit_source_narrows_the_admins_limits(make_app, aiohttp_client, place, media_dir):
    """A further source (a plan's entitlements) makes each limit the strictest of both."""

    async def plan(_db: Any, _user_id: int) -> EffectiveLimits:
        return EffectiveLimits(max_height=360)

    app = make_app()
    add_limit_source(app, plan)
    client = await aiohttp_client(app)
    await household(client)
    _title, file_id = await _movie_in(client, place, media_dir / "a", "Films A")
    data = await play(client, file_id)
    assert [r["name"] for r in data["rungs"] if r["name"] != "auto"] == ["360p"]


def test_effective_limits_take_the_strictest_of_each():
    admin = EffectiveLimits(library_ids=frozenset({1, 2}), max_height=1080, max_streams=0)
    plan = EffectiveLimits(
        library_ids=frozenset({2, 3}), max_height=0, max_streams=2, may_download=False
    )
    both = admin.narrowed(plan)
    assert both == EffectiveLimits(frozenset({2}), 1080, 2, False)
    assert EffectiveLimits().narrowed(admin) == admin


async def test_the_limits_api_sets_and_reads_them_and_the_audit_log_keeps_each_change(home, shelf):
    c = home.client
    csrf = await home.as_admin()
    url = f"/api/v1/users/{home.alice_id}/limits"
    assert (await (await c.get(url)).json())["library_ids"] is None  # no limits yet
    body = {
        "library_ids": [shelf.a_lib],
        "max_height": 720,
        "max_streams": 2,
        "may_download": False,
    }
    resp = await c.put(url, json=body, headers={"X-CSRF-Token": csrf})
    assert resp.status == 200, await resp.text()
    assert await resp.json() == {"user_id": home.alice_id} | body
    assert await (await c.get(url)).json() == {"user_id": home.alice_id} | body
    wrongs = (
        ({"library_ids": []}, "library_ids"),
        ({"library_ids": [shelf.b_lib, 4242]}, "library_ids"),
        ({"max_height": -1}, "max_height"),
    )
    for wrong, field in wrongs:
        resp = await c.put(url, json=wrong, headers={"X-CSRF-Token": csrf})
        assert resp.status == 400 and (await resp.json())["field"] == field
    assert (
        await c.put("/api/v1/users/999/limits", json={}, headers={"X-CSRF-Token": csrf})
    ).status == 404
    await home.as_alice()
    assert await status(c, f"/titles/{shelf.b_title}") == 404
    assert await status(c, url) in (403, 404)  # the API is the admin's

    await set_limits(home, max_streams="1")  # the page's form is recorded too
    await home.as_admin()
    log = (await (await c.get("/api/v1/admin/audit?action=user.limits")).json())["entries"]
    assert len(log) == 2
    assert log[0]["detail"]["old"]["max_streams"] == 2
    assert log[0]["detail"]["new"] == {
        "library_ids": None,
        "max_height": 0,
        "max_streams": 1,
        "may_download": False,
    }

"""Admins see who watches what, how and why, and can stop a stream; nobody else can."""

from __future__ import annotations

from mediaserver.keys import db_key
from mediaserver.streaming.keys import active_streams_key
from tests.helpers import csrf_from, setup_with_user, use_session
from tests.streaming.helpers import SEGMENT, add_probed_file, play, publish_ladder

HOSTILE_UA = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 <script>alert("ua")</script>'


async def test_admin_sees_a_play_and_stop_refuses_its_next_segment(sclient, place, media_dir):
    app = sclient.server.app
    file_id = await add_probed_file(app[db_key], media_dir, place("mkv", "Heat.mkv"))
    await publish_ladder(sclient, file_id)
    stopped: list[str] = []
    app[active_streams_key].on_stop(stopped.append)
    csrf = await csrf_from(sclient, "/profiles")
    resp = await sclient.post(
        f"/api/v1/playback/{file_id}",
        json={},
        headers={"X-CSRF-Token": csrf, "User-Agent": HOSTILE_UA},
    )
    data = await resp.json()
    segment = data["url"].removesuffix("master.m3u8") + "video/360p/seg_00001.m4s"
    assert (await sclient.get(segment)).status == 200

    page = await (await sclient.get("/admin/streams")).text()
    assert "Heat.mkv" in page and "admin" in page and "ladder" in page
    assert "Chrome on Linux" in page and "360p" in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert 'href="/admin/streams"' in page  # in the admin nav

    listing = await (await sclient.get("/api/v1/admin/streams")).json()
    (entry,) = listing["streams"]
    assert entry["play_id"] == data["play_id"] and entry["method"] == "ladder"
    assert entry["reason"] == data["reason"] and entry["bytes_sent"] >= len(SEGMENT)

    # The Stop button (HTMX): the rows come back without the play; its next request is 403.
    resp = await sclient.post(
        f"/admin/streams/{data['play_id']}/stop",
        headers={"X-CSRF-Token": csrf, "HX-Request": "true"},
    )
    assert resp.status == 200 and "Nobody is watching" in await resp.text()
    assert stopped == [data["play_id"]]
    resp = await sclient.get(segment)
    assert resp.status == 403 and "stopped" in await resp.text()
    assert (await sclient.get(data["url"])).status == 403
    # A new play of the same title works.
    fresh = await play(sclient, file_id)
    assert (await sclient.get(fresh["url"])).status == 200
    # Stopping again, or a made-up id: 404.
    for play_id in (data["play_id"], "0123456789abcdef", "../../etc"):
        resp = await sclient.post(
            f"/api/v1/admin/streams/{play_id}/stop", headers={"X-CSRF-Token": csrf}
        )
        assert resp.status == 404, play_id


async def test_form_stop_without_htmx_redirects(sclient, place, media_dir):
    file_id = await add_probed_file(sclient.server.app[db_key], media_dir, place("mp4", "A.mp4"))
    data = await play(sclient, file_id)
    csrf = await csrf_from(sclient, "/admin/streams")
    resp = await sclient.post(
        f"/admin/streams/{data['play_id']}/stop",
        data={"csrf_token": csrf},
        allow_redirects=False,
    )
    assert resp.status == 303 and resp.headers["Location"] == "/admin/streams?done=stopped"
    assert (await sclient.get(data["url"])).status == 403


async def test_non_admins_cannot_see_or_stop_streams(client):
    _admin, _user, _uid = await setup_with_user(client)
    for path in ("/admin/streams", "/api/v1/admin/streams"):
        assert (await client.get(path, allow_redirects=False)).status == 403, path
    csrf = await csrf_from(client, "/profiles")
    resp = await client.post(
        "/api/v1/admin/streams/0123456789abcdef/stop", headers={"X-CSRF-Token": csrf}
    )
    assert resp.status == 403
    use_session(client, "nobody")
    resp = await client.get("/api/v1/admin/streams")
    assert resp.status == 401

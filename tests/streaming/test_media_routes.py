"""Token media URLs: who gets in (401/403), the height cap, Range, ETag, gzip and CORS."""

from __future__ import annotations

import gzip
import time

import m3u8
import pytest

from mediaserver.keys import db_key
from mediaserver.streaming.keys import active_streams_key
from tests.streaming.helpers import (
    LADDER_FILES,
    SEGMENT,
    add_probed_file,
    media_token,
    play,
    publish_ladder,
)


@pytest.fixture
async def ladder(sclient, place, media_dir):
    """A published two-rung ladder and the playback answer for it."""
    file_id = await add_probed_file(sclient.server.app[db_key], media_dir, place("mkv", "L.mkv"))
    await publish_ladder(sclient, file_id)
    data = await play(sclient, file_id)
    data["base"] = data["url"].removesuffix("master.m3u8")
    data["token"] = data["base"].split("/")[3]
    return data


def _token(client, file_id: int, **changes) -> str:
    return media_token(client.server.app, file_id, **changes)


async def test_the_token_is_the_credential(sclient, ladder):
    seg = "video/360p/seg_00001.m4s"
    other_id = ladder["media_file_id"] + 1000
    expired = _token(sclient, ladder["media_file_id"], now=time.time() - 3600)
    cases = {
        # No token, a garbled one, a forged signature, an expired one: 401.
        "/media/t//ladder/" + seg: {401, 404},
        "/media/t/not-a-token/ladder/" + seg: {401},
        f"/media/t/{ladder['token'][:-3]}AAA/ladder/{seg}": {401},
        f"/media/t/{expired}/ladder/{seg}": {401},
        # A valid token of another file, asking for this one's original: 403.
        f"/media/t/{_token(sclient, other_id)}/file/{ladder['media_file_id']}.mkv": {403},
    }
    for url, statuses in cases.items():
        resp = await sclient.get(url)
        assert resp.status in statuses, (url, resp.status)
        assert await resp.read() != SEGMENT
    # The session cookie alone opens nothing: the old cookie route is gone.
    resp = await sclient.get(f"/media/ladders/{ladder['media_file_id']}/{seg}")
    assert resp.status == 404
    # No cookie, the token alone: served (what a Chromecast does).
    sclient.session.cookie_jar.clear()
    resp = await sclient.get(ladder["base"] + seg)
    assert resp.status == 200 and await resp.read() == SEGMENT


async def test_media_urls_take_no_query_parameters(sclient, ladder):
    """Nothing but the parsed path chooses what is served: any query key is a clear 400."""
    seg = "video/360p/seg_00001.m4s"
    for query in ("codec=h264", "container=../../x", "vcodec=copy&bitrate=9999999", "_=1"):
        resp = await sclient.get(f"{ladder['base']}{seg}?{query}")
        assert resp.status == 400, query
        assert "query parameters" in await resp.text()


async def test_a_capped_token_hides_and_refuses_higher_rungs(sclient, ladder):
    data = await play(sclient, ladder["media_file_id"], {"max_height": 480})
    base = data["url"].removesuffix("master.m3u8")
    master = m3u8.loads(await (await sclient.get(data["url"])).text())
    assert [p.uri for p in master.playlists] == ["video/360p/index.m3u8"]
    assert [p.uri for p in master.iframe_playlists] == ["video/360p/iframes.m3u8"]
    for path in ("video/720p/seg_00001.m4s", "video/720p/index.m3u8", "video/720p/init.mp4"):
        assert (await sclient.get(base + path)).status == 403, path
    assert (await sclient.get(base + "video/360p/seg_00001.m4s")).status == 200
    mpd = await (await sclient.get(base + "manifest.mpd")).text()
    assert 'height="360"' in mpd and 'height="720"' not in mpd
    # Uncapped, both rungs are there.
    master = m3u8.loads(await (await sclient.get(ladder["url"])).text())
    assert len(master.playlists) == 2


@pytest.mark.parametrize(
    ("header", "status", "body"),
    [
        ("bytes=100-199", 206, SEGMENT[100:200]),
        ("bytes=-16", 206, SEGMENT[-16:]),
        ("bytes=10000-", 206, SEGMENT[10000:]),
        ("bytes=10000-99999999", 206, SEGMENT[10000:]),
        (f"bytes={len(SEGMENT)}-", 416, b""),
        ("bytes=0-1,5-6", 416, b""),  # several ranges: refused (see serving.py)
        ("bytes=9-3", 416, b""),
        ("pages=1-2", 416, b""),
        ("bytes=" + "9" * 40 + "-", 416, b""),
    ],
)
async def test_range_requests(sclient, ladder, header, status, body):
    resp = await sclient.get(ladder["base"] + "video/360p/seg_00001.m4s", headers={"Range": header})
    assert resp.status == status, header
    if status == 206:
        assert await resp.read() == body
        start = len(SEGMENT) - len(body)
        assert resp.headers["Content-Range"].endswith(f"/{len(SEGMENT)}")
        assert resp.headers["Content-Range"].startswith(
            f"bytes {start if header != 'bytes=100-199' else 100}-"
        )
    else:
        assert resp.headers["Content-Range"] == f"bytes */{len(SEGMENT)}"


async def test_etag_304_and_cache_policy(sclient, ladder):
    seg = ladder["base"] + "video/360p/seg_00001.m4s"
    resp = await sclient.get(seg)
    assert resp.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    etag = resp.headers["ETag"]
    assert (await sclient.get(seg, headers={"If-None-Match": etag})).status == 304
    assert (await sclient.get(seg, headers={"If-None-Match": '"other"'})).status == 200
    resp = await sclient.get(ladder["url"])
    assert "max-age=10" in resp.headers["Cache-Control"]
    etag = resp.headers["ETag"]
    resp = await sclient.get(ladder["url"], headers={"If-None-Match": etag})
    assert resp.status == 304 and await resp.read() == b""


async def test_playlists_are_gzipped_for_clients_that_accept_it(sclient, ladder):
    url = ladder["base"] + "video/360p/index.m3u8"
    resp = await sclient.get(url, headers={"Accept-Encoding": "gzip"}, auto_decompress=False)
    assert resp.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(await resp.read()) == LADDER_FILES["video/360p/index.m3u8"]
    resp = await sclient.get(url, headers={"Accept-Encoding": "identity"}, auto_decompress=False)
    assert "Content-Encoding" not in resp.headers
    assert await resp.read() == LADDER_FILES["video/360p/index.m3u8"]
    # Segments are never compressed (they are already).
    resp = await sclient.get(
        ladder["base"] + "video/360p/seg_00001.m4s", headers={"Accept-Encoding": "gzip"}
    )
    assert "Content-Encoding" not in resp.headers


async def test_cors_on_media_only(sclient, ladder):
    resp = await sclient.get(ladder["base"] + "video/360p/seg_00001.m4s")
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert "Content-Range" in resp.headers["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in resp.headers
    # Errors of media URLs carry it too, so a receiver can read them.
    assert "Access-Control-Allow-Origin" in (await sclient.get("/media/t/x/ladder/a")).headers
    resp = await sclient.options(
        ladder["base"] + "video/360p/seg_00001.m4s",
        headers={
            "Origin": "https://cast.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "range",
        },
    )
    assert resp.status == 204
    assert "Range" in resp.headers["Access-Control-Allow-Headers"]
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    for path in (f"/api/v1/media/{ladder['media_file_id']}/ladder", "/", "/profiles"):
        resp = await sclient.get(path, headers={"Origin": "https://evil.example"})
        assert "Access-Control-Allow-Origin" not in resp.headers, path
    resp = await sclient.options("/api/v1/playback/1", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in resp.headers


async def test_head_and_bandwidth_accounting(sclient, ladder):
    resp = await sclient.head(ladder["base"] + "video/360p/seg_00001.m4s")
    assert resp.status == 200 and int(resp.headers["Content-Length"]) == len(SEGMENT)
    await sclient.get(ladder["base"] + "video/360p/seg_00001.m4s")
    listed = sclient.server.app[active_streams_key].listing()
    entry = next(e for e in listed if e.play_id == ladder["play_id"])
    assert entry.rung == "360p" and entry.bytes_total >= len(SEGMENT)
    assert entry.bandwidth_bps() > 0

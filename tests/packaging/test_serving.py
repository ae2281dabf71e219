"""Serving a published ladder through signed media URLs (/media/t/<token>/ladder/...): strict
names, no way out of the ladder, Range, ETag, on local (sendfile) and streamed storage."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from mediaserver.db.catalog_schema import media_files, titles
from mediaserver.keys import db_key, storage_key
from mediaserver.storage.local import LocalStorage
from tests.helpers import api, csrf_from, pick_profile
from tests.packaging.helpers import (
    add_media_file,
    mark_published,
    raw_get,
    sign_in_with_profile,
)

SECRET = b"TOP-SECRET-OUTSIDE-THE-LADDER"
SEGMENT = bytes(range(256)) * 40  # 10240 bytes
MASTER = b"#EXTM3U\n#EXT-X-VERSION:7\n"

FILES = {
    "master.m3u8": MASTER,
    "manifest.mpd": b"<MPD/>",
    "video/360p/init.mp4": b"init",
    "video/360p/seg_00001.m4s": SEGMENT,
    "video/360p/index.m3u8": b"#EXTM3U\n",
    "video/360p/iframes.m3u8": b"#EXTM3U\n",
    "audio/0_en_2ch/seg_00001.m4s": b"aac",
    "subs/eng/subs.vtt": b"WEBVTT\n",
    "subs/eng/index.m3u8": b"#EXTM3U\n",
    "posters/poster_1_320.webp": b"RIFF",
    "posters/poster_1_320.jpg": b"\xff\xd8",
    "trickplay/thumbnails.vtt": b"WEBVTT\n",
    "trickplay/sprite_001.jpg": b"\xff\xd8",
}
TYPES = {
    "master.m3u8": "application/vnd.apple.mpegurl",
    "manifest.mpd": "application/dash+xml",
    "video/360p/init.mp4": "video/mp4",
    "video/360p/seg_00001.m4s": "video/mp4",
    "audio/0_en_2ch/seg_00001.m4s": "audio/mp4",
    "subs/eng/subs.vtt": "text/vtt",
    "posters/poster_1_320.webp": "image/webp",
    "posters/poster_1_320.jpg": "image/jpeg",
    "trickplay/thumbnails.vtt": "text/vtt",
}


@pytest.fixture(params=["sendfile", "stream"])
async def served(request, make_app, aiohttp_client, monkeypatch, tmp_path):
    """A signed-in client and a published ladder for media file `id`; "stream" makes storage
    hide its local paths, as S3 will, so the open_range path answers."""
    if request.param == "stream":

        async def no_local_path(self, key):
            return None

        monkeypatch.setattr(LocalStorage, "local_path", no_local_path)
    app = make_app()
    client = await aiohttp_client(app)
    session = await sign_in_with_profile(client)
    db, storage = app[db_key], app[storage_key]
    media_file_id = await add_media_file(db, str(tmp_path / "media"))
    for rel, data in FILES.items():
        await storage.put_bytes(f"ladders/{media_file_id}/v1/{rel}", data)
    await mark_published(db, media_file_id)
    # Things a traversal would be after: next to the ladder, in the storage root, in data_dir.
    await storage.put_bytes("secret.txt", SECRET)
    await storage.put_bytes(f"ladders/{media_file_id}/v1/secret.txt", SECRET)
    await storage.put_bytes(f"ladders/{media_file_id}/v1/video/360p/secret.m4s", SECRET)
    await storage.put_bytes(f"staging/1/{media_file_id}/master.m3u8", SECRET)
    (tmp_path / "data" / "secret.txt").write_bytes(SECRET)
    client.media_file_id = media_file_id  # type: ignore[attr-defined]
    client.cookie = f"ms_session={session}"  # type: ignore[attr-defined]
    csrf = await csrf_from(client, "/profiles")
    resp = await client.post(
        f"/api/v1/playback/{media_file_id}", json={}, headers={"X-CSRF-Token": csrf}
    )
    assert resp.status == 200, await resp.text()
    client.base = (await resp.json())["url"].removesuffix("/master.m3u8")  # type: ignore[attr-defined]
    return client


async def test_every_published_name_is_served_with_its_type(served):
    base = served.base
    for rel, data in FILES.items():
        resp = await served.get(f"{base}/{rel}")
        assert resp.status == 200, rel
        assert await resp.read() == data, rel
        if rel in TYPES:
            assert resp.headers["Content-Type"].split(";")[0] == TYPES[rel], rel
    resp = await served.get(f"{base}/master.m3u8")
    assert "max-age=10" in resp.headers["Cache-Control"]
    resp = await served.get(f"{base}/video/360p/seg_00001.m4s")
    assert "immutable" in resp.headers["Cache-Control"]


async def test_range_416_etag_and_304(served):
    url = f"{served.base}/video/360p/seg_00001.m4s"
    resp = await served.get(url, headers={"Range": "bytes=100-199"})
    assert resp.status == 206
    assert resp.headers["Content-Range"] == f"bytes 100-199/{len(SEGMENT)}"
    assert await resp.read() == SEGMENT[100:200]
    resp = await served.get(url, headers={"Range": "bytes=-16"})
    assert resp.status == 206 and await resp.read() == SEGMENT[-16:]
    resp = await served.get(url, headers={"Range": "bytes=10000-"})
    assert resp.status == 206 and await resp.read() == SEGMENT[10000:]
    for bad in (f"bytes={len(SEGMENT)}-", "bytes=0-1,5-6", "bytes=9-3", "pages=1-2"):
        resp = await served.get(url, headers={"Range": bad})
        assert resp.status == 416, bad
        assert resp.headers["Content-Range"] == f"bytes */{len(SEGMENT)}"
    resp = await served.get(url)
    etag = resp.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    resp = await served.get(url, headers={"If-None-Match": etag})
    assert resp.status == 304
    assert await resp.read() == b""
    resp = await served.get(url, headers={"If-None-Match": '"something-else"'})
    assert resp.status == 200


TRAVERSALS = [
    "../../../../etc/passwd",
    "..%2f..%2f..%2fetc%2fpasswd",
    "%2e%2e/%2e%2e/secret.txt",
    "%2e%2e%2f%2e%2e%2fsecret.txt",
    "..%5c..%5csecret.txt",
    "..\\..\\secret.txt",
    "video/360p/../../secret.txt",
    "video/360p/..%2f..%2fsecret.txt",
    "video/360p/%2e%2e/%2e%2e/secret.txt",
    "secret.txt",
    "video/360p/secret.m4s",
    "/etc/passwd",
    "%2fetc%2fpasswd",
    "//etc/passwd",
    "master.m3u8%00.jpg",
    "master.m3u8%00",
    "video/360p/seg_00001.m4s%00",
    "video/360p/seg_1.m4s",
    "video/360p/seg_00001.m4s/",
    "video/./360p/init.mp4",
    "video/360p/init.mp4%0a",
    "Master.m3u8",
    "subs/eng/../../../staging/1/master.m3u8",
    "video/%2e%2e/%2e%2e/secret.txt",
    "posters/poster_1_320.webp/..%2f..%2fsecret.txt",
    "trickplay/%252e%252e/secret.txt",
]


async def test_raw_requests_reach_the_handler(served):
    # The control for the traversal cases: the same raw request with a valid name is served.
    target = f"{served.base}/video/360p/seg_00001.m4s"
    status, _head, body = await raw_get(served, target)
    assert status == 200 and body == SEGMENT


@pytest.mark.parametrize("tail", TRAVERSALS)
async def test_traversal_in_every_form_reads_nothing(served, tail):
    target = f"{served.base}/{tail}"
    status, head, body = await raw_get(served, target)
    assert status in (400, 404), (target, status, head)
    assert SECRET not in body
    assert b"root:" not in body


async def test_the_old_cookie_route_and_watch_page_are_gone(served):
    for target in (
        f"/media/ladders/{served.media_file_id}/master.m3u8",
        f"/media/ladders/{served.media_file_id}/video/360p/seg_00001.m4s",
    ):
        status, _head, body = await raw_get(served, target, {"Cookie": served.cookie})
        assert status == 404, target
        assert body != SEGMENT


async def test_anonymous_is_refused_the_api(served):
    served.session.cookie_jar.clear()
    resp = await served.get(f"/api/v1/media/{served.media_file_id}/ladder")
    assert resp.status == 401
    resp = await served.post(f"/api/v1/playback/{served.media_file_id}", json={})
    assert resp.status in (401, 403)


async def test_ladder_json_is_status_without_media_urls(served):
    resp = await served.get(f"/api/v1/media/{served.media_file_id}/ladder")
    assert resp.status == 200
    data = await resp.json()
    assert data["status"] == "ready" and data["published"] is True
    assert data["playback"] == f"/api/v1/playback/{served.media_file_id}"
    assert "/media/" not in str(data)
    resp = await served.get("/api/v1/media/424242/ladder")
    assert resp.status == 404


async def test_kids_profile_cannot_open_an_adult_title_by_url(served):
    """A capped profile gets 404 for a file whose title is above its rating (or unrated)."""

    client, file_id = served, served.media_file_id
    db = client.server.app[db_key]
    async with db.write() as conn:
        library_id = await conn.scalar(
            sa.select(media_files.c.library_id).where(media_files.c.id == file_id)
        )
        title_id = (
            await conn.execute(
                titles.insert()
                .values(
                    library_id=library_id,
                    kind="movie",
                    title="Heat",
                    sort_title="heat",
                    maturity_rating="R",
                    provider_ids={},
                    locked_fields={},
                    source_key="movie:Heat",
                    added_at=0,
                    updated_at=0,
                )
                .returning(titles.c.id)
            )
        ).scalar_one()
        await conn.execute(
            media_files.update().where(media_files.c.id == file_id).values(title_id=title_id)
        )
    csrf = await csrf_from(client, "/profiles")
    resp = await client.post(f"/api/v1/playback/{file_id}", json={}, headers={"X-CSRF-Token": csrf})
    assert resp.status == 200  # the adult profile may
    csrf = await csrf_from(client, "/profiles")
    resp = await api(
        client,
        "POST",
        "/api/v1/profiles",
        {"name": "Kid", "avatar": "green", "is_kids": True, "max_rating": "PG"},
        csrf=csrf,
    )
    await pick_profile(client, (await resp.json())["id"])
    assert (await client.get(f"/api/v1/media/{file_id}/ladder")).status == 404
    csrf = await csrf_from(client, "/profiles")
    resp = await client.post(f"/api/v1/playback/{file_id}", json={}, headers={"X-CSRF-Token": csrf})
    assert resp.status == 404

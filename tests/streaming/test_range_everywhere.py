"""One Range header, one answer: the same table of Range requests against every kind of media
route -- the original for direct play, a packaged segment (sendfile and streamed from storage),
a packaged playlist, a subtitle track, an on-the-fly segment and playlist, and title artwork."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from mediaserver.db.catalog_schema import images, media_files, titles
from mediaserver.http.files import Unsatisfiable, parse_range
from mediaserver.keys import db_key, storage_key
from mediaserver.storage.local import LocalStorage
from tests.streaming.helpers import add_probed_file, media_token, play, publish_ladder

BIG = "9" * 29  # past any file, and past what a 64-bit integer holds

# (Range header, with {n} standing for the file's size; the span sent, or 416).
Span = Callable[[int], tuple[int, int]]
TABLE: list[tuple[str, Span | int]] = [
    ("bytes=0-1", lambda n: (0, 2)),
    ("bytes= 0-1", lambda n: (0, 2)),
    ("bytes = 0 - 1", lambda n: (0, 2)),
    ("Bytes=0-1", lambda n: (0, 2)),
    ("bytes=2-2", lambda n: (2, 3)),
    ("bytes=1-", lambda n: (1, n)),
    ("bytes=-3", lambda n: (n - 3, n)),
    ("bytes=0-{n}", lambda n: (0, n)),  # an end past the file is cut to its last byte
    (f"bytes=0-{BIG}", lambda n: (0, n)),
    ("bytes=1-" + "9" * 5000, lambda n: (1, n)),  # more digits than int() accepts
    (f"bytes=-{BIG}", lambda n: (0, n)),  # a suffix longer than the file: all of it
    ("bytes=-0", 416),
    ("bytes={n}-", 416),
    (f"bytes={BIG}-", 416),
    (f"bytes={BIG}-{BIG}9", 416),
    ("bytes=3-1", 416),
    ("bytes=0-1,3-4", 416),  # several ranges: refused
    ("bytes=0-1, 3-4", 416),
    ("pages=0-1", 416),
    ("bytes=0-1-2", 416),
    ("bytes=a-b", 416),
    ("bytes=+1-2", 416),
    ("bytes=", 416),
    ("bytes=-", 416),
    ("bytes", 416),
]


async def _range_table(client, url: str) -> None:
    whole = await client.get(url, headers={"Accept-Encoding": "identity"})
    assert whole.status == 200, (url, whole.status)
    assert whole.headers["Accept-Ranges"] == "bytes"
    body, etag = await whole.read(), whole.headers["ETag"]
    n = len(body)
    assert n > 5, url
    for template, expected in TABLE:
        header = template.format(n=n)
        resp = await client.get(url, headers={"Range": header})
        got = await resp.read()
        if expected == 416:
            assert resp.status == 416, (header, resp.status)
            assert resp.headers["Content-Range"] == f"bytes */{n}", header
            continue
        start, end = expected(n)
        assert resp.status == 206, (header, resp.status)
        assert resp.headers["Content-Range"] == f"bytes {start}-{end - 1}/{n}", header
        assert got == body[start:end], header
    # If-Range: the current version gets its range, another version the whole file.
    resp = await client.get(url, headers={"Range": "bytes=0-1", "If-Range": etag})
    assert resp.status == 206 and await resp.read() == body[:2]
    resp = await client.get(url, headers={"Range": "bytes=0-1", "If-Range": '"another"'})
    assert resp.status == 200 and await resp.read() == body
    # HEAD answers the same headers, without the bytes.
    resp = await client.head(url, headers={"Range": "bytes=-3"})
    assert resp.status == 206 and resp.headers["Content-Range"] == f"bytes {n - 3}-{n - 1}/{n}"


async def _poster(db, storage, library_of: int) -> int:
    """A movie with a selected poster in storage; its title id."""
    key = "artwork/poster_big.jpg"
    await storage.put_bytes(key, b"\xff\xd8" + bytes(range(256)) * 4)
    now = time.time()
    async with db.write() as conn:
        library_id = await conn.scalar(
            sa.select(media_files.c.library_id).where(media_files.c.id == library_of)
        )
        title_id = (
            await conn.execute(
                titles.insert()
                .values(
                    library_id=library_id,
                    kind="movie",
                    title="Poster",
                    sort_title="poster",
                    provider_ids={},
                    locked_fields=[],
                    source_key="movie:poster",
                    added_at=now,
                    updated_at=now,
                )  # fmt: skip
                .returning(titles.c.id)
            )
        ).scalar_one()
        await conn.execute(
            images.insert().values(
                title_id=title_id,
                kind="poster",
                source="upload",
                location=key,
                is_selected=True,
                created_at=now,
            )  # fmt: skip
        )
    return title_id


KINDS = [
    "direct",
    "ladder",
    "ladder-streamed",
    "playlist",
    "subtitles",
    "live",
    "live-playlist",
    "image",
]


@pytest.mark.parametrize("kind", KINDS)
async def test_every_media_route_answers_the_same_range_table(
    sclient, place, media_dir, monkeypatch, kind
) -> None:
    app = sclient.server.app
    db, storage = app[db_key], app[storage_key]
    if kind == "ladder-streamed":  # storage without local files, as S3: streamed by range

        async def no_local_path(self, key):
            return None

        monkeypatch.setattr(LocalStorage, "local_path", no_local_path)
    file_id = await add_probed_file(db, media_dir, place("mkv", "Film.mkv"))
    await publish_ladder(sclient, file_id)
    token = media_token(app, file_id)
    if kind == "direct":
        url = f"/media/t/{token}/file/{file_id}.mkv"
    elif kind in ("ladder", "ladder-streamed"):
        url = f"/media/t/{token}/ladder/video/360p/seg_00001.m4s"
    elif kind == "playlist":
        url = f"/media/t/{token}/ladder/video/360p/index.m3u8"
    elif kind == "subtitles":
        data = await play(sclient, file_id)
        url = next(s["url"] for s in data["subtitles"] if s["language"] == "eng")
    elif kind == "live":
        url = f"/media/t/{token}/live/remux/a1/source/seg_00000.m4s"
    elif kind == "live-playlist":
        url = f"/media/t/{token}/live/remux/a1/source/index.m3u8"
    else:
        url = f"/images/titles/{await _poster(db, storage, file_id)}/poster"
    await _range_table(sclient, url)


@pytest.mark.parametrize("header", ["bytes=0-", "bytes=-1", "bytes=0-0"])
def test_nothing_of_an_empty_file_can_be_asked_for(header) -> None:
    with pytest.raises(Unsatisfiable):
        parse_range(header, 0)


def test_only_ascii_digits_count() -> None:
    # str.isdigit() says yes to these, and int() reads them: a header is ASCII.
    for header in ("bytes=\u0661-\u0663", "bytes=\u00b2-", "bytes=-\uff13"):
        with pytest.raises(Unsatisfiable):
            parse_range(header, 100)
    assert parse_range("bytes=001-002", 100) == (1, 3)

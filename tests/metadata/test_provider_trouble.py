"""When providers misbehave: a 429's Retry-After is waited out (or the job is queued again for
a long one), answers are cached, slow and malformed answers fail cleanly and are listed for the
admin; and titles no provider knows still get posters from their own files."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from PIL import Image

from mediaserver.db.engine import Database
from mediaserver.metadata.client import ProviderClient
from mediaserver.metadata.fetch import Origin, ProviderError, RateLimited, SafeFetcher, new_session
from tests.library.scan_helpers import place
from tests.media_factory import make_video
from tests.metadata.fakes import API_KEY
from tests.metadata.helpers import admin_client, query, scan_library, title_id


@pytest.fixture
async def tmdb(fake, db: Database):
    session = new_session(allow_loopback=True)
    client = ProviderClient(
        "tmdb", SafeFetcher(session, allow_loopback=True), db,
        origins=frozenset({Origin.of(fake.base)}), timeout=5, cache_seconds=3600,
        max_image_bytes=1_000_000, secret_params=frozenset({"api_key"}),
    )  # fmt: skip
    yield client
    await session.close()


async def test_retry_after_is_honoured_and_answers_are_cached(fake, tmdb) -> None:
    fake.rate_limited, fake.retry_after = 1, "1"
    started = time.monotonic()
    movie = await tmdb.get_json(f"{fake.base}/3/movie/603", {"api_key": API_KEY})
    assert movie["title"] == "The Matrix"
    assert time.monotonic() - started >= 0.9
    assert len(fake.requests) == 2
    again = await tmdb.get_json(f"{fake.base}/3/movie/603", {"api_key": API_KEY})
    assert again == movie and len(fake.requests) == 2  # from the cache
    assert await tmdb.get_json(f"{fake.base}/3/movie/1", {"api_key": API_KEY}) is None  # 404


async def test_a_long_retry_after_is_left_to_the_job(fake, tmdb) -> None:
    fake.rate_limited, fake.retry_after = 5, "120"
    with pytest.raises(RateLimited) as caught:
        await tmdb.get_json(f"{fake.base}/3/movie/603", {"api_key": API_KEY})
    assert caught.value.retry_after > 100
    assert len(fake.requests) == 1  # not hammered while it waits


async def test_slow_and_malformed_answers_fail_cleanly(fake, tmdb) -> None:
    tmdb.timeout = 0.3
    fake.delay = 1.0
    with pytest.raises(ProviderError, match="no answer within"):
        await tmdb.get_json(f"{fake.base}/3/movie/603", {"api_key": API_KEY})
    fake.delay, fake.malformed = 0.0, True
    with pytest.raises(ProviderError, match="not JSON"):
        await tmdb.get_json(f"{fake.base}/3/movie/949", {"api_key": API_KEY})


async def test_without_providers_titles_get_posters_from_their_files(
    make_app, aiohttp_client, fake, clip, tmp_path: Path
) -> None:
    """Also: a malformed provider answer is listed on Admin > Metadata and the title still gets
    a poster from its own file."""
    settings = fake.settings(tvmaze=False)
    client = await admin_client(make_app, aiohttp_client, settings)
    fake.malformed = True
    cover = io.BytesIO()
    Image.new("RGB", (200, 300), (10, 200, 30)).save(cover, "JPEG")
    root = tmp_path / "Movies"
    (root / "Covered (2001)").mkdir(parents=True)
    make_video(root / "Covered (2001)" / "Covered (2001).mkv", seconds=0.5, width=64, height=48,
               audio_tracks=(), subtitle_tracks=(),
               attachments=[("cover.jpg", "image/jpeg", cover.getvalue())])  # fmt: skip
    place(clip, root / "Plain (2002)" / "Plain (2002).mkv")
    place(clip, root / "Shown (2020)" / "Season 01" / "Shown S01E01.mkv")  # a series' first episode
    await scan_library(client, root, "mixed")
    covered, plain = await title_id(client, "Covered"), await title_id(client, "Plain")
    for tid in (covered, plain, await title_id(client, "Shown")):
        (row,) = await query(client, "SELECT source FROM images WHERE title_id = :i AND "
                             "kind = 'poster' AND is_selected", i=tid)  # fmt: skip
        assert row[0] == "generated"
    resp = await client.get(f"/images/titles/{covered}/poster")
    assert resp.status == 200
    pixel = Image.open(io.BytesIO(await resp.read())).convert("RGB").getpixel((50, 50))
    assert pixel[1] > 150 and pixel[0] < 60  # the embedded green cover, not a video frame
    assert (await client.get(f"/images/titles/{plain}/poster")).status == 200
    page = await (await client.get("/admin/metadata")).text()
    assert "not JSON" in page and "Covered" in page

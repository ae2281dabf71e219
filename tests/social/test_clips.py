"""Clips end to end through the app: made from a packaged ladder (or the source of an on-the-fly
title) on the chosen frames, served behind signed URLs, refused for bad ranges, other people's
clips, kids profiles, anonymous visitors unless public clips are on, and hidden titles."""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path

import av
import pytest
import sqlalchemy as sa

from mediaserver.db.catalog_schema import media_files, titles
from mediaserver.db.social_clips_schema import clips
from mediaserver.keys import config_key, db_key, storage_key
from mediaserver.media.ladder.build import build_ladder
from mediaserver.media.ladder.rungs import LadderProfile
from tests.helpers import pick_profile
from tests.media_factory import make_video
from tests.packaging.helpers import mark_published
from tests.watchparty.conftest import Browser, Party, party  # noqa: F401  (fixture)

FPS = 24
SECONDS = 12


def level(frame: av.VideoFrame) -> int:
    """The test pattern's frame value: frame i is filled with luma (i * 7) % 200 + 16."""
    plane = frame.planes[0]
    data = bytes(plane)
    rows = [
        data[y * plane.line_size : y * plane.line_size + plane.width]
        for y in range(0, plane.height, 8)
    ]
    sample = b"".join(rows)
    return round(sum(sample) / len(sample))


def expected(index: int) -> int:
    return (index * 7) % 200 + 16


async def _set_file(p: Party, path: Path) -> None:
    async with p.alice.client.app[db_key].write() as conn:
        await conn.execute(
            media_files.update().where(media_files.c.id == p.movie)
            .values(path=str(path), duration_seconds=float(SECONDS))
        )  # fmt: skip


async def _publish(p: Party, source: Path, out: Path) -> None:
    result = build_ladder(source, out, LadderProfile(preset="ultrafast", rungs=("360p",)))
    storage = p.alice.client.app[storage_key]
    prefix = f"ladders/{p.movie}/v1"
    for path in out.rglob("*"):
        if path.is_file():
            await storage.put_bytes(f"{prefix}/{path.relative_to(out)}", path.read_bytes())
    rung = result.rungs[0]
    track = result.audio[0]
    await mark_published(
        p.alice.client.app[db_key], p.movie, storage_prefix=prefix,
        rungs=[{"name": rung.name, "width": rung.width, "height": rung.height}],
        audio=[{"name": track.name, "source_index": track.source_index, "default": True}],
    )  # fmt: skip


@pytest.fixture
async def movie(party: Party, tmp_path: Path) -> Party:  # noqa: F811
    source = make_video(tmp_path / "movie.mkv", seconds=SECONDS, width=320, height=240, fps=FPS,
                        subtitle_tracks=())  # fmt: skip
    await _set_file(party, source)
    return party


async def create(who: Browser, file_id: int, start: float, end: float, **extra) -> dict:
    body = {"media_file_id": file_id, "start": start, "end": end, "name": "Best bit"} | extra
    resp = await who.api("POST", "/api/v1/clips", body)
    assert resp.status == 202, await resp.text()
    return await resp.json()


async def ready(who: Browser, slug: str) -> dict:
    for _ in range(200):
        resp = await who.client.get(f"/api/v1/clips/{slug}")
        assert resp.status == 200, await resp.text()
        clip = await resp.json()
        if clip["status"] not in ("queued", "playable"):
            assert clip["status"] == "ready", clip
            return clip
        await asyncio.sleep(0.05)
    raise AssertionError("the clip was never made")


def frame_levels(data: bytes) -> list[int]:
    with av.open(io.BytesIO(data)) as container:
        return [level(f) for f in container.decode(video=0)]


async def check_frames(who: Browser, clip: dict, start: float, end: float) -> None:
    resp = await who.client.get(clip["mp4_url"])
    assert resp.status == 200 and resp.content_type == "video/mp4"
    levels = frame_levels(await resp.read())
    first, last = round(start * FPS), round(end * FPS) - 1
    assert len(levels) == last - first + 1
    assert abs(levels[0] - expected(first)) <= 2
    assert abs(levels[-1] - expected(last)) <= 2
    # No frame lost or repeated at the joins between re-encoded and copied parts.
    assert all((b - a) % 200 == 7 for a, b in zip(levels, levels[1:], strict=False))


async def test_a_clip_of_a_packaged_title_starts_and_ends_on_the_chosen_frames(
    movie: Party, tmp_path: Path
) -> None:
    await _publish(movie, tmp_path / "movie.mkv", tmp_path / "ladder")
    made = await create(movie.alice, movie.movie, 2.5, 9.25)
    clip = await ready(movie.alice, made["id"])
    await check_frames(movie.alice, clip, 2.5, 9.25)
    playlist = await movie.alice.client.get(clip["hls_url"])
    assert playlist.status == 200
    segment = re.search(r"^seg_\d{5}\.m4s$", await playlist.text(), re.M)
    assert segment is not None
    base = clip["hls_url"].rsplit("/", 1)[0]
    assert (await movie.alice.client.get(f"{base}/{segment.group(0)}")).status == 200
    page = await movie.alice.client.get(f"/c/{clip['id']}")
    html = await page.text()
    assert page.status == 200
    for tag in ('og:type" content="video.other', "og:image", "og:video", "video:duration",
                "twitter:card"):  # fmt: skip
        assert tag in html
    poster = await movie.alice.client.get(clip["poster_url"])
    assert poster.status == 200 and (await poster.read())[:2] == b"\xff\xd8"


async def test_a_playable_clip_plays_its_playlist_before_its_mp4_is_there(
    movie: Party, tmp_path: Path
) -> None:
    """Between its playlist and its MP4 being stored, a clip plays (HLS and poster) and its page
    offers the download only once the MP4 is in."""
    await _publish(movie, tmp_path / "movie.mkv", tmp_path / "ladder")
    made = await create(movie.alice, movie.movie, 2.5, 9.25)
    done = await ready(movie.alice, made["id"])
    async with movie.alice.client.app[db_key].write() as conn:  # as before the MP4 was stored
        await conn.execute(clips.update().where(clips.c.slug == made["id"])
                           .values(status="playable"))  # fmt: skip
    clip = await (await movie.alice.client.get(f"/api/v1/clips/{made['id']}")).json()
    assert clip["status"] == "playable" and clip["mp4_url"] is None
    assert (await movie.alice.client.get(clip["hls_url"])).status == 200
    assert (await movie.alice.client.get(clip["poster_url"])).status == 200
    mp4 = clip["hls_url"].replace("hls/index.m3u8", "clip.mp4")
    assert (await movie.alice.client.get(mp4)).status == 404
    html = await (await movie.alice.client.get(f"/c/{made['id']}")).text()
    assert 'id="clip-video"' in html and "data-mp4" not in html
    assert re.search(r'id="clip-download"[^>]* hidden', html)
    listed = await (await movie.alice.client.get(f"/api/v1/titles/{clip['title_id']}/clips")).json()
    assert [c["id"] for c in listed["clips"]] == [made["id"]]
    assert done["mp4_url"] is not None


async def test_a_clip_of_an_on_the_fly_title_is_cut_from_the_source(movie: Party) -> None:
    made = await create(movie.alice, movie.movie, 1.0, 4.5)
    clip = await ready(movie.alice, made["id"])
    await check_frames(movie.alice, clip, 1.0, 4.5)


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        (10.0, 14.0, "past the end"),
        (5.0, 3.0, "ends before it starts"),
        (4.0, 4.0, "empty"),
        (0.0, 61.0, "at most 60 seconds"),
        (-1.0, 2.0, "at or after 0:00"),
    ],
)
async def test_bad_ranges_are_refused(movie: Party, start: float, end: float, words: str) -> None:
    body = {"media_file_id": movie.movie, "start": start, "end": end, "name": "x"}
    resp = await movie.alice.api("POST", "/api/v1/clips", body)
    assert resp.status == 422
    assert words in (await resp.json())["detail"]
    async with movie.alice.client.app[db_key].read() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(clips))).scalar() == 0


async def test_names_are_cleaned_and_shown_escaped(movie: Party) -> None:
    name = "<script>alert(1)</script>\u202e\u200bgood"
    made = await create(movie.alice, movie.movie, 1.0, 2.0, name=name)
    assert made["name"] == "<script>alert(1)</script>good"
    await ready(movie.alice, made["id"])
    html = await (await movie.alice.client.get(f"/c/{made['id']}")).text()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


async def test_someone_elses_clip_cannot_be_deleted(movie: Party) -> None:
    made = await create(movie.alice, movie.movie, 1.0, 2.0)
    await ready(movie.alice, made["id"])
    resp = await movie.bob.api("DELETE", f"/api/v1/clips/{made['id']}")
    assert resp.status == 404
    assert (await movie.alice.client.get(f"/api/v1/clips/{made['id']}")).status == 200
    resp = await movie.alice.api("DELETE", f"/api/v1/clips/{made['id']}")
    assert resp.status == 204
    assert (await movie.alice.client.get(f"/api/v1/clips/{made['id']}")).status == 404


async def test_a_kids_profile_gets_404_for_an_adult_titles_clip(movie: Party) -> None:
    made = await create(movie.alice, movie.movie, 1.0, 2.0)
    await ready(movie.alice, made["id"])
    assert (await movie.bob.client.get(f"/c/{made['id']}")).status == 200
    await pick_profile(movie.bob.client, movie.bob_kids_id)
    assert (await movie.bob.client.get(f"/c/{made['id']}")).status == 404
    assert (await movie.bob.client.get(f"/api/v1/clips/{made['id']}")).status == 404


async def test_public_clips_play_anonymously_only_when_the_setting_is_on(movie: Party) -> None:
    settings = movie.alice.client.app[config_key].social
    resp = await movie.alice.api("POST", "/api/v1/clips", {
        "media_file_id": movie.movie, "start": 1.0, "end": 2.0, "name": "x",
        "visibility": "public"})  # fmt: skip
    assert resp.status == 422
    settings.public_clips = True
    made = await create(movie.alice, movie.movie, 1.0, 2.0, visibility="public")
    private = await create(movie.alice, movie.movie, 1.0, 2.0)
    clip = await ready(movie.alice, made["id"])
    await ready(movie.alice, private["id"])
    anonymous = await movie.other_browser()
    try:
        page = await anonymous.get(f"/c/{made['id']}")
        html = await page.text()
        assert page.status == 200
        assert "/titles/" not in html  # nothing else of the server is linked
        assert (await anonymous.get(clip["mp4_url"])).status == 200
        assert (await anonymous.get(f"/c/{private['id']}")).status == 404
        settings.public_clips = False
        assert (await anonymous.get(f"/c/{made['id']}")).status == 404
    finally:
        await anonymous.close()


async def test_a_hidden_title_stops_its_clips(movie: Party) -> None:
    made = await create(movie.alice, movie.movie, 1.0, 2.0)
    clip = await ready(movie.alice, made["id"])
    section = await movie.alice.client.get(f"/titles/{clip['title_id']}/clips")
    assert "Best bit" in await section.text()
    async with movie.alice.client.app[db_key].write() as conn:
        await conn.execute(
            titles.update().where(titles.c.id == clip["title_id"]).values(removed_at=1.0)
        )
    assert (await movie.alice.client.get(f"/c/{made['id']}")).status == 404
    assert (await movie.alice.client.get(clip["mp4_url"])).status == 404

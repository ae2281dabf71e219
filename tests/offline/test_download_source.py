"""A title without a published ladder downloads from its source file: remuxed (no re-encode)
when its codecs fit MP4 and its height is allowed, encoded to H.264/AAC otherwise; 202 while
the file is being made, then the same bytes for every range; rights checked every time."""

from __future__ import annotations

import asyncio
import io
import threading
import time
from pathlib import Path

import av
import pytest

from mediaserver.accounts import EffectiveLimits
from mediaserver.accounts.limits import set_limits
from mediaserver.db.catalog_schema import titles
from mediaserver.keys import db_key
from mediaserver.offline import source_mp4
from mediaserver.offline.keys import source_maker_key
from tests.helpers import api, csrf_from, pick_profile
from tests.media_factory import make_video
from tests.offline.test_download_file import make_download, top_boxes
from tests.streaming.helpers import add_probed_file
from tests.streaming.test_rights_revocation import add_title


@pytest.fixture(scope="session")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """2 s clips: H.264/AAC 480p in MKV with English and French audio and German text
    subtitles; VP8/Opus in WebM."""
    folder = tmp_path_factory.mktemp("offline-sources")
    return {
        "mkv": make_video(
            folder / "film.mkv", seconds=2, width=640, height=480, fps=24,
            audio_tracks=(("eng", 2), ("fre", 2)), subtitle_tracks=(("ger", False),),
        ),
        "webm": make_video(
            folder / "film.webm", seconds=2, width=320, height=240, fps=24,
            container="webm", subtitle_tracks=(),
        ),
    }  # fmt: skip


async def source_movie(client, sources, tmp_path: Path, kind: str, rating: str = "R") -> int:
    """A movie whose file is a real source in a library, with no ladder; returns the file id."""
    folder = tmp_path / "library"
    folder.mkdir(exist_ok=True)
    target = folder / f"{kind}-{time.monotonic_ns()}.{kind}"
    target.write_bytes(sources[kind].read_bytes())
    file_id = await add_probed_file(client.app[db_key], folder, target)
    await add_title(client, file_id, rating)
    return file_id


async def fetch_made(client, url: str, **headers: str):
    """GET the URL until the MP4 is made (202 meanwhile, with Retry-After)."""
    for _ in range(600):
        resp = await client.get(url, headers=headers)
        if resp.status != 202:
            return resp
        assert int(resp.headers["Retry-After"]) > 0
        assert (await resp.json())["status"] == "making"
        await asyncio.sleep(0.1)
    raise AssertionError("the MP4 was never made")


def opened(data: bytes) -> tuple[av.video.stream.VideoStream, list[str | None], int]:
    """The MP4's video stream, its audio languages and its decoded frame count."""
    with av.open(io.BytesIO(data)) as mp4:
        video = mp4.streams.video[0]
        languages = [a.metadata.get("language") for a in mp4.streams.audio]
        frames = sum(1 for _ in mp4.decode(video=0))
        return video, languages, frames


async def test_remux_from_the_source_is_faststart_with_the_chosen_audio(
    oclient, sources, tmp_path, monkeypatch
):
    real_make = source_mp4.make
    file_id = await source_movie(oclient, sources, tmp_path, "mkv")
    offer = await (await oclient.get(f"/api/v1/media/{file_id}/download-options")).json()
    assert [(q["rung"], q["height"]) for q in offer["qualities"]] == [
        ("source", 480), ("360p", 360)
    ]  # fmt: skip
    assert [a["language"] for a in offer["audio"]] == ["eng", "fre"]
    page = await (await oclient.get(f"/downloads/new/{file_id}")).text()
    assert "French" in page and 'id="from-source"' in page and offer["from_source"] is True
    french = next(a["name"] for a in offer["audio"] if a["language"] == "fre")
    [german] = offer["subtitles"]
    assert german["label"] == "German"
    assert german["name"].startswith("ger.")
    made = await make_download(oclient, file_id, audio=french, subtitles=[german["name"]])
    oclient.session.cookie_jar.clear()  # the signed URL is the credential
    # Requests while it is being made get 202 and share one making (held until both asked).
    release, calls = threading.Event(), []

    def held_make(*args):
        calls.append(args)
        release.wait(30)
        real_make(*args)

    monkeypatch.setattr(source_mp4, "make", held_make)
    first, second = await asyncio.gather(oclient.get(made["url"]), oclient.get(made["url"]))
    assert first.status == second.status == 202
    assert "being made" in (await first.json())["message"]
    assert oclient.app[source_maker_key].busy == 1
    release.set()
    resp = await fetch_made(oclient, made["url"])
    assert resp.status == 200 and resp.headers["Content-Type"] == "video/mp4"
    data = await resp.read()
    assert len(calls) == 1
    assert top_boxes(data).index(b"moov") < top_boxes(data).index(b"mdat")
    video, languages, frames = opened(data)
    assert (video.codec_context.name, video.codec_context.height) == ("h264", 480)
    assert languages == ["fre"] and frames == 48
    with av.open(io.BytesIO(data)) as mp4:
        [text] = mp4.streams.subtitles
        assert text.codec_context.name == "mov_text" and text.metadata["language"] == "ger"
        samples = [bytes(p) for p in mp4.demux(text) if p.size > 2]
        assert samples == [b"\x00\x09Hello ger", b"\x00\x11Second line (ger)"]
    again = await oclient.get(made["url"], headers={"Range": "bytes=1000-1999"})
    assert again.status == 206 and await again.read() == data[1000:2000]
    assert (await oclient.get(made["url"])).headers["ETag"] == resp.headers["ETag"]


async def test_a_source_above_the_allowed_quality_is_encoded_down(oclient, sources, tmp_path):
    me = (await (await oclient.get("/api/v1/me")).json())["user"]["id"]
    await set_limits(oclient.app[db_key], me, EffectiveLimits(max_height=360))
    file_id = await source_movie(oclient, sources, tmp_path, "mkv")
    offer = await (await oclient.get(f"/api/v1/media/{file_id}/download-options")).json()
    assert [q["height"] for q in offer["qualities"]] == [360]
    csrf = await csrf_from(oclient, "/profiles")
    body = {"media_file_id": file_id, "rung": "source"}
    resp = await api(oclient, "POST", "/api/v1/offline/downloads", body, csrf=csrf)
    assert resp.status == 403  # the full-height source is above the cap
    made = await make_download(oclient, file_id)
    data = await (await fetch_made(oclient, made["url"])).read()
    video, languages, frames = opened(data)
    assert video.codec_context.name == "h264" and video.codec_context.height <= 360
    assert languages == ["eng"] and frames >= 46


async def test_a_source_whose_codecs_do_not_fit_mp4_is_encoded(oclient, sources, tmp_path):
    file_id = await source_movie(oclient, sources, tmp_path, "webm")
    made = await make_download(oclient, file_id)
    assert made["height"] == 240
    data = await (await fetch_made(oclient, made["url"])).read()
    video, languages, _frames = opened(data)
    assert (video.codec_context.name, video.codec_context.height) == ("h264", 240)
    with av.open(io.BytesIO(data)) as mp4:
        assert mp4.streams.audio[0].codec_context.name == "aac"
    # Housekeeping deletes made files after a while; the next request makes it again.
    assert oclient.app[source_maker_key].sweep(time.time() + 1) == 1
    page = await oclient.get(made["url"], headers={"Accept": "text/html"})
    assert page.status == 202 and page.headers["Content-Type"].startswith("text/html")
    text = await page.text()
    assert 'http-equiv=refresh content="5"' in text and "Preparing Film" in text


async def test_rights_are_checked_for_source_downloads(oclient, sources, tmp_path):
    db = oclient.app[db_key]
    file_id = await source_movie(oclient, sources, tmp_path, "webm", rating="PG")
    adult = await source_movie(oclient, sources, tmp_path, "webm", rating="R")
    # The admin revokes a download: its URL is refused before anything is made.
    admin_made = await make_download(oclient, file_id)
    csrf = await csrf_from(oclient, "/admin/downloads")
    path = f"/api/v1/admin/offline/downloads/{admin_made['id']}/revoke"
    assert (await api(oclient, "POST", path, {}, csrf=csrf)).status == 200
    resp = await oclient.get(admin_made["url"])
    assert resp.status == 403 and "administrator" in await resp.text()

    csrf = await csrf_from(oclient, "/profiles")
    kid = {"name": "Kid", "avatar": "green", "is_kids": True, "max_rating": "PG"}
    resp = await api(oclient, "POST", "/api/v1/profiles", kid, csrf=csrf)
    await pick_profile(oclient, (await resp.json())["id"])
    assert (await oclient.get(f"/api/v1/media/{adult}/download-options")).status == 404
    made = await make_download(oclient, file_id)
    async with db.write() as conn:
        rated = titles.update().where(titles.c.title == f"Film {file_id}")
        await conn.execute(rated.values(maturity_rating="R"))
    assert (await oclient.get(made["url"])).status == 404  # over the kids cap now


def test_remux_keeps_every_frame_of_a_source_with_b_frames(tmp_path):
    """Matroska gives the first packets of a B-frame stream no decode time; none is lost."""
    source = make_video(
        tmp_path / "hevc.mkv", seconds=1, width=160, height=120, video_codec="libx265",
        subtitle_tracks=(),
    )  # fmt: skip
    with av.open(str(source)) as probe:
        assert any(p.dts is None and p.size for p in probe.demux(video=0))
    plan = source_mp4.plan(1, str(source), 1, 1.0, (0, "hevc", 120), (1, "aac", "eng"),
                           "source", 120)  # fmt: skip
    assert plan.remux
    made = tmp_path / "out.mp4"
    source_mp4.make(plan, made)
    with av.open(str(made)) as mp4:
        assert mp4.streams.video[0].codec_context.name == "hevc"
        assert sum(1 for _ in mp4.decode(video=0)) == 24

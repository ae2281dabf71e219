"""A title without a published ladder downloads from its source file: remuxed (no re-encode)
when its codecs fit MP4 and its height is allowed, encoded to H.264/AAC otherwise; streamed
while the file is being made (moov first for a remux, a fragmented MP4 for an encode), then the
same bytes for every range; encodes beyond the server's limit are queued (202); rights checked
every time."""

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
from mediaserver.offline import source_encode, source_mp4, source_remux
from mediaserver.offline.keys import source_maker_key
from mediaserver.offline.source_maker import SourceFile, make
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
    """GET the URL until its encode has a slot (202 "queued" meanwhile, with Retry-After)."""
    for _ in range(600):
        resp = await client.get(url, headers=headers)
        if resp.status != 202:
            return resp
        assert int(resp.headers["Retry-After"]) > 0
        assert (await resp.json())["status"] == "queued"
        await asyncio.sleep(0.1)
    raise AssertionError("the MP4 was never made")


def held(monkeypatch, module, name: str, after_bytes: int) -> threading.Event:
    """Hold the making in `module.name` once it has written `after_bytes` bytes, until the
    returned event is set."""
    release, real = threading.Event(), getattr(module, name)

    def holding(plan, write, *rest):
        written = 0

        def slow_write(data: bytes) -> None:
            nonlocal written
            if written >= after_bytes:
                assert release.wait(30)
            write(data)
            written += len(data)

        real(plan, slow_write, *rest)

    monkeypatch.setattr(module, name, holding)
    return release


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
    # The download starts while the file is being made: the moov first (its size is known
    # from the source's packets before any sample is copied), the rest as it is copied.
    release = held(monkeypatch, source_remux, "remux", after_bytes=1)
    first, second = await asyncio.gather(oclient.get(made["url"]), oclient.get(made["url"]))
    assert first.status == second.status == 200 and first.headers["Content-Type"] == "video/mp4"
    assert oclient.app[source_maker_key].busy == 1  # one making for both requests
    size = int(first.headers["Content-Length"])
    start = await first.content.readexactly(64)
    assert top_boxes(start)[:2] == [b"ftyp", b"moov"]  # the index before any sample
    assert oclient.app[source_maker_key].busy == 1  # still being made
    ranged = asyncio.ensure_future(
        oclient.get(made["url"], headers={"Range": f"bytes={size - 100}-"})
    )  # bytes not written yet: the answer waits for them
    release.set()
    data = start + await first.read()
    assert len(data) == size and await second.read() == data
    tail = await ranged
    assert tail.status == 206 and await tail.read() == data[-100:]
    assert tail.headers["Content-Range"] == f"bytes {size - 100}-{size - 1}/{size}"
    resp = await oclient.get(made["url"])
    assert resp.status == 200 and await resp.read() == data
    assert resp.headers["ETag"] == first.headers["ETag"] == tail.headers["ETag"]
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
    # Housekeeping deletes made files; a copy made again is the same bytes (same ETag), so a
    # download resumed across it still fits.
    assert oclient.app[source_maker_key].sweep(time.time() + 1) == 1
    again = await oclient.get(
        made["url"], headers={"Range": "bytes=1000-1999", "If-Range": resp.headers["ETag"]}
    )
    assert again.status == 206 and await again.read() == data[1000:2000]


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


async def test_an_encode_streams_as_it_is_made_and_others_wait_their_turn(
    oclient, sources, tmp_path, monkeypatch
):
    oclient.app[source_maker_key].max_encodes = 1
    first_id = await source_movie(oclient, sources, tmp_path, "webm")
    second_id = await source_movie(oclient, sources, tmp_path, "webm")
    first = await make_download(oclient, first_id)
    second = await make_download(oclient, second_id)
    release = held(monkeypatch, source_encode, "encode", after_bytes=1)
    resp = await oclient.get(first["url"])
    # The encode's first bytes (a fragmented MP4's ftyp and moov) arrive while it runs.
    assert resp.status == 200 and "Content-Length" not in resp.headers
    start = await resp.content.readexactly(16)
    assert start[4:8] == b"ftyp"
    # A range whose end is not written yet waits for it, then is answered exactly.
    ranged = asyncio.ensure_future(oclient.get(first["url"], headers={"Range": "bytes=100-"}))
    # Only one encode at a time here: the second download is queued, and says so.
    queued = await oclient.get(second["url"])
    assert queued.status == 202 and int(queued.headers["Retry-After"]) > 0
    body = await queued.json()
    assert body["status"] == "queued" and body["position"] == 1 and "queued" in body["message"]
    page = await oclient.get(second["url"], headers={"Accept": "text/html"})
    assert page.status == 202 and "Queued: Film" in await page.text()
    release.set()
    data = start + await resp.read()
    tail = await ranged
    assert tail.status == 206 and await tail.read() == data[100:]
    assert tail.headers["Content-Range"] == f"bytes 100-{len(data) - 1}/{len(data)}"
    assert "moof" in [b.decode() for b in top_boxes(data)]
    video, _languages, frames = opened(data)
    assert video.codec_context.height == 240 and frames >= 46
    # When the first encode ends, the queued one is made without being asked again.
    made = await fetch_made(oclient, second["url"])
    assert made.status == 200 and opened(await made.read())[2] >= 46


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
    target = tmp_path / "out.mp4"
    make(plan, SourceFile(plan.key, "out", target, tmp_path / "out.part", plan.remux))
    with av.open(str(target)) as mp4:
        assert mp4.streams.video[0].codec_context.name == "hevc"
        assert sum(1 for _ in mp4.decode(video=0)) == 24


def test_remux_of_a_longer_source_keeps_every_sample(tmp_path):
    """Two minutes of samples: the moov is written in many pieces whose sizes the muxer patches
    afterwards; the streamed copy has every video and audio sample of the source."""
    source = make_video(
        tmp_path / "long.mkv", seconds=120, width=160, height=120, fps=24, subtitle_tracks=()
    )
    with av.open(str(source)) as probe:
        counts = [sum(1 for p in probe.demux(s) if p.size) for s in (0, 1)]
    plan = source_mp4.plan(1, str(source), 1, 1.0, (0, "h264", 120), (1, "aac", "eng"),
                           "source", 120)  # fmt: skip
    target = tmp_path / "out.mp4"
    made = SourceFile(plan.key, "out", target, tmp_path / "out.part", plan.remux)
    make(plan, made)
    data = target.read_bytes()
    assert made.size == len(data) and top_boxes(data)[:3] == [b"ftyp", b"moov", b"mdat"]
    moov = data.index(b"mdat") - 4 - data.index(b"moov") + 4
    assert moov > 1 << 15 and len(data) > source_remux.HEAD_KEPT  # written in many pieces
    with av.open(io.BytesIO(data)) as mp4:
        assert [sum(1 for p in mp4.demux(s) if p.size) for s in (0, 1)] == counts
    with av.open(io.BytesIO(data)) as mp4:
        assert sum(1 for _ in mp4.decode(video=0)) == 120 * 24


def test_an_encode_ends_at_shutdown_and_leaves_no_partial_file(tmp_path, sources):
    """The server stopping does not wait for a long encode: it ends at its next write, and no
    half-made file is left to be served later."""
    plan = source_mp4.plan(1, str(sources["webm"]), 1, 1.0, (0, "vp8", 240), (1, "opus", None),
                           "240p", 240)  # fmt: skip
    assert not plan.remux
    made = SourceFile(plan.key, "x", tmp_path / "x.mp4", tmp_path / "x.mp4.part", plan.remux)
    made.stop = True
    with pytest.raises(RuntimeError, match="stopping"):
        make(plan, made)
    assert list(tmp_path.iterdir()) == [] and not made.done

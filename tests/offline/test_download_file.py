"""A download is one MP4 made from the ladder: faststart, the chosen audio and soft subtitles,
every frame decodable, and the same bytes again for any range a resumed download asks for."""

from __future__ import annotations

import io
import struct

import av
import pytest

from tests.helpers import api, csrf_from
from tests.offline.conftest import FPS, SECONDS, packaged_movie


def top_boxes(data: bytes) -> list[bytes]:
    kinds, pos = [], 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, pos)
        if size == 1:
            size = struct.unpack_from(">Q", data, pos + 8)[0]
        kinds.append(kind)
        pos += size
    return kinds


async def make_download(client, file_id: int, **choice) -> dict:
    csrf = await csrf_from(client, "/profiles")
    body = {"media_file_id": file_id} | choice
    resp = await api(client, "POST", "/api/v1/offline/downloads", body, csrf=csrf)
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def test_options_offer_the_ladders_qualities_audio_and_subtitles(oclient, ladder_dir):
    file_id = await packaged_movie(oclient, ladder_dir, "Harbour Lights")
    resp = await oclient.get(f"/api/v1/media/{file_id}/download-options")
    assert resp.status == 200, await resp.text()
    offer = await resp.json()
    assert [q["height"] for q in offer["qualities"]] == [240]
    assert [a["language"] for a in offer["audio"]] == ["eng", "fre"]
    assert [(s["name"], s["label"]) for s in offer["subtitles"]] == [("ger", "German")]
    assert offer["held"] == 0 and offer["limit"] == 25
    page = await (await oclient.get(f"/downloads/new/{file_id}")).text()
    assert "Harbour Lights" in page and "French" in page and "Save for offline" in page


async def test_mp4_is_faststart_has_the_chosen_tracks_and_every_frame(oclient, ladder_dir):
    file_id = await packaged_movie(oclient, ladder_dir, "Harbour Lights")
    french = next(a for a in ladder_dir.audio if a["language"] == "fre")["name"]
    made = await make_download(oclient, file_id, audio=french, subtitles=["ger"])
    oclient.session.cookie_jar.clear()  # the signed URL is the credential
    resp = await oclient.get(made["url"])
    assert resp.status == 200, await resp.text()
    assert resp.headers["Content-Type"] == "video/mp4"
    assert resp.headers["Accept-Ranges"] == "bytes"
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    data = await resp.read()
    assert int(resp.headers["Content-Length"]) == len(data)
    kinds = top_boxes(data)
    assert kinds.index(b"moov") < kinds.index(b"mdat"), kinds

    with av.open(io.BytesIO(data)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        subtitles = container.streams.subtitles
        assert len(container.streams.audio) == 1 and audio.language == "fre"
        assert [s.codec_context.name for s in subtitles] == ["mov_text"]
        assert subtitles[0].language == "ger"
        assert container.duration / 1e6 == pytest.approx(SECONDS, abs=0.1)
        frames = list(container.decode(video))
        assert len(frames) == SECONDS * FPS
        assert frames[-1].time == pytest.approx(SECONDS - 1 / FPS, abs=0.05)
    with av.open(io.BytesIO(data)) as container:
        cues = [bytes(p) for p in container.demux(container.streams.subtitles[0]) if p.size > 2]
    assert any(b"Hallo Welt" in cue for cue in cues)

    # Resuming: any range is exactly those bytes of the whole, every time.
    for first, last in ((0, 99), (1000, 4999), (len(data) - 700, len(data) - 1)):
        part = await oclient.get(made["url"], headers={"Range": f"bytes={first}-{last}"})
        assert part.status == 206
        assert part.headers["Content-Range"] == f"bytes {first}-{last}/{len(data)}"
        assert await part.read() == data[first : last + 1]
    tail = await oclient.get(made["url"], headers={"Range": f"bytes={len(data) // 2}-"})
    assert await tail.read() == data[len(data) // 2 :]
    again = await oclient.get(made["url"])
    assert await again.read() == data and again.headers["ETag"] == resp.headers["ETag"]
    beyond = await oclient.get(made["url"], headers={"Range": f"bytes={len(data)}-"})
    assert beyond.status == 416
    # A resume that names another version of the file (If-Range) gets the whole file.
    stale = {"Range": "bytes=10-20", "If-Range": '"not-this-one"'}
    whole = await oclient.get(made["url"], headers=stale)
    assert whole.status == 200 and await whole.read() == data
    head = await oclient.head(made["url"])
    assert head.status == 200 and int(head.headers["Content-Length"]) == len(data)


async def test_default_choice_is_the_best_quality_and_default_audio_without_subtitles(
    oclient, ladder_dir
):
    file_id = await packaged_movie(oclient, ladder_dir, "Harbour Lights")
    made = await make_download(oclient, file_id)
    default = next(a for a in ladder_dir.audio if a["default"])
    assert made["height"] == 240 and made["audio"] == default["name"] and made["subtitles"] == []
    data = await (await oclient.get(made["url"])).read()
    with av.open(io.BytesIO(data)) as container:
        assert len(container.streams.audio) == 1 and not container.streams.subtitles
        assert container.streams.audio[0].language == "eng"
    listed = await (await oclient.get("/api/v1/offline/downloads")).json()
    assert listed["downloads"][0]["size"] == len(data) and listed["held"] == 1


async def test_bad_choices_are_refused_with_the_field(oclient, ladder_dir):
    file_id = await packaged_movie(oclient, ladder_dir, "Harbour Lights")
    csrf = await csrf_from(oclient, "/profiles")
    for body, field in (
        ({"audio": "9_xx_2ch"}, "audio"),
        ({"subtitles": ["klingon"]}, "subtitles"),
        ({"rung": "2160p"}, "rung"),
    ):
        resp = await api(
            oclient, "POST", "/api/v1/offline/downloads", {"media_file_id": file_id} | body,
            csrf=csrf,
        )  # fmt: skip
        assert resp.status == 400, await resp.text()
        assert field in await resp.text()
    resp = await oclient.get("/api/v1/media/999999/download-options")
    assert resp.status == 404

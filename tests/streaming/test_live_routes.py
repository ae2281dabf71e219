"""On-the-fly HLS over HTTP, as a player sees it: playlists, segments, restarts, limits, tokens."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from pathlib import Path

import av
import m3u8
import pytest

from mediaserver.keys import db_key, secret_key
from mediaserver.streaming import tokens
from mediaserver.streaming.keys import active_streams_key, live_sessions_key
from tests.media.test_live_engine import make_gop_clip, packets
from tests.media_factory import make_truncated
from tests.streaming.helpers import add_probed_file, media_token

L = 2.0


@pytest.fixture(scope="module")
def live_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_gop_clip(tmp_path_factory.mktemp("liveclips") / "clip.mkv", seconds=7)


@pytest.fixture
async def live(make_app, aiohttp_client, media_dir: Path, live_clip: Path, tmp_path: Path):
    """(client, file id, token maker) for a 7 s H.264/AAC MKV in the library."""
    app = make_app(streaming={"max_sessions": 2, "idle_timeout_seconds": 5})
    client = await aiohttp_client(app)
    target = media_dir / "clip.mkv"
    target.write_bytes(live_clip.read_bytes())
    file_id = await add_probed_file(app[db_key], media_dir, target)

    def token(media_file_id: int = file_id, max_height: int = 0) -> str:
        return media_token(app, media_file_id, max_height=max_height)

    return client, file_id, token


def decoded_times(path: Path) -> list[float]:
    """The presentation times of the video frames FFmpeg decodes from `path`, up to where it
    can no longer read it."""
    times = []
    with av.open(str(path)) as container, contextlib.suppress(av.FFmpegError):
        for frame in container.decode(container.streams.video[0]):
            times.append(float(frame.pts * frame.time_base))
    return sorted(times)


async def fetch(client, url: str, status: int = 200) -> bytes:
    resp = await client.get(url)
    body = await resp.read()
    assert resp.status == status, (url, resp.status, body[:300])
    return body


async def test_transcode_plays_like_a_player_would(live) -> None:
    client, _file_id, token = live
    base = f"/media/t/{token()}/live/transcode/a1"
    master = m3u8.loads((await fetch(client, f"{base}/master.m3u8")).decode())
    assert master.is_variant
    variant = master.playlists[0]
    assert variant.stream_info.resolution == (192, 108)
    assert "mp4a.40.2" in variant.stream_info.codecs
    assert variant.stream_info.bandwidth > 0
    rung = variant.uri.split("/")[0]
    media = m3u8.loads((await fetch(client, f"{base}/{variant.uri}")).decode())
    assert media.playlist_type == "vod" and media.is_endlist
    durations = [s.duration for s in media.segments]
    assert durations[:3] == [2.0, 2.0, 2.0] and durations[3] == pytest.approx(1.0, abs=1 / 24)
    init = await fetch(client, f"{base}/{rung}/init.mp4")
    data = init
    for n, segment in enumerate(media.segments):
        resp = await client.get(f"{base}/{rung}/{segment.uri}")
        body = await resp.read()
        assert resp.status == 200
        assert "immutable" in resp.headers["Cache-Control"]
        got = packets(init + body)
        first = min(p for p, _ in got["video"])
        end = max(p + d for p, d in got["video"])
        assert abs(first - n * L) < 1e-3
        assert abs(end - first - segment.duration) <= 1 / 24 + 1e-3
        data += body
    video = sorted(packets(data)["video"])
    assert len(video) == 7 * 24
    assert all(abs(a + d - b) < 1e-3 for (a, d), (b, _) in zip(video, video[1:], strict=False))


async def test_a_far_request_restarts_the_session_at_that_segment(live) -> None:
    client, file_id, token = live
    base = f"/media/t/{token()}/live/transcode/a1/360p"
    await fetch(client, f"{base}/seg_00000.m4s")
    init = await fetch(client, f"{base}/init.mp4")
    service = client.app[live_sessions_key]
    first_run = next(iter(service.manager.sessions.values())).run
    for _ in range(1500):  # let the first run finish what it runs ahead, however slow the machine
        if first_run.done:
            break
        await asyncio.sleep(0.02)
    assert first_run.done
    # A cold cache, as if another viewer jumped straight to the end.
    service.cache.drop_file(file_id)
    service._sources.clear()
    seg3 = await fetch(client, f"{base}/seg_00003.m4s")
    got = packets(init + seg3)
    assert abs(min(p for p, _ in got["video"]) - 3 * L) < 1e-3
    session = next(iter(service.manager.sessions.values()))
    assert session.run.start == 3


async def test_cached_segments_are_served_without_an_encoder(live) -> None:
    client, _file_id, token = live
    base = f"/media/t/{token()}/live/transcode/a1/360p"
    first = await fetch(client, f"{base}/seg_00001.m4s")
    manager = client.app[live_sessions_key].manager
    await manager.close()
    manager.closed = False
    other = f"/media/t/{token()}/live/transcode/a1/360p"  # a new play: no session of its own
    assert await fetch(client, f"{other}/seg_00001.m4s") == first
    assert manager.running_count() == 0


def _alive_threads(manager) -> list[threading.Thread]:
    return [
        s.run.thread
        for s in manager.sessions.values()
        if s.run is not None and s.run.thread is not None and s.run.thread.is_alive()
    ]


async def test_more_sessions_than_allowed_get_503(live) -> None:
    client, _file_id, token = live
    manager = client.app[live_sessions_key].manager
    manager.run_ahead = 1
    urls = [f"/media/t/{token()}/live/transcode/a1/360p/seg_00000.m4s" for _ in range(6)]
    answers = await asyncio.gather(*(client.get(url) for url in urls))
    statuses = sorted(resp.status for resp in answers)
    assert statuses.count(200) == 2 and statuses.count(503) == 4
    refused = next(resp for resp in answers if resp.status == 503)
    assert int(refused.headers["Retry-After"]) > 0
    await manager.close()
    assert not _alive_threads(manager)


async def test_idle_sessions_are_stopped(live) -> None:
    client, _file_id, token = live
    await fetch(client, f"/media/t/{token()}/live/transcode/a1/360p/seg_00000.m4s")
    manager = client.app[live_sessions_key].manager
    assert manager.sessions
    threads = [s.run.thread for s in manager.sessions.values()]
    assert manager.reap_idle(now=10**9) == 1
    await asyncio.to_thread(lambda: [t.join(5) for t in threads])
    assert not manager.sessions and not any(t.is_alive() for t in threads)


async def test_a_stopped_play_ends_its_sessions(live) -> None:
    client, _file_id, token = live
    value = token()
    grant = tokens.verify(client.app[secret_key], value)
    registry = client.app[active_streams_key]
    registry.register(grant, method="transcode", reason="test", client="test", title="t", rung=None)
    await fetch(client, f"/media/t/{value}/live/transcode/a1/360p/seg_00000.m4s")
    manager = client.app[live_sessions_key].manager
    assert manager.sessions
    assert registry.stop(grant.play_id)  # what the admin's Stop button does
    assert not manager.sessions
    await fetch(client, f"/media/t/{value}/live/transcode/a1/360p/seg_00001.m4s", 403)


async def test_bad_input_gets_clear_answers(live) -> None:
    client, file_id, token = live
    base = f"/media/t/{token()}/live"
    await fetch(client, f"{base}/transcode/a1/360p/seg_00004.m4s", 404)  # past the end
    await fetch(client, f"{base}/transcode/a1/360p/seg_-0001.m4s", 404)
    await fetch(client, f"{base}/transcode/a1/999p/index.m3u8", 404)
    await fetch(client, f"{base}/transcode/a1/1080p/index.m3u8", 404)  # above the source
    await fetch(client, f"{base}/copy/a1/master.m3u8", 404)
    await fetch(client, f"{base}/transcode/a7/master.m3u8", 404)  # no such audio stream
    await fetch(client, f"{base}/transcode/a0/master.m3u8", 404)  # stream 0 is the video
    await fetch(client, f"{base}/transcode/a1-s9/master.m3u8", 404)  # no such subtitle
    await fetch(client, f"{base}/transcode/a1/..%2f..%2fetc/index.m3u8", 404)
    await fetch(client, "/media/t/garbage/live/transcode/a1/master.m3u8", 404)
    await fetch(client, f"/media/t/{token()[:-2]}AA/live/transcode/a1/master.m3u8", 401)
    await fetch(client, f"/media/t/{token(file_id + 99)}/live/transcode/a1/master.m3u8", 404)
    small = f"/media/t/{token(max_height=100)}/live/transcode/a1/master.m3u8"
    await fetch(client, small, 404)  # no rung fits under the token's cap


async def test_a_broken_source_fails_clearly_and_the_server_goes_on(
    live, media_dir: Path, live_clip: Path
) -> None:
    client, _file_id, token = live
    target = media_dir / "broken.mkv"
    target.write_bytes(live_clip.read_bytes())
    file_id = await add_probed_file(client.app[db_key], media_dir, target)
    make_truncated(live_clip, target, 9000)  # the file went bad after the scan
    resp = await client.get(
        f"/media/t/{token(file_id)}/live/transcode/a1/360p/seg_00001.m4s",
        headers={"Accept": "application/json"},
    )
    assert 400 <= resp.status < 500, await resp.text()
    assert (await resp.json())["detail"]
    assert (await client.get("/health")).status == 200


@pytest.mark.parametrize("mode", ["transcode", "remux"])
async def test_a_file_cut_short_plays_what_it_holds_and_404s_the_rest(
    live, media_dir: Path, live_clip: Path, mode: str
) -> None:
    """Cut at half after the scan (which saw 7 s): the playlist lists what can still be read,
    those segments play, and any segment past the cut is a clean 404, never a 500."""
    client, _file_id, token = live
    target = media_dir / "cut.mkv"
    target.write_bytes(live_clip.read_bytes())
    file_id = await add_probed_file(client.app[db_key], media_dir, target)
    make_truncated(live_clip, target, live_clip.stat().st_size // 2)
    decodable = decoded_times(target)  # what can still be decoded, as FFmpeg sees it
    readable = decodable[-1] + 1 / 24
    assert 2.5 < readable < 5
    rung = "360p" if mode == "transcode" else "source"
    base = f"/media/t/{token(file_id)}/live/{mode}/a1/{rung}"
    media = m3u8.loads((await fetch(client, f"{base}/index.m3u8")).decode())
    listed = sum(s.duration for s in media.segments)
    assert readable <= listed + 0.1 and listed < readable + 1
    init = await fetch(client, f"{base}/init.mp4")
    frames = 0
    for segment in media.segments:
        body = await fetch(client, f"{base}/{segment.uri}")
        frames += len(packets(init + body)["video"])
    assert frames == len(decodable)
    for n in range(len(media.segments), 5):  # past the cut, up to the scanned length and beyond
        resp = await client.get(f"{base}/seg_{n:05d}.m4s", headers={"Accept": "application/json"})
        assert resp.status == 404, await resp.text()
    assert (await client.get("/health")).status == 200


async def test_remux_of_mkv_plays_start_to_end_over_http(live) -> None:
    client, _file_id, token = live
    path = f"/media/t/{token()}/live/remux/a1/master.m3u8"
    url = str(client.make_url(path))
    master = m3u8.loads((await fetch(client, path)).decode())
    assert [p.uri for p in master.playlists] == ["source/index.m3u8"]
    assert master.playlists[0].stream_info.codecs.startswith("avc1.")

    def play() -> tuple[int, float]:
        frames, last = 0, 0.0
        with av.open(url, options={"protocol_whitelist": "http,tcp"}) as container:
            for frame in container.decode(container.streams.video[0]):
                frames += 1
                last = float(frame.pts * frame.time_base)
        return frames, last

    frames, last = await asyncio.to_thread(play)
    assert frames == 7 * 24
    assert last == pytest.approx(7 - 1 / 24, abs=0.1)


async def test_live_media_is_open_to_cast_receivers_without_cookies(live) -> None:
    """CORS on the live routes too (GET and the Range preflight), never with credentials."""
    client, _file_id, token = live
    client.session.cookie_jar.clear()
    base = f"/media/t/{token()}/live/transcode/a1"
    resp = await client.get(f"{base}/master.m3u8", headers={"Origin": "https://cast.example"})
    assert resp.status == 200 and resp.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in resp.headers
    resp = await client.options(
        f"{base}/360p/seg_00000.m4s",
        headers={
            "Origin": "https://cast.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "range",
        },
    )
    assert resp.status in (200, 204)
    assert "Range" in resp.headers["Access-Control-Allow-Headers"]

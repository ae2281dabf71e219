"""On-the-fly sessions under stress: many plays at once (503 + Retry-After, no leaked threads), a
viewer seeking wildly, a client that goes away mid-segment (the encoder stops), shutdown while
encoding, a source that breaks half way, and first-segment priority."""

from __future__ import annotations

import asyncio
import gc
import os
import threading
import time
from pathlib import Path

import pytest

from mediaserver.keys import db_key
from mediaserver.media.ladder.rungs import RungPlan
from mediaserver.media.live.keyframes import grid_timeline
from mediaserver.media.live.session import LiveSpec
from mediaserver.streaming import sessions as sessions_module
from mediaserver.streaming.keys import live_sessions_key
from mediaserver.streaming.segment_cache import SegmentCache
from mediaserver.streaming.sessions import SessionManager, SessionsFull
from tests.media.test_live_engine import make_gop_clip, packets
from tests.media_factory import make_video
from tests.streaming.helpers import add_probed_file, media_token


def live_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("live-") and t.is_alive()]


async def wait_until(check, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.02)


@pytest.fixture(scope="module")
def stress_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_gop_clip(tmp_path_factory.mktemp("stress") / "clip.mkv", seconds=7)


@pytest.fixture
async def served(make_app, aiohttp_client, media_dir: Path, stress_clip: Path):
    app = make_app(streaming={"max_sessions": 2, "idle_timeout_seconds": 5})
    client = await aiohttp_client(app)
    target = media_dir / "clip.mkv"
    target.write_bytes(stress_clip.read_bytes())
    file_id = await add_probed_file(app[db_key], media_dir, target)

    def token(media_file_id: int = file_id) -> str:
        return media_token(app, media_file_id)

    yield client, file_id, token
    await app[live_sessions_key].manager.close()
    assert not live_threads()


async def test_hundreds_of_plays_get_503_with_retry_after_and_leak_no_thread(
    served, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _file_id, token = served
    manager = client.app[live_sessions_key].manager
    # The first two sessions hold until every request is in (else later plays would simply
    # find segment 0 made and cached: segments are shared between plays of a file).
    gate, real = threading.Event(), sessions_module.run_live

    def held(spec, start, hooks) -> None:
        while not gate.wait(0.01):
            if hooks.should_stop():
                return
        real(spec, start, hooks)

    monkeypatch.setattr(sessions_module, "run_live", held)
    urls = [f"/media/t/{token()}/live/transcode/a1/360p/seg_00000.m4s" for _ in range(150)]
    requests = [asyncio.create_task(client.get(url)) for url in urls]
    await wait_until(lambda: sum(r.done() for r in requests) >= 148, 60)
    assert len(live_threads()) == 2 and manager.running_count() == 2
    gate.set()
    answers = await asyncio.gather(*requests)
    statuses = [resp.status for resp in answers]
    assert statuses.count(200) == 2 and statuses.count(503) == 148
    for resp in answers:
        if resp.status == 503:
            assert int(resp.headers["Retry-After"]) > 0
        resp.release()
    await manager.close()
    assert not live_threads()
    assert not manager.sessions


async def test_a_viewer_seeking_wildly_keeps_one_session_and_gets_every_segment(served) -> None:
    client, file_id, token = served
    base = f"/media/t/{token()}/live/transcode/a1/360p"
    service = client.app[live_sessions_key]
    for n in (3, 0, 2, 0, 3, 1):
        service.cache.drop_file(file_id)  # cold each time: every jump restarts the session
        service._sources.clear()
        resp = await client.get(f"{base}/seg_{n:05d}.m4s")
        assert resp.status == 200, await resp.text()
        body = await resp.read()
        init_resp = await client.get(f"{base}/init.mp4")
        assert init_resp.status == 200, await init_resp.text()
        init = await init_resp.read()
        got = packets(init + body)
        assert abs(min(p for p, _ in got["video"]) - 2.0 * n) < 1e-3
    assert len(service.manager.sessions) == 1
    await wait_until(lambda: len(live_threads()) <= 1)  # the replaced runs ended


async def test_a_source_that_breaks_half_way(served, media_dir: Path, stress_clip: Path) -> None:
    client, _file_id, token = served
    target = media_dir / "half.mkv"
    target.write_bytes(stress_clip.read_bytes())
    file_id = await add_probed_file(client.app[db_key], media_dir, target)
    data = bytearray(stress_clip.read_bytes())
    half = len(data) // 2
    data[half:] = bytes(len(data) - half)  # the second half went bad after the scan
    target.write_bytes(bytes(data))
    base = f"/media/t/{token(file_id)}/live/transcode/a1/360p"
    first = await client.get(f"{base}/seg_00000.m4s")
    assert first.status == 200  # what is still there plays
    late = await client.get(f"{base}/seg_00003.m4s", headers={"Accept": "application/json"})
    assert late.status == 404, await late.text()  # missing, as players expect: not a 500
    assert "past the end" in (await late.json())["detail"]  # the playlist ends at the damage
    assert (await client.get("/health")).status == 200
    await wait_until(lambda: not live_threads())


async def test_a_client_that_disconnects_mid_segment_stops_the_encoder_over_http(
    make_app, aiohttp_client, media_dir: Path, stress_clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sessions_module, "ABANDON_SECONDS", 0.3)
    gate, real = threading.Event(), sessions_module.run_live
    ended = threading.Event()

    def held(spec, start, hooks) -> None:  # the segment takes until the gate opens
        try:
            while not gate.wait(0.01):
                if hooks.should_stop():
                    return
            real(spec, start, hooks)
        finally:
            ended.set()

    monkeypatch.setattr(sessions_module, "run_live", held)
    app = make_app(streaming={"max_sessions": 2})
    # As in production (cli.py): a disconnect cancels the handler.
    client = await aiohttp_client(app, server_kwargs={"handler_cancellation": True})
    target = media_dir / "clip.mkv"
    target.write_bytes(stress_clip.read_bytes())
    file_id = await add_probed_file(app[db_key], media_dir, target)
    token = media_token(app, file_id)
    manager = app[live_sessions_key].manager
    url = f"/media/t/{token}/live/transcode/a1/360p/seg_00000.m4s"
    request = asyncio.create_task(client.get(url))
    await wait_until(lambda: manager.sessions and live_threads())  # waiting for its segment
    request.cancel()  # the player gives up and hangs up
    with pytest.raises(asyncio.CancelledError):
        await request
    await wait_until(lambda: not manager.sessions)  # dropped ABANDON_SECONDS later
    await asyncio.to_thread(ended.wait, 5)
    assert ended.is_set()
    await wait_until(lambda: not live_threads())  # the thread returns just after `ended`


# -- the manager on its own, with a stand-in encoder that takes as long as the test wants ---------


class SlowEncoder:
    """Stands in for run_live: writes the init, then one segment per `release()`, stopping when
    told. Records how far it got."""

    def __init__(self) -> None:
        self.gate = threading.Semaphore(0)
        self.started: list[int] = []
        self.stopped = threading.Event()

    def release(self, count: int = 1) -> None:
        for _ in range(count):
            self.gate.release()

    def __call__(self, spec: LiveSpec, start: int, hooks) -> None:
        self.started.append(start)
        hooks.on_init(b"init")
        for n in range(start, spec.timeline.count):
            if not hooks.wait_turn(n):
                break
            while not self.gate.acquire(timeout=0.01):
                if hooks.should_stop():
                    self.stopped.set()
                    return
            hooks.on_segment(n, b"segment %d" % n)
        self.stopped.set()


@pytest.fixture
async def manager(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    encoder = SlowEncoder()
    monkeypatch.setattr(sessions_module, "run_live", encoder)
    cache = SegmentCache(tmp_path / "cache", 10**9)
    made = SessionManager(cache, max_sessions=2, run_ahead=2, idle_timeout=60, wait_seconds=5)
    made.start()
    made.encoder = encoder  # type: ignore[attr-defined]
    yield made
    await made.close()
    assert not live_threads()


def spec_for(tmp_path: Path) -> LiveSpec:
    return LiveSpec(tmp_path / "x.mkv", "transcode", grid_timeline(40.0, 2.0), 1)


async def test_a_client_that_goes_away_mid_segment_stops_the_encoder(
    manager: SessionManager, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sessions_module, "ABANDON_SECONDS", 0.2)
    key = ("play", 1, "transcode", "a1", "360p")
    folder = tmp_path / "seg"
    waiting = asyncio.create_task(manager.segment(key, lambda: spec_for(tmp_path), folder, 0))
    await wait_until(lambda: manager.encoder.started)
    waiting.cancel()  # what aiohttp does when the client disconnects
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await wait_until(lambda: key not in manager.sessions)
    await wait_until(manager.encoder.stopped.is_set)
    await wait_until(lambda: not live_threads())


async def test_a_request_in_the_meantime_keeps_the_session(
    manager: SessionManager, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sessions_module, "ABANDON_SECONDS", 0.2)
    key = ("play", 1, "transcode", "a1", "360p")
    folder = tmp_path / "seg"
    waiting = asyncio.create_task(manager.segment(key, lambda: spec_for(tmp_path), folder, 0))
    await wait_until(lambda: manager.encoder.started)
    waiting.cancel()
    again = asyncio.create_task(manager.segment(key, lambda: spec_for(tmp_path), folder, 0))
    manager.encoder.release()
    assert (await again).read_bytes() == b"segment 0"
    await asyncio.sleep(0.4)
    assert key in manager.sessions


async def test_shutdown_while_encoding_ends_every_thread(
    manager: SessionManager, tmp_path: Path
) -> None:
    tasks = [
        asyncio.create_task(
            manager.segment(
                (f"play{i}", 1, "transcode", "a1", "360p"),
                lambda: spec_for(tmp_path),
                tmp_path / f"f{i}",
                0,
            )
        )
        for i in range(2)
    ]
    await wait_until(lambda: len(manager.encoder.started) == 2)
    assert len(live_threads()) == 2
    started = time.monotonic()
    await manager.close()
    assert time.monotonic() - started < 2
    assert not live_threads() and not manager.sessions
    for task in tasks:
        with pytest.raises(Exception):  # noqa: B017 - SessionFailed or cancelled: never a hang
            await asyncio.wait_for(task, 2)


async def test_past_the_limit_is_refused_at_once(manager: SessionManager, tmp_path: Path) -> None:
    for i in range(2):
        asyncio.create_task(
            manager.segment(
                (f"p{i}", 1, "transcode", "a1", "360p"),
                lambda: spec_for(tmp_path),
                tmp_path / f"f{i}",
                0,
            )
        )
    await wait_until(lambda: len(manager.encoder.started) == 2)
    with pytest.raises(SessionsFull):
        await manager.segment(
            ("p9", 1, "transcode", "a1", "360p"), lambda: spec_for(tmp_path), tmp_path / "g", 0
        )
    assert len(live_threads()) == 2


async def test_first_segments_come_before_other_sessions_run_ahead(
    manager: SessionManager, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Session one runs ahead freely until session two starts; then it makes only the segment
    after the requested one (which closes it) until two's first segment is out."""
    held = threading.Event()
    made: dict[str, list[int]] = {"one": [], "two": []}

    def instant(spec: LiveSpec, start: int, hooks) -> None:
        name = spec.source.name
        hooks.on_init(b"init")
        for n in range(start, spec.timeline.count):
            if not hooks.wait_turn(n):
                return
            while name == "two" and not held.wait(0.01):
                if hooks.should_stop():
                    return
            made[name].append(n)
            hooks.on_segment(n, b"x")

    monkeypatch.setattr(sessions_module, "run_live", instant)

    def spec(name: str) -> LiveSpec:
        return LiveSpec(tmp_path / name, "transcode", grid_timeline(40.0, 2.0), 1)

    one = ("one", 1, "transcode", "a1", "360p")
    await manager.segment(one, lambda: spec("one"), tmp_path / "1", 0)
    await wait_until(lambda: made["one"] == [0, 1, 2])  # requested 0 + run_ahead 2
    second = asyncio.create_task(
        manager.segment(
            ("two", 1, "transcode", "a1", "360p"), lambda: spec("two"), tmp_path / "2", 0
        )
    )
    await wait_until(lambda: manager.starting)  # two is making its first segment
    manager.touch(one, 5)  # the player moved on to segment 5: one could make up to 7 ...
    await asyncio.sleep(0.3)
    # ... but two is making its first segment: one makes only 3, 4, 5 and 6 (5 is requested,
    # 6 closes it), not its run-ahead.
    assert made["one"] == [0, 1, 2, 3, 4, 5, 6]
    held.set()
    await second
    await wait_until(lambda: made["one"][-1] == 7)  # then it catches up


async def test_a_seek_in_a_badly_interleaved_file_does_not_stall(
    make_app, aiohttp_client, tmp_path
):
    """In this file the audio is stored seconds after the video of the same time (as many muxers
    leave it), and the segments are small: the muxer holds video back until audio arrives. A play
    that starts far into it (init first, then a segment past the run-ahead) must still get its
    segment promptly, not wait for a timeout (a bug once answered 503 after 30 s)."""

    media = tmp_path / "media"
    media.mkdir()
    clip = make_video(media / "late.mkv", seconds=30, width=640, height=360, fps=24,
                      subtitle_tracks=())  # fmt: skip
    app = make_app()
    client = await aiohttp_client(app)
    app[live_sessions_key].manager.wait_seconds = 8  # fail fast instead of after 30 s
    file_id = await add_probed_file(app[db_key], media, clip)
    token = media_token(app, file_id)
    base = f"/media/t/{token}/live/transcode/a1/360p"
    assert (await client.get(f"{base}/init.mp4")).status == 200
    resp = await client.get(f"{base}/seg_00004.m4s")
    assert resp.status == 200, await resp.text()
    got = packets((await (await client.get(f"{base}/init.mp4")).read()) + await resp.read())
    assert abs(min(p for p, _ in got["video"]) - 8.0) < 1e-3


def native_threads() -> int:
    """Threads of this process as the kernel counts them (FFmpeg's and x264's included)."""
    return len(os.listdir("/proc/self/task"))


async def test_stopped_sessions_leave_no_thread_behind(stress_clip: Path, tmp_path: Path) -> None:
    """50 plays one after the other, each stopped as idle once its first segment is out (viewers
    who give up after a few seconds): the process's threads, native ones included, come back to
    where they were. The garbage collector is off meanwhile, so only what a stopped session lets
    go of itself counts: sessions that waited for the collector piled up decoder and encoder
    threads (and their memory) between its runs."""
    cache = SegmentCache(tmp_path / "cache", 10**9)
    manager = SessionManager(cache, max_sessions=2, run_ahead=1, idle_timeout=60)
    manager.start()
    plan = RungPlan("360p", 192, 108, 300_000, 450_000, 600_000)
    timeline = grid_timeline(7.0, 2.0)
    spec = LiveSpec(stress_clip, "transcode", timeline, 1, rung=plan, threads=2, decode_threads=2)

    async def play(i: int) -> None:
        key = (f"play{i}", 1, "transcode", "a1", "360p")
        await manager.segment(key, lambda: spec, tmp_path / f"f{i}", 0)
        thread = manager.sessions[key].run.thread
        assert manager.reap_idle(now=time.monotonic() + 3600) == 1
        await wait_until(lambda: not thread.is_alive())

    await play(-1)
    gc.collect()
    python, native = threading.active_count(), native_threads()
    gc.disable()
    try:
        for i in range(50):
            await play(i)
            # A little room for threads other tests left behind that end or start meanwhile.
            assert native_threads() <= native + 2, f"after {i + 1} sessions"
    finally:
        gc.enable()
        await manager.close()
    assert threading.active_count() <= python + 1 and native_threads() <= native + 2

"""Bitmap (PGS) subtitles: probed as burn-in only, recorded so by packaging, and drawn into the
picture of an on-the-fly transcode, at the start and after a restart mid-cue."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import av
import pytest

from mediaserver.keys import config_key, db_key
from mediaserver.media.ladder.rungs import LadderProfile, plan_rungs
from mediaserver.media.live.keyframes import grid_timeline
from mediaserver.media.live.session import LiveSpec, run_live
from mediaserver.media.probe import probe_file
from mediaserver.packaging import store as packaging_store
from mediaserver.packaging.work import Plan, convert_subtitles
from mediaserver.streaming.keys import live_sessions_key
from tests.media.test_live_engine import Collect
from tests.pgs_factory import make_pgs_clip, make_vobsub_clip
from tests.streaming.helpers import add_probed_file, media_token

BOX = (80, 140, 160, 24)  # x, y, w, h of the white subtitle rectangle, in a 320x180 picture
CUE = (0.5, 2.5)
FPS = 24


@pytest.fixture(scope="module")
def pgs_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_pgs_clip(tmp_path_factory.mktemp("pgs") / "pgs.mkv", box=BOX, cues=(CUE,))


def brightness(data: bytes) -> list[tuple[float, int, int]]:
    """(time, luma inside the box, luma well above it) of every frame of an init+segment."""
    x, y, w, h = BOX
    found = []
    with av.open(io.BytesIO(data)) as container:
        for frame in container.decode(video=0):
            assert (frame.width, frame.height) == (320, 180)
            plane = frame.planes[0]
            rows = bytes(plane)
            stride = plane.line_size
            inside = rows[(y + h // 2) * stride + x + w // 2]
            outside = rows[(y - 60) * stride + x + w // 2]
            found.append((float(frame.time), inside, outside))
    return found


def check_cue(frames: list[tuple[float, int, int]]) -> None:
    assert frames
    for at, inside, outside in frames:
        assert outside < 40, (at, outside)  # the rest of the picture stays dark
        if CUE[0] + 0.05 <= at < CUE[1] - 0.05:
            assert inside > 200, (at, inside)  # the subtitle is drawn, white
        elif at < CUE[0] - 0.05 or at >= CUE[1] + 0.05:
            assert inside < 40, (at, inside)  # and only while it is shown


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs the ffmpeg CLI")
def test_vobsub_is_burned_in_with_its_own_palette(pgs_clip: Path, tmp_path: Path) -> None:
    vobsub = make_vobsub_clip(pgs_clip, tmp_path / "vobsub.mkv")
    probe = probe_file(vobsub)
    assert [(s.index, s.codec, s.is_bitmap) for s in probe.subtitles] == [(2, "dvd_subtitle", True)]
    plan = plan_rungs(LadderProfile(rungs=("360p",)), 320, 180)[0]
    spec = LiveSpec(
        vobsub, "transcode", grid_timeline(4.0, 2.0), 1, burn_index=2, rung=plan,
        preset="ultrafast", level="3.0",
    )  # fmt: skip
    for start in (0, 1):
        hooks = Collect()
        run_live(spec, start, hooks)
        frames = []
        for n in sorted(hooks.segments):
            frames += brightness(hooks.init + hooks.segments[n])
        assert len(frames) == (4 - 2 * start) * FPS
        check_cue(frames)


def test_the_probe_records_pgs_as_a_bitmap_subtitle(pgs_clip: Path) -> None:
    probe = probe_file(pgs_clip)
    assert len(probe.subtitles) == 1
    track = probe.subtitles[0]
    assert (track.index, track.codec, track.is_bitmap) == (2, "hdmv_pgs_subtitle", True)
    assert track.language == "fre"


async def test_packaging_records_pgs_as_burn_in_only(
    make_app, aiohttp_client, media_dir: Path, pgs_clip: Path, tmp_path: Path
) -> None:
    app = (await aiohttp_client(make_app())).app
    target = media_dir / "pgs.mkv"
    target.write_bytes(pgs_clip.read_bytes())
    file_id = await add_probed_file(app[db_key], media_dir, target)
    source = await packaging_store.load_source(app[db_key], file_id, app[config_key].paths.data_dir)
    assert source is not None
    plan = Plan(source=target, roots=[str(media_dir)], subtitles=source.subtitles, profile=None)
    entries = convert_subtitles(plan, tmp_path / "out" / "ladder")
    assert len(entries) == 1
    assert entries[0].burn_in_only is True and entries[0].track.language == "fre"
    assert entries[0].vtt is None and entries[0].error is None


async def test_burn_in_over_http_at_the_start_and_after_a_restart(
    make_app, aiohttp_client, media_dir: Path, pgs_clip: Path
) -> None:
    app = make_app(streaming={"max_sessions": 2})
    client = await aiohttp_client(app)
    target = media_dir / "pgs.mkv"
    target.write_bytes(pgs_clip.read_bytes())
    file_id = await add_probed_file(app[db_key], media_dir, target)
    token = media_token(app, file_id)
    base = f"/media/t/{token}/live/transcode/a1-s2"
    resp = await client.get(f"{base}/master.m3u8")
    assert resp.status == 200, await resp.text()
    assert "360p/index.m3u8" in await resp.text()
    frames = []
    for n in (0, 1):
        resp = await client.get(f"{base}/360p/seg_{n:05d}.m4s")
        assert resp.status == 200, await resp.text()
        segment = await resp.read()
        init = await (await client.get(f"{base}/360p/init.mp4")).read()
        frames += brightness(init + segment)
    assert len(frames) == 4 * FPS
    check_cue(frames)
    # A viewer who jumps to 2 s (mid-cue) on a cold cache: the restarted session draws the cue
    # that began before its start.
    service = app[live_sessions_key]
    service.manager.stop_file(file_id)
    service.cache.drop_file(file_id)
    service._sources.clear()
    resp = await client.get(f"{base}/360p/seg_00001.m4s")
    assert resp.status == 200, await resp.text()
    segment = await resp.read()
    assert next(iter(service.manager.sessions.values())).run.start == 1
    init = await (await client.get(f"{base}/360p/init.mp4")).read()
    restarted = brightness(init + segment)
    assert [round(t, 3) for t, _i, _o in restarted] == [round(t, 3) for t, _i, _o in frames[48:]]
    check_cue(restarted)
    # Without the subtitle the box stays dark; remux cannot burn in.
    plain = f"/media/t/{token}/live/transcode/a1/360p"
    init = await (await client.get(f"{plain}/init.mp4")).read()
    segment = await (await client.get(f"{plain}/seg_00000.m4s")).read()
    assert all(inside < 40 for _t, inside, _o in brightness(init + segment))
    assert (await client.get(f"/media/t/{token}/live/remux/a1-s2/master.m3u8")).status == 404

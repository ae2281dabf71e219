"""Interlaced sources (TV recordings, DVDs, camcorders): probed as interlaced, and every picture we
encode (ladder and on-the-fly) is deinterlaced, so a moving edge has no comb teeth."""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path

import av
import pytest

from mediaserver.media.filters.deinterlace import Deinterlacer
from mediaserver.media.ladder.build import build_ladder
from mediaserver.media.ladder.rungs import LadderProfile, plan_rungs
from mediaserver.media.live.keyframes import grid_timeline
from mediaserver.media.live.session import LiveSpec, run_live
from mediaserver.media.posters import frame_image
from mediaserver.media.probe import probe_file
from tests.media.test_live_engine import Collect

WIDTH, HEIGHT, FPS = 320, 240, 25
BAR = 40  # pixels wide; moves 6 pixels from one field to the next


def picture(index: int, *, interlaced: bool) -> av.VideoFrame:
    """A bright vertical bar on grey. Interlaced: the bottom field is taken half a frame later,
    so the bar's edges alternate line by line (the comb a browser would show)."""
    frame = av.VideoFrame(WIDTH, HEIGHT, "yuv420p")
    luma = frame.planes[0]
    data = bytearray([40]) * (luma.line_size * HEIGHT)
    for y in range(HEIGHT):
        moment = index + ((y % 2) / 2 if interlaced else 0)
        left = int(20 + moment * 12) % (WIDTH - BAR - 20)
        start = y * luma.line_size + left
        data[start : start + BAR] = bytes([230]) * BAR
    luma.update(bytes(data))
    for plane in frame.planes[1:]:
        plane.update(bytes([128]) * plane.buffer_size)
    return frame


def make_clip(path: Path, *, interlaced: bool, seconds: int = 3) -> Path:
    """H.264 in MKV; interlaced ones are coded as such (x264 interlaced=1, top field first)."""
    options = {"preset": "ultrafast", "g": str(FPS), "x264-params": "scenecut=0"}
    if interlaced:
        options["x264-params"] += ":interlaced=1:tff=1"
    with av.open(str(path), "w", format="matroska") as out:
        stream = out.add_stream("libx264", rate=FPS, options=options)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        for i in range(seconds * FPS):
            frame = picture(i, interlaced=interlaced)
            frame.pts, frame.time_base = i, Fraction(1, FPS)
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return path


def combing(frame: av.VideoFrame) -> float:
    """Mean luma difference between neighbouring lines: the bar's edges alternate line by line
    in a combed picture, and not at all in a clean one."""
    gray = frame.reformat(format="gray")
    plane = gray.planes[0]
    return line_difference(bytes(plane), plane.line_size, gray.width, gray.height)


def line_difference(data: bytes, size: int, width: int, height: int) -> float:
    rows = [data[y * size : y * size + width] for y in range(height)]
    pairs = zip(rows, rows[1:], strict=False)
    total = sum(abs(a - b) for up, down in pairs for a, b in zip(up, down, strict=True))
    return total / (width * (height - 1))


def frames_of(data: bytes) -> list[av.VideoFrame]:
    with av.open(io.BytesIO(data)) as container:
        return list(container.decode(video=0))


@pytest.fixture(scope="module")
def interlaced(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("interlaced") / "tv.mkv", interlaced=True)


@pytest.fixture(scope="module")
def source_combing(interlaced: Path) -> float:
    with av.open(str(interlaced)) as container:
        frames = list(container.decode(video=0))
    assert all(f.interlaced_frame for f in frames)
    return sum(combing(f) for f in frames[5:15]) / 10


def test_probe_says_which_sources_are_interlaced(interlaced: Path, tmp_path: Path) -> None:
    assert probe_file(interlaced).video[0].interlaced is True
    progressive = make_clip(tmp_path / "film.mkv", interlaced=False, seconds=1)
    assert probe_file(progressive).video[0].interlaced is False


def test_deinterlacer_keeps_every_frame_and_its_time(interlaced: Path, source_combing: float):
    with av.open(str(interlaced)) as container:
        stream = container.streams.video[0]
        frames = list(container.decode(stream))
        deinterlace = Deinterlacer(stream.time_base)
        out = [f for frame in frames for f in deinterlace(frame)] + deinterlace.flush()
    assert [f.pts for f in out] == [f.pts for f in frames]
    assert all(f.time_base == stream.time_base for f in out)
    assert sum(combing(f) for f in out[5:15]) / 10 < source_combing / 4


def test_progressive_frames_pass_straight_through(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "film.mkv", interlaced=False, seconds=1)
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        deinterlace = Deinterlacer(stream.time_base)
        for frame in container.decode(stream):
            assert deinterlace(frame) == [frame]  # no filter, no one-frame delay
    assert deinterlace.flush() == []


def test_ladder_of_an_interlaced_source_is_deinterlaced(
    interlaced: Path, source_combing: float, tmp_path: Path
) -> None:
    result = build_ladder(interlaced, tmp_path / "out", LadderProfile(preset="ultrafast"))
    assert result.frames == 3 * FPS
    rung = tmp_path / "out" / "video" / result.rungs[0].name
    init = (rung / "init.mp4").read_bytes()
    frames = frames_of(init + (rung / "seg_00001.m4s").read_bytes())
    assert frames and (frames[0].width, frames[0].height) == (WIDTH, HEIGHT)
    assert sum(combing(f) for f in frames[5:15]) / 10 < source_combing / 4


def test_on_the_fly_transcode_is_deinterlaced(interlaced: Path, source_combing: float) -> None:
    plan = plan_rungs(LadderProfile(rungs=("360p",)), WIDTH, HEIGHT)[0]
    spec = LiveSpec(
        interlaced, "transcode", grid_timeline(3.0, 2.0), None, rung=plan, preset="ultrafast"
    )
    hooks = Collect()
    run_live(spec, 0, hooks)
    assert sorted(hooks.segments) == [0, 1]
    frames = frames_of(hooks.init + hooks.segments[0] + hooks.segments[1])
    assert len(frames) == 3 * FPS  # the frame the filter held back comes out at the end
    assert sum(combing(f) for f in frames[5:15]) / 10 < source_combing / 4


def test_posters_and_scrub_tiles_are_deinterlaced(interlaced: Path, source_combing: float):
    with av.open(str(interlaced)) as container:
        frame = list(container.decode(video=0))[10]
    image = frame_image(frame, WIDTH, HEIGHT).convert("L")
    assert line_difference(image.tobytes(), WIDTH, WIDTH, HEIGHT) < source_combing / 4

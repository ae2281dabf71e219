"""On-the-fly sessions over the sources real libraries hold: MPEG-TS recordings (no index, so
seeks land anywhere) and broken ones (a timestamp jump)."""

from __future__ import annotations

import contextlib
from fractions import Fraction
from pathlib import Path

import av
import pytest

from mediaserver.media.ladder.build import build_ladder
from mediaserver.media.ladder.rungs import LadderProfile, plan_rungs
from mediaserver.media.live.keyframes import grid_timeline
from mediaserver.media.live.session import LiveError, LiveSpec, run_live
from tests.media.test_live_engine import Collect, packets

FPS = 25


def make_ts(
    path: Path, *, seconds: float, gop: int, jump_at: float | None = None, jump: int = 600
) -> Path:
    """H.264 (a keyframe every `gop` frames) + AAC in MPEG-TS. `jump_at`: the file is two
    recordings glued together byte for byte (as `cat a.ts b.ts`), the second's timestamps
    `jump` seconds after where the first stopped (negative: back to where it began)."""
    if jump_at is None:
        _write_ts(path, range(int(seconds * FPS)), 0, gop)
        return path
    split = int(jump_at * FPS)
    first, second = path.with_suffix(".a.ts"), path.with_suffix(".b.ts")
    _write_ts(first, range(split), 0, gop)
    _write_ts(second, range(split, int(seconds * FPS)), jump if jump > 0 else -jump_at, gop)
    path.write_bytes(first.read_bytes() + second.read_bytes())
    return path


def _write_ts(path: Path, frames: range, offset: float, gop: int) -> None:
    with av.open(str(path), "w", format="mpegts") as out:
        video = out.add_stream(
            "libx264",
            rate=FPS,
            options={"preset": "ultrafast", "g": str(gop), "keyint_min": str(gop),
                     "x264-params": "scenecut=0"},
        )  # fmt: skip
        video.width, video.height, video.pix_fmt = 160, 120, "yuv420p"
        sound = out.add_stream("aac", rate=48000)
        sound.layout = "stereo"
        size = sound.codec_context.frame_size or 1024
        samples = frames.start * 48000 // FPS
        for i in frames:
            frame = av.VideoFrame(160, 120, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([(i * 5) % 200 + 16]) * plane.buffer_size)
            frame.pts = i + round(offset * FPS)
            out.mux(video.encode(frame))
            while samples < (i + 1) * 48000 // FPS:
                chunk = av.AudioFrame(format="fltp", layout="stereo", samples=size)
                for plane in chunk.planes:
                    plane.update(b"\x00" * plane.buffer_size)
                chunk.sample_rate, chunk.time_base = 48000, Fraction(1, 48000)
                chunk.pts = samples + round(offset * 48000)
                out.mux(sound.encode(chunk))
                samples += size
        out.mux(video.encode())
        out.mux(sound.encode())


def spec_for(source: Path, duration: float) -> LiveSpec:
    plan = plan_rungs(LadderProfile(rungs=("360p",)), 160, 120)[0]
    return LiveSpec(source, "transcode", grid_timeline(duration, 2.0), 1, rung=plan,
                    preset="ultrafast")  # fmt: skip


def test_a_session_started_mid_ts_begins_exactly_at_its_segment(tmp_path: Path) -> None:
    """MPEG-TS has no index: a seek landed just after the wanted keyframe, so the segment began
    at the next one, seconds late (or failed when there was no next one)."""
    source = make_ts(tmp_path / "recording.ts", seconds=6, gop=30)
    for start in (1, 2):
        hooks = Collect()
        run_live(spec_for(source, 6.0), start, hooks)
        got = packets(hooks.init + hooks.segments[start])
        first = min(p for p, _ in got["video"])
        assert abs(first - 2.0 * start) < 1 / FPS + 0.03  # TS adds its own start offset
        assert len(got["video"]) == 2 * FPS


@pytest.mark.slow  # encodes both halves of a glued recording
def test_a_timestamp_jump_is_an_error_or_a_segment_never_a_crash(tmp_path: Path) -> None:
    """A fragment spanning a ten-minute jump holds thousands of audio samples; its moof outgrew
    the muxer's buffer and came out malformed, an OSError that escaped as a crash."""
    source = make_ts(tmp_path / "glued.ts", seconds=3, gop=25, jump_at=1.5)
    hooks = Collect()
    with contextlib.suppress(LiveError):  # a clear refusal is fine; an OSError is not
        run_live(spec_for(source, 603.0), 0, hooks)
    assert 0 in hooks.segments


@pytest.mark.parametrize("jump", [600, -1])
def test_ladder_of_a_ts_with_a_timestamp_jump_plays_straight_through(tmp_path: Path, jump: int):
    """Two recordings glued together: the second's timestamps jump ten minutes on, or back to
    where the first began. The ladder runs straight through, as the ffmpeg CLI does (before: ten
    minutes of frozen picture, or the second half squeezed into a few milliseconds)."""
    source = make_ts(tmp_path / "glued.ts", seconds=3, gop=25, jump_at=1.5, jump=jump)
    result = build_ladder(source, tmp_path / "out", LadderProfile(preset="ultrafast"))
    assert result.frames == 3 * FPS
    assert 2.9 < result.duration < 3.3
    rung = tmp_path / "out" / "video" / result.rungs[0].name
    init = (rung / "init.mp4").read_bytes()
    video = packets(init + b"".join(p.read_bytes() for p in sorted(rung.glob("seg_*.m4s"))))
    times = sorted(p for p, _ in video["video"])
    steps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(steps) > 0.5 / FPS and max(steps) < 2 / FPS  # evenly spaced: no hole, no pile-up

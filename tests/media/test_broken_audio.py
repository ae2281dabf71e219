"""A title whose audio track does not decode (an exotic codec variant, damage) still plays: the
ladder leaves that track out, the on-the-fly session plays silence in its place."""

from __future__ import annotations

import random
from fractions import Fraction
from pathlib import Path

import av
import pytest

from mediaserver.media.ladder.build import build_ladder
from mediaserver.media.ladder.rungs import LadderProfile, plan_rungs
from mediaserver.media.live.keyframes import grid_timeline, load_or_index, remux_timeline
from mediaserver.media.live.session import LiveSpec, run_live
from tests.media.test_live_engine import Collect, packets

FPS = 25


def make_broken_audio(path: Path, seconds: int = 3, codec: str = "aac") -> Path:
    """H.264 + an audio track of random bytes: AAC ones fail to decode, MP3 ones (no frame
    header) decode to nothing."""
    noise = random.Random(3)
    with av.open(str(path), "w", format="matroska") as out:
        video = out.add_stream("libx264", rate=FPS, options={"preset": "ultrafast"})
        video.width, video.height, video.pix_fmt = 160, 120, "yuv420p"
        sound = out.add_stream(codec, rate=48000)
        sound.layout = "stereo"
        for i in range(seconds * FPS):
            frame = av.VideoFrame(160, 120, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([(i * 5) % 200 + 16]) * plane.buffer_size)
            frame.pts = i
            out.mux(video.encode(frame))
        for i in range(seconds * 48000 // 1152):
            packet = av.Packet(bytes(noise.randrange(256) for _ in range(300)))
            packet.stream = sound
            packet.pts = packet.dts = i * 1152
            packet.time_base = Fraction(1, 48000)
            packet.duration = 1152
            out.mux(packet)
        out.mux(video.encode())
    return path


def test_ladder_leaves_out_an_audio_track_that_does_not_decode(tmp_path: Path) -> None:
    source = make_broken_audio(tmp_path / "film.mkv")
    result = build_ladder(source, tmp_path / "out", LadderProfile(preset="ultrafast"))
    assert result.rungs and result.frames == 3 * FPS
    assert result.audio == ()
    audio = tmp_path / "out" / "audio"
    assert not audio.exists() or not any(audio.iterdir())  # nothing half-made left behind


@pytest.mark.parametrize("codec", ["aac", "libmp3lame"])
def test_on_the_fly_plays_silence_for_an_audio_track_that_gives_none(
    tmp_path: Path, codec: str
) -> None:
    source = make_broken_audio(tmp_path / "film.mkv", codec=codec)
    plan = plan_rungs(LadderProfile(rungs=("360p",)), 160, 120)[0]
    with av.open(str(source)) as probe:
        audio = probe.streams.audio[0].index
    spec = LiveSpec(source, "transcode", grid_timeline(3.0, 2.0), audio, rung=plan,
                    preset="ultrafast")  # fmt: skip
    hooks = Collect()
    run_live(spec, 0, hooks)
    got = packets(hooks.init + hooks.segments[0])
    assert len(got["video"]) == 2 * FPS
    assert got["audio"] and sum(d for _p, d in got["audio"]) > 1.5  # silence, not nothing


def test_remux_plays_silence_for_an_audio_track_that_does_not_decode(tmp_path: Path) -> None:
    """Remux copies AAC as it is; any other codec is decoded and encoded, and silence stands in
    when it gives nothing."""
    source = make_broken_audio(tmp_path / "film.mkv", codec="libmp3lame")
    with av.open(str(source)) as probe:
        audio = probe.streams.audio[0].index
    timeline = remux_timeline(load_or_index(source, tmp_path / "k.json"), 2.0)
    hooks = Collect()
    run_live(LiveSpec(source, "remux", timeline, audio), 0, hooks)
    got = packets(hooks.init + b"".join(hooks.segments[n] for n in sorted(hooks.segments)))
    assert len(got["video"]) == 3 * FPS
    assert got["audio"] and sum(d for _p, d in got["audio"]) > 2.5

"""Every segment of a packaged ladder, the last one included, starts at the same instant on every
rung, so a player switching rungs never sees a repeated or backward timestamp: fractional frame
rates, variable frame rate, interlaced sources, odd durations, and video that starts after the
audio. The boundaries are where the source's frames say: the first frame at or after every
multiple of the segment duration."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from pathlib import Path

import av
import m3u8
import pytest

from mediaserver.media.ladder.build import build_ladder
from mediaserver.media.ladder.rungs import LadderProfile
from mediaserver.media.packaged.bmff import read_init, read_segment
from tests.media.ladder_checks import check_media_playlist

SEGMENT = 2.0
# 640x480 gets two rungs (480p at its own size and 360p); B-frames on, as in production.
PROFILE = LadderProfile(preset="veryfast", segment_seconds=SEGMENT, gop_seconds=SEGMENT)
WIDTH, HEIGHT = 640, 480
MS = Fraction(1, 1000)


def constant(rate: Fraction, seconds: float, offset_ms: int = 0) -> list[int]:
    """Frame times in milliseconds, as Matroska stores them (rounded, so 23.976 fps jitters)."""
    return [offset_ms + round(i * 1000 / rate) for i in range(math.floor(seconds * rate))]


def variable(count: int) -> list[int]:
    """Frames 20, 61 and 35 ms apart in turn: no two neighbouring intervals alike."""
    times, t = [], 0
    for i in range(count):
        times.append(t)
        t += (20, 61, 35)[i % 3]
    return times


def write_source(
    path: Path, times_ms: list[int], *, interlaced: bool = False, audio_seconds: float = 0.0
) -> Path:
    """H.264 in MKV with these frame times, optionally coded interlaced, optionally with a stereo
    AAC track starting at 0."""
    params = "scenecut=0" + (":interlaced=1:tff=1" if interlaced else "")
    with av.open(str(path), "w", format="matroska") as out:
        options = {"preset": "ultrafast", "x264-params": params}
        video = out.add_stream("libx264", rate=25, options=options)
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        video.time_base = video.codec_context.time_base = MS
        audio = out.add_stream("aac", rate=48000) if audio_seconds else None
        if audio is not None:
            audio.layout = "stereo"
        for i, pts in enumerate(times_ms):
            frame = av.VideoFrame(WIDTH, HEIGHT, "yuv420p")
            for n, plane in enumerate(frame.planes):
                plane.update(bytes([(i * 7 + n * 60) % 200 + 20]) * plane.buffer_size)
            frame.pts, frame.time_base = pts, MS
            out.mux(video.encode(frame))
        out.mux(video.encode())
        if audio is not None:
            for start in range(0, int(48000 * audio_seconds), 1024):
                sound = av.AudioFrame(format="fltp", layout="stereo", samples=1024)
                for plane in sound.planes:
                    plane.update(bytes(plane.buffer_size))
                sound.sample_rate, sound.pts, sound.time_base = 48000, start, Fraction(1, 48000)
                out.mux(audio.encode(sound))
            out.mux(audio.encode())
    return path


def expected_starts(times_ms: list[int]) -> list[int]:
    """The index of the first frame at or after every multiple of the segment duration from the
    programme start (0 for every source here)."""
    starts: list[int] = []
    boundary = 0.0
    for index, pts in enumerate(times_ms):
        at = pts / 1000
        if at >= boundary:
            starts.append(index)
            boundary = (math.floor(at / SEGMENT) + 1) * SEGMENT
    return starts


SOURCES = {
    "23.976 fps, 7.3 s": (constant(Fraction(24000, 1001), 7.3), {}),
    "29.97 fps, 7.3 s": (constant(Fraction(30000, 1001), 7.3), {}),
    "variable frame rate": (variable(190), {}),
    "interlaced 25 fps, 7.3 s": (constant(Fraction(25), 7.3), {"interlaced": True}),
    "video starting 0.5 s after the audio": (
        constant(Fraction(25), 6.1, offset_ms=500),
        {"audio_seconds": 6.6},
    ),
}


@pytest.mark.parametrize("name", list(SOURCES))
def test_every_segment_starts_at_the_same_instant_on_every_rung(name: str, tmp_path: Path):
    times, options = SOURCES[name]
    source = write_source(tmp_path / "source.mkv", times, **options)
    out = tmp_path / "out"
    result = build_ladder(source, out, PROFILE)
    assert [r.name for r in result.rungs] == ["480p", "360p"]
    want = expected_starts(times)
    decode_times, durations, presented, first_frames = {}, {}, {}, {}
    for rung in result.rungs:
        folder = out / "video" / rung.name
        init = read_init(folder / "init.mp4")
        playlist = m3u8.load(str(folder / "index.m3u8"))
        decode_times[rung.name] = [
            read_segment(folder / s.uri, init, s.uri).start / init.timescale
            for s in playlist.segments
        ]
        durations[rung.name] = [s.duration for s in playlist.segments]
        decoded = check_media_playlist(out, f"video/{rung.name}/index.m3u8")
        assert all(d.first_is_key for d in decoded)
        assert sum(d.frames for d in decoded) == len(times)
        presented[rung.name] = [d.start for d in decoded]
        counts = [0] + list(itertools.accumulate(d.frames for d in decoded))[:-1]
        first_frames[rung.name] = counts
    # the same boundaries on every rung, whether read from the tfdt boxes, the playlists' EXTINF
    # or the first decoded frame of each segment
    assert decode_times["480p"] == decode_times["360p"]
    assert durations["480p"] == durations["360p"]
    assert presented["480p"] == presented["360p"]
    # and where the source's frames put them, the last one included: each segment begins with
    # the source frame expected there
    for rung in result.rungs:
        assert first_frames[rung.name] == want

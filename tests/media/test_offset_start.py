"""A Matroska file whose timestamps start an hour in (cut from a stream, or written with
-output_ts_offset): FFmpeg's declared duration counts from 0, so it claimed 1 h 3 s, the ladder
called the file truncated and trickplay made 3,600 tiles."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av

from mediaserver.media.ladder.build import build_ladder
from mediaserver.media.ladder.rungs import LadderProfile
from mediaserver.media.probe import probe_file
from mediaserver.media.trickplay import make_trickplay

FPS = 25
OFFSET = 3600


def make_late_start(path: Path, seconds: int = 3) -> Path:
    with av.open(str(path), "w", format="matroska") as out:
        video = out.add_stream("libx264", rate=FPS, options={"preset": "ultrafast"})
        video.width, video.height, video.pix_fmt = 160, 120, "yuv420p"
        sound = out.add_stream("aac", rate=48000)
        sound.layout = "stereo"
        for i in range(seconds * FPS):
            frame = av.VideoFrame(160, 120, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([(i * 5) % 200 + 16]) * plane.buffer_size)
            frame.pts, frame.time_base = OFFSET * FPS + i, Fraction(1, FPS)
            out.mux(video.encode(frame))
        out.mux(video.encode())
        size = sound.codec_context.frame_size or 1024
        for i in range(seconds * 48000 // size):
            chunk = av.AudioFrame(format="fltp", layout="stereo", samples=size)
            for plane in chunk.planes:
                plane.update(b"\x00" * plane.buffer_size)
            chunk.sample_rate, chunk.time_base = 48000, Fraction(1, 48000)
            chunk.pts = OFFSET * 48000 + i * size
            out.mux(sound.encode(chunk))
        out.mux(sound.encode())
    return path


def test_duration_counts_from_the_first_timestamp(tmp_path: Path) -> None:
    source = make_late_start(tmp_path / "cut from a stream.mkv")
    with av.open(str(source)) as raw:
        assert raw.duration / 1_000_000 > OFFSET  # what FFmpeg declares
    assert 2.9 < probe_file(source).duration_seconds < 3.2
    result = build_ladder(source, tmp_path / "ladder", LadderProfile(preset="ultrafast"))
    assert 2.9 < result.duration < 3.2 and result.frames == 3 * FPS
    sheets = make_trickplay(source, tmp_path / "trick", interval=1.0)
    assert sheets.tile_count <= 4

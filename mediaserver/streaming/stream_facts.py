"""The probed facts of a file's main video stream, read once with the file (store.py) and used by
both the playback decision and the on-the-fly sessions (rung plans, codec strings, levels)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StreamFacts:
    index: int  # the stream's index in the file
    codec: str  # FFmpeg codec name, "" when the probe had none
    profile: str | None
    level: int | None  # as FFmpeg reports it: H.264 level 4.1 is 41, HEVC 4.1 is 123
    width: int  # 0 when unknown
    height: int
    bit_depth: int | None
    interlaced: bool = False
    sample_aspect: str | None = None  # "1:1"
    rotation: int = 0  # clockwise degrees to display upright
    frame_rate: float | None = None
    bitrate: int | None = None  # of the stream alone

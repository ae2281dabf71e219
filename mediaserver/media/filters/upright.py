"""Turning decoded frames upright: rotation metadata applied with transpose/flip filters.

Phones store portrait video as landscape pictures plus a display matrix (or an old "rotate" tag);
players turn them when showing them, but an encoded ladder has no such metadata, so the pixels are
turned here. Filter names and arguments are constants (docs/security.md, encoder option injection).
"""

from __future__ import annotations

from fractions import Fraction

import av

from mediaserver.media.filters.chain import build_chain


def rotation_of(stream: av.video.stream.VideoStream, frame: av.VideoFrame) -> int:
    tag = stream.metadata.get("rotate")
    try:
        degrees = float(tag) if tag else -frame.rotation  # PyAV: counter-clockwise
    except ValueError:
        degrees = -frame.rotation
    return (round(degrees / 90) * 90) % 360


class Upright:
    """Turns frames upright with transpose/flip filters (names and arguments are constants)."""

    STEPS = {90: (("transpose", "clock"),), 270: (("transpose", "cclock"),)}
    STEPS[180] = (("hflip", ""), ("vflip", ""))

    def __init__(self, rotation: int) -> None:
        self.rotation = rotation
        self.key: tuple | None = None

    def _build(self, frame: av.VideoFrame) -> None:
        self.graph, self.source = build_chain(
            frame.width,
            frame.height,
            frame.format.name,
            frame.time_base or Fraction(1, 1000),
            self.STEPS[self.rotation],
        )
        self.key = (frame.width, frame.height, frame.format.name)

    def __call__(self, frame: av.VideoFrame) -> av.VideoFrame:
        if not self.rotation:
            return frame
        if self.key != (frame.width, frame.height, frame.format.name):
            self._build(frame)
        self.source.push(frame)
        return self.graph.vpull()

"""Mending timestamp jumps in MPEG-TS and MPEG-PS sources.

Broadcast recordings glued together (`cat a.ts b.ts`), or a tuner whose clock reset, have
timestamps that jump back to zero or forward by minutes. These formats have no index that could
say otherwise, so, as the ffmpeg CLI does for them, a jump is taken as a splice: the stream goes
on from where it was. Each stream mends its own timeline; at a splice audio and video jump by the
same amount, so they stay together. Other containers keep their timestamps as they are (a gap in
Matroska is meant).
"""

from __future__ import annotations

from fractions import Fraction

SPLICED_FORMATS = ("mpegts", "mpeg", "mpegtsraw")
BACKWARD = Fraction(1, 2)  # seconds back: never a real timestamp, always a splice
FORWARD = Fraction(10)  # seconds ahead: a splice, not a dropout (the ffmpeg CLI's threshold)


class Continuity:
    def __init__(self, format_name: str) -> None:
        self.enabled = any(name in SPLICED_FORMATS for name in format_name.split(","))
        self.shift: dict[int, Fraction] = {}
        self.end: dict[int, Fraction] = {}

    def place(self, stream: int, seconds: Fraction, length: Fraction) -> Fraction:
        """Where a frame starting at `seconds` (lasting `length`) belongs on the mended timeline."""
        seconds += self.shift.get(stream, 0)
        end = self.end.get(stream)
        if self.enabled and end is not None and not end - BACKWARD <= seconds <= end + FORWARD:
            self.shift[stream] = self.shift.get(stream, 0) + end - seconds
            seconds = end
        self.end[stream] = seconds + length
        return seconds

    @property
    def mended(self) -> bool:
        return any(self.shift.values())

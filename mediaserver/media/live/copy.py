"""Decode times for video packets copied into fMP4 (on-the-fly remux).

Demuxers leave decode times out after a seek and around the start, so they are rebuilt, the same
whether the session started at this GOP or long before it: the GOP's keyframe time minus a fixed
delay, then one frame apart. Composition offsets are signed (CMAF), so a picture shown before its
decode time is still exact, and because the delay is the same for every GOP of every session,
the init segment (and its edit list) is too.

The delay covers two things. B-frame reordering: PyAV only says whether there are B-frames, not
how deep the reordering goes, so the deepest x264/x265/NVENC pyramids use is assumed. Open GOPs
(x265's default, many Blu-ray encodes): after a recovery-point keyframe (HEVC CRA) come "leading"
pictures, decoded after it but shown before it, so their decode times must come earlier still.
A larger delay than needed only enlarges the composition offsets; a smaller one is refused by the
muxer ("pts < dts").
"""

from __future__ import annotations

import math
from fractions import Fraction

import av

COPY_CODECS = ("h264", "hevc")  # what browsers play from fMP4
REORDER_FRAMES = 2  # B-pyramid depth of x264/x265 defaults
LEADING_FRAMES = 8  # leading pictures of an open GOP, at most (x265 allows 8 B-frames)


def decode_delay(has_b_frames: bool) -> int:
    """Frames between a keyframe's decode time and its presentation."""
    return REORDER_FRAMES + LEADING_FRAMES if has_b_frames else 0


class CopyTimes:
    """Sets pts and dts of each copied video packet from its presentation time (seconds from
    the programme start)."""

    def __init__(self, frame: Fraction, delay: int, time_base: Fraction) -> None:
        self.frame = frame
        self.delay = delay
        self.time_base = time_base
        self.gop_start = Fraction(0)
        self.gop_index = 0
        self.last = -1

    def place(self, packet: av.Packet, at: Fraction) -> av.Packet:
        if packet.is_keyframe:
            self.gop_start, self.gop_index = at, 0
        start = self.gop_start - self.delay * self.frame
        dts = max(math.floor((start + self.gop_index * self.frame) / self.time_base), self.last + 1)
        self.gop_index += 1
        self.last = dts
        packet.pts = math.floor(at / self.time_base)
        packet.dts = dts
        return packet

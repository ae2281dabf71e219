"""Seeking so that demuxing starts at a keyframe at or before a given time.

Containers with an index (MP4, Matroska) seek straight to the keyframe before the target. MPEG-TS
and MPEG-PS have none: FFmpeg bisects the file by timestamps and lands on whatever packet is near
the target, often just after the keyframe that was wanted, and decoding then only starts at the
next keyframe, seconds late (or never, when that was the last one). So after seeking, the packets
are read up to the first keyframe; if it comes after the wanted time, the seek goes twice as far
back and tries again. The landing place of a seek is deterministic, so the final seek is simply
repeated.
"""

from __future__ import annotations

import math
from fractions import Fraction

import av

KEYFRAME_PACKET_BUDGET = 3000  # packets read after a seek, at most, looking for a keyframe
EPSILON = Fraction(1, 10_000)


def first_keyframe(container: av.container.InputContainer, stream: av.stream.Stream):
    """Presentation time (stream time base units) of the first keyframe packet from here."""
    for count, packet in enumerate(container.demux(stream)):
        if packet.is_keyframe and packet.pts is not None:
            return packet.pts
        if count >= KEYFRAME_PACKET_BUDGET:
            return None
    return None


def seek_before(
    container: av.container.InputContainer,
    stream: av.stream.Stream,
    seconds: Fraction,
    margin: Fraction,
) -> None:
    """Seek so that the first keyframe demuxed is at or before `seconds` (in the stream's own
    timeline, start offset included); `margin` is how far before it to aim at first."""
    back = margin
    while True:
        target = max(0, math.floor((seconds - back) / stream.time_base))
        container.seek(target, stream=stream, backward=True, any_frame=False)
        if target == 0:
            return
        found = first_keyframe(container, stream)
        if found is not None and found * stream.time_base <= seconds + EPSILON:
            container.seek(target, stream=stream, backward=True, any_frame=False)
            return
        back *= 2

"""Whether a ladder read its whole source: what the file declares against what was decoded.

A truncated download or a file cut short mid-copy still decodes up to where it stops; without
this check it would be packaged as a shorter title and nobody would know.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import av

from mediaserver.media.sniff import container_seconds

# Decoded audio/video may end this much before the declared duration (a fraction, or seconds
# when more) before the file counts as truncated: subtitles and container padding can outlast it.
TRUNCATION_TOLERANCE = 0.05
TRUNCATION_TOLERANCE_SECONDS = 2.0


def declared_duration(
    container: av.container.InputContainer, streams: Sequence[av.stream.Stream]
) -> float | None:
    """What the file says its audio/video lasts: the streams' own durations where the container
    records them (MP4), else the container's (which may include subtitles)."""
    own = [
        float(s.duration * s.time_base)
        for s in streams
        if s.duration and s.duration > 0 and s.time_base
    ]
    return max(own) if own else container_seconds(container)


def truncation(
    *,
    frames: int,
    expected_frames: int,
    frame_rate: Fraction,
    ended: float,
    declared: float | None,
    mended: bool,
) -> str | None:
    """Why the source counts as truncated or damaged, or None when it was read to its end.
    `expected_frames`: what the header counts (AVI/MP4), 0 if it does not; `mended`: timestamp
    jumps were taken out (continuity.py), so the declared duration counted them."""
    if expected_frames > 0:
        slack = max(
            TRUNCATION_TOLERANCE_SECONDS * frame_rate, TRUNCATION_TOLERANCE * expected_frames
        )
        if frames < expected_frames - slack:
            return (
                f"only {frames} of the {expected_frames} video frames the file declares could "
                f"be read (it ends at {ended:.1f} s): the file is truncated or damaged"
            )
    if mended or not declared:
        return None
    slack = max(TRUNCATION_TOLERANCE_SECONDS, TRUNCATION_TOLERANCE * declared)
    if ended < declared - slack:
        return (
            f"the source ends at {ended:.1f} s although it declares {declared:.1f} s: "
            "the file is truncated or damaged"
        )
    return None

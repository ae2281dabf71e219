"""Credits from the pictures: the closing stretch where every keyframe is dark, black or light
text on black (rolling credits, a title card), for episodes whose credits share no sound with
their season's. Only keyframes are decoded, so a long file costs a few dozen decodes."""

from __future__ import annotations

import logging
from pathlib import Path

import av
import numpy as np

log = logging.getLogger(__name__)
DARK_MEAN = 0.2  # mean luma (0-1) of a black or text-on-black picture
TEXT_SHARE = 0.25  # at most this share of bright pixels (text), the rest dark


def _credits_like(gray: np.ndarray) -> bool:
    level = gray.astype(np.float32) / 255
    return float(level.mean()) < DARK_MEAN and float((level > 0.6).mean()) < TEXT_SHARE


def credits_from_pictures(
    path: Path, duration: float, tail: float, min_seconds: float
) -> float | None:
    """When the credits-like closing stretch starts (within the last `tail` seconds), or None
    when it is shorter than `min_seconds` or the file has no video."""
    start = max(0.0, duration - tail)
    found: list[tuple[float, bool]] = []
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                return None
            stream = container.streams.video[0]
            stream.codec_context.skip_frame = "NONKEY"
            container.seek(int(start * av.time_base))
            for frame in container.decode(stream):
                if frame.time is None or frame.time < start:
                    continue
                small = frame.reformat(width=96, height=54, format="gray").to_ndarray()
                found.append((float(frame.time), _credits_like(small)))
    except (OSError, ValueError) as exc:  # av errors
        log.warning("credits from pictures: %s: %s", path.name, exc)
        return None
    begin: float | None = None
    for when, like in reversed(found):
        if not like:
            break
        begin = when
    if begin is None or duration - begin < min_seconds:
        return None
    return begin

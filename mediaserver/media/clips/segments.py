"""Which segments of a packaged rendition a clip needs, read from its HLS media playlist."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av

EXTINF = "#EXTINF:"


@dataclass(frozen=True, slots=True)
class SegmentRef:
    uri: str  # relative to the playlist
    start: float  # seconds from the rendition's first segment
    duration: float


def playlist_segments(text: str) -> list[SegmentRef]:
    """The segments of a media playlist, in order, with where each starts."""
    found: list[SegmentRef] = []
    at, pending = 0.0, None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith(EXTINF):
            pending = float(line[len(EXTINF) :].split(",", 1)[0])
        elif line and not line.startswith("#") and pending is not None:
            found.append(SegmentRef(line, at, pending))
            at, pending = at + pending, None
    return found


def segments_for_range(segments: list[SegmentRef], start: float, end: float) -> list[SegmentRef]:
    """The segments overlapping [start, end), and the one after (its first keyframe tells where
    the last whole GOP inside the range ends)."""
    inside = [i for i, s in enumerate(segments) if s.start < end and s.start + s.duration > start]
    if not inside:
        return []
    return segments[inside[0] : inside[-1] + 2]


def join_fmp4(init: bytes, parts: list[bytes]) -> bytes:
    """An init segment followed by media segments is itself a playable fragmented MP4."""
    return init + b"".join(parts)


def first_frame_time(path: Path | str) -> float:
    """When the first frame of a rendition is shown, in its own timestamps (`path`: its init
    segment and first media segment). A rendition with B-frames starts decoding at zero and shows
    its first frame a little later; players put that frame at 0:00 of the title."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        times = [
            p.pts
            for _, p in zip(range(16), container.demux(stream), strict=False)
            if p.pts is not None
        ]
        return float(min(times) * stream.time_base) if times else 0.0

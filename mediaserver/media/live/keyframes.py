"""Segment timelines for on-the-fly HLS, and the keyframe index that remux timelines come from.

A transcode cuts wherever it likes (it forces a keyframe there), so its timeline is a fixed grid:
segment n is [n*L, (n+1)*L), the last one shorter. A remux copies the video, so it can only cut
at the source's own keyframes: `index_keyframes` reads every video packet header (demux only, no
decode: seconds even for a long film) and `remux_timeline` groups whole GOPs into segments of
about the target length. Both are pure data that the playlist and the encoder share, so the
playlist's EXTINF values are exactly what the segments hold.

A damaged file (a download or copy cut short) declares more than it holds: its header still says
the whole duration. Both timelines end where the video can really be read (`readable_end`, and
the index stops at the first read error), so the playlist never promises a segment that cannot
be made.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from mediaserver.media.sniff import MediaRejected, open_media

INDEX_VERSION = 1
# Times from different timescales (90 kHz, 1/1000, 1/48000) differ by rounding only; frames are
# always further apart than this.
EPSILON = 1e-4


class TimelineError(ValueError):
    """The source cannot be cut into segments (no duration, no keyframes...)."""


@dataclass(frozen=True)
class Timeline:
    """Segment n starts at `starts[n]` (presentation time, seconds from the programme start) and
    ends at `starts[n+1]` (`starts[-1]` is the end). `cuts[n]` is the decode time of segment n's
    first video packet: what the muxer's tfdt says, used to file fragments under segments."""

    starts: tuple[float, ...]
    cuts: tuple[float, ...]

    @property
    def count(self) -> int:
        return len(self.starts) - 1

    @property
    def duration(self) -> float:
        return self.starts[-1]

    def extinf(self, n: int) -> float:
        return self.starts[n + 1] - self.starts[n]

    def segment_of(self, time: float, tolerance: float = EPSILON) -> int:
        """The segment whose first frame is at `time` (give or take `tolerance`, less than half
        a frame: decode times are rounded to the source's timescale)."""
        index = bisect.bisect_right(self.cuts, time + tolerance) - 1
        return min(max(index, 0), self.count - 1)


FOLD_SECONDS = Fraction(1, 4)


def grid_timeline(duration: float, segment_seconds: float) -> Timeline:
    """Fixed-length segments over `duration` seconds; a last sliver shorter than FOLD_SECONDS
    is folded into the segment before it (a container's duration often runs a few audio frames
    past the last video frame, and a segment with no picture in it cannot be made)."""
    if not duration or duration <= 0 or not math.isfinite(duration):
        raise TimelineError("the source has no known duration")
    length = Fraction(str(segment_seconds))
    total = Fraction(duration).limit_denominator(1_000_000)
    count = max(1, math.ceil((total - FOLD_SECONDS) / length))
    starts = tuple(float(n * length) for n in range(count)) + (float(total),)
    return Timeline(starts, starts[:-1])


@dataclass(frozen=True)
class KeyframeIndex:
    """The source's video keyframes: presentation and decode times, seconds from the start."""

    pts: tuple[float, ...]
    dts: tuple[float, ...]
    duration: float
    size: int
    mtime: float

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": INDEX_VERSION,
                "pts": self.pts,
                "dts": self.dts,
                "duration": self.duration,
                "size": self.size,
                "mtime": self.mtime,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> KeyframeIndex | None:
        try:
            data = json.loads(text)
            if data.get("version") != INDEX_VERSION:
                return None
            return cls(
                tuple(float(x) for x in data["pts"]),
                tuple(float(x) for x in data["dts"]),
                float(data["duration"]),
                int(data["size"]),
                float(data["mtime"]),
            )
        except (ValueError, KeyError, TypeError):
            return None


def first_video(container: av.container.InputContainer) -> av.video.stream.VideoStream | None:
    """The main picture: the first video stream that is not cover art."""
    return next(
        (
            s
            for s in container.streams.video
            if not s.disposition & av.stream.Disposition.attached_pic
        ),
        None,
    )


def start_offset(container: av.container.InputContainer) -> Fraction:
    """The programme start (container start time), subtracted from every timestamp."""
    start = container.start_time
    return Fraction(start, 1_000_000) if start and start > 0 else Fraction(0)


@contextlib.contextmanager
def _source_video(
    source: Path,
) -> Iterator[tuple[av.container.InputContainer, av.video.stream.VideoStream, Fraction]]:
    """The source opened as far as it can be read, its first video stream and programme start;
    a source that cannot be read, or has no video, is a TimelineError."""
    try:
        with open_media(source, cut_short_ok=True) as (container, _sniffed):
            video = first_video(container)
            if video is None:
                raise TimelineError("the source has no video stream")
            yield container, video, start_offset(container)
    except av.FFmpegError as exc:
        raise TimelineError(f"the source cannot be read: {exc}") from None
    except MediaRejected as exc:
        raise TimelineError(exc.reason) from None


def index_keyframes(source: Path) -> KeyframeIndex:
    """Every video keyframe of `source`, by demuxing packet headers only. Synchronous."""
    stat = os.stat(source)
    with _source_video(source) as (container, video, t0):
        tb = video.time_base
        pts: list[float] = []
        dts: list[float] = []
        end = 0.0
        for packet in readable_packets(container.demux(video)):
            if packet.pts is None:
                continue
            at = packet.pts * tb - t0
            end = max(end, float(at + (packet.duration or 0) * tb))
            if packet.is_keyframe and at >= 0 and (not pts or float(at) > pts[-1]):
                pts.append(float(at))
                decode = packet.dts if packet.dts is not None else packet.pts
                dts.append(float(decode * tb - t0))
    if not pts:
        raise TimelineError("the source's video has no keyframes")
    return KeyframeIndex(tuple(pts), tuple(dts), end, stat.st_size, stat.st_mtime)


def readable_packets(packets: Iterator[av.Packet]) -> Iterator[av.Packet]:
    """The packets up to the end of the file or, once some were read, up to the first read
    error (where a file cut short ends)."""
    count = 0
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            return
        except av.FFmpegError:
            if count:
                return
            raise
        count += 1
        yield packet


TAIL_SECONDS = 10  # how far before the declared end `readable_end` starts reading


def readable_end(source: Path, declared: float) -> float:
    """Where the video of `source` can really be read up to, in seconds from the programme start:
    the end of the last video packet, read from a seek TAIL_SECONDS before the `declared`
    duration (a file cut short lands on its last readable keyframe, or reads from the start).
    Synchronous; raises TimelineError when no video can be read at all."""
    with _source_video(source) as (container, video, t0):
        tb = video.time_base
        tail = Fraction(declared).limit_denominator(1000) - TAIL_SECONDS
        end = None
        # From the tail, then (when that seek landed past what can be read) from the start.
        for at in (tail, Fraction(0)) if tail > 0 else (Fraction(0),):
            with contextlib.suppress(av.FFmpegError):  # no index: read from where it is
                container.seek(math.floor((at + t0) / tb), stream=video, backward=True)
            end = _last_end(container, video, t0)
            if end is not None:
                break
    if end is None or end <= 0:
        raise TimelineError("no video can be read from the source")
    return end


def _last_end(
    container: av.container.InputContainer, video: av.video.stream.VideoStream, t0: Fraction
) -> float | None:
    end = None
    for packet in readable_packets(container.demux(video)):
        if packet.pts is not None:
            at = float((packet.pts + (packet.duration or 0)) * video.time_base - t0)
            end = at if end is None else max(end, at)
    return end


def remux_timeline(index: KeyframeIndex, target_seconds: float) -> Timeline:
    """Runs of whole GOPs of about `target_seconds`: a segment ends at the first keyframe at
    least `target_seconds` after its start (so every segment starts with a keyframe)."""
    if index.duration <= 0:
        raise TimelineError("the source has no known duration")
    starts = [0.0]
    for pts in index.pts[1:]:
        if pts - starts[-1] >= target_seconds - EPSILON and index.duration - pts > EPSILON:
            starts.append(pts)
    return Timeline(tuple(starts) + (index.duration,), tuple(starts))


def load_or_index(source: Path, cache_file: Path) -> KeyframeIndex:
    """The keyframe index, from `cache_file` when it matches the source's size and mtime, else
    built and saved there. Synchronous."""
    stat = os.stat(source)
    try:
        cached = KeyframeIndex.from_json(cache_file.read_text(encoding="utf-8"))
    except OSError:
        cached = None
    if cached is not None and cached.size == stat.st_size and cached.mtime == stat.st_mtime:
        return cached
    index = index_keyframes(source)
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    temp = cache_file.with_name(cache_file.name + ".tmp")
    temp.write_text(index.to_json(), encoding="utf-8")
    os.replace(temp, cache_file)
    return index

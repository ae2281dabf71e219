"""What a packaged ladder is made of: the renditions read back from disk, and the public results.

`Track` is one packaged rendition (a video rung or an audio track) with its measured segments; the
HLS and DASH writers work from these. `LadderResult` is what `build_ladder` returns to the job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from mediaserver.media.packaged.bmff import InitInfo, SegmentInfo

# A segment shorter than this is measured together with the one before it for the peak bitrate
# (a lone keyframe in the last 0.1 s would otherwise look like a huge peak).
MIN_PEAK_WINDOW_SECONDS = 1.0
SAFE_URI = re.compile(r"^(?!.*\.\.)[A-Za-z0-9_][A-Za-z0-9_./-]{0,200}$")


@dataclass(frozen=True)
class SubtitleRendition:
    """A WebVTT file (made by media/subtitles.py) covering the whole duration.

    language: BCP 47 / ISO 639 code ("en", "eng", "pt-BR"); name: what players show;
    uri: the .vtt path relative to the ladder's out_dir (e.g. "subs/eng.vtt"), letters, digits,
    "_", "-", "." and "/" only."""

    language: str
    name: str
    forced: bool = False
    default: bool = False
    uri: str = ""

    def __post_init__(self) -> None:
        if not SAFE_URI.match(self.uri) or self.uri.startswith("/"):
            raise ValueError(f"subtitle uri must be a plain relative path, not {self.uri!r}")


@dataclass
class Track:
    """One packaged rendition as written: `path` is its folder relative to out_dir."""

    kind: Literal["video", "audio"]
    name: str
    path: str
    init: InitInfo
    segments: list[SegmentInfo]
    width: int = 0
    height: int = 0
    frame_rate: float | None = None
    language: str | None = None
    title: str | None = None
    channels: int = 0
    sample_rate: int = 0
    default: bool = False
    source_index: int = -1
    extra: dict = field(default_factory=dict)

    def seconds(self, ticks: int) -> float:
        return ticks / self.init.timescale

    @property
    def duration_seconds(self) -> float:
        if not self.segments:
            return 0.0
        first, last = self.segments[0], self.segments[-1]
        return self.seconds(last.start + last.duration - first.start)

    @property
    def total_bytes(self) -> int:
        return sum(segment.size for segment in self.segments)

    @property
    def average_bandwidth(self) -> int:
        seconds = self.duration_seconds
        return int(self.total_bytes * 8 / seconds) if seconds > 0 else 0

    @property
    def bandwidth(self) -> int:
        """Peak segment bitrate (HLS BANDWIDTH), measured."""
        peak = 0.0
        pending_bytes, pending_ticks = 0, 0
        for segment in self.segments:
            pending_bytes += segment.size
            pending_ticks += segment.duration
            seconds = self.seconds(pending_ticks)
            if seconds < MIN_PEAK_WINDOW_SECONDS and segment is not self.segments[-1]:
                continue
            if seconds > 0:
                peak = max(peak, pending_bytes * 8 / seconds)
            pending_bytes, pending_ticks = 0, 0
        if pending_ticks and not peak:
            peak = pending_bytes * 8 / max(self.seconds(pending_ticks), 1e-3)
        return int(peak) or self.average_bandwidth

    @property
    def iframe_bandwidth(self) -> int:
        """Peak of the I-frame playlist: I-frame bytes over the time until the next one."""
        rates = [
            segment.iframe_length * 8 / self.seconds(segment.duration)
            for segment in self.segments
            if segment.duration > 0 and self.seconds(segment.duration) >= MIN_PEAK_WINDOW_SECONDS
        ]
        if not rates and self.segments:
            seconds = max(self.duration_seconds, MIN_PEAK_WINDOW_SECONDS)
            rates = [self.segments[0].iframe_length * 8 / seconds]
        return int(max(rates, default=0)) or 1

    @property
    def codecs(self) -> str:
        return self.init.codecs


@dataclass(frozen=True)
class RungResult:
    name: str
    width: int
    height: int
    bandwidth: int  # HLS BANDWIDTH of the variant: video peak + the largest audio peak
    average_bandwidth: int  # same, averages
    video_bandwidth: int  # video alone (DASH @bandwidth)
    codecs: str  # HLS CODECS of the variant, video and audio, e.g. "avc1.64001f,mp4a.40.2"
    frame_rate: float | None
    segment_count: int


@dataclass(frozen=True)
class AudioTrackResult:
    name: str  # folder under audio/
    language: str | None
    title: str | None
    channels: int
    codecs: str
    bandwidth: int
    average_bandwidth: int
    default: bool
    source_index: int
    segment_count: int


@dataclass(frozen=True)
class LadderResult:
    rungs: tuple[RungResult, ...]
    audio: tuple[AudioTrackResult, ...]
    subtitles: tuple[SubtitleRendition, ...]
    duration: float  # seconds
    segment_duration: float  # target, seconds
    frames: int  # source video frames decoded
    fps: float  # source frames per second achieved (0 for audio-only)
    elapsed_seconds: float
    master: str = "master.m3u8"
    mpd: str = "manifest.mpd"
    files: tuple[str, ...] = ()  # every file written, relative to out_dir

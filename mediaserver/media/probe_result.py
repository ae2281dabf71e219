"""What a probe found in a media file: frozen records of its streams and chapters, with a JSON
round trip (stored with the file; fields added later read back with their defaults)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal


@dataclass(frozen=True)
class VideoStreamInfo:
    index: int
    codec: str
    profile: str | None
    level: int | None  # as FFmpeg reports it: H.264 level 4.1 is 41, HEVC 4.1 is 123
    width: int
    height: int
    sample_aspect: str  # "1:1"
    display_aspect: str  # "16:9"
    frame_rate: float | None  # average frames per second, 3 decimals
    bit_depth: int | None
    pixel_format: str | None
    hdr_transfer: str | None  # "smpte2084" (PQ), "arib-std-b67" (HLG) or None
    rotation: int  # clockwise degrees to display upright: 0, 90, 180 or 270
    bitrate: int | None
    language: str | None  # as in the file, e.g. "eng"; "und" becomes None
    title: str | None
    default: bool
    forced: bool
    attached_picture: bool = False  # cover art stored as a one-frame video stream
    interlaced: bool = False  # fields, not frames: deinterlaced whenever it is transcoded


@dataclass(frozen=True)
class AudioStreamInfo:
    index: int
    codec: str
    profile: str | None
    channels: int
    channel_layout: str | None
    sample_rate: int | None
    bitrate: int | None
    language: str | None
    title: str | None
    default: bool


@dataclass(frozen=True)
class SubtitleStreamInfo:
    index: int
    codec: str
    language: str | None
    title: str | None
    default: bool
    forced: bool
    is_bitmap: bool


@dataclass(frozen=True)
class OtherStreamInfo:
    index: int
    kind: Literal["attachment", "data", "unknown"]
    codec: str | None
    filename: str | None = None
    mimetype: str | None = None


@dataclass(frozen=True)
class ChapterInfo:
    position: int  # 1-based, in start order
    title: str | None
    start_seconds: float
    end_seconds: float


@dataclass(frozen=True)
class ProbeResult:
    container: str  # FFmpeg demuxer name, e.g. "matroska,webm"
    container_kind: str  # "mkv", "mp4", "webm", "avi", "ts", "mov", ...
    extension: str  # the right extension for the content, e.g. ".mkv"
    size_bytes: int
    duration_seconds: float | None
    bitrate: int | None
    tags: dict[str, str] = field(default_factory=dict)
    video: tuple[VideoStreamInfo, ...] = ()
    audio: tuple[AudioStreamInfo, ...] = ()
    subtitles: tuple[SubtitleStreamInfo, ...] = ()
    other: tuple[OtherStreamInfo, ...] = ()
    chapters: tuple[ChapterInfo, ...] = ()

    @property
    def main_video(self) -> VideoStreamInfo | None:
        """The first video stream that is not cover art."""
        return next((v for v in self.video if not v.attached_picture), None)

    @property
    def has_video(self) -> bool:
        return self.main_video is not None

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-able dict (lists, not tuples)."""
        data = asdict(self)
        for key in ("video", "audio", "subtitles", "other", "chapters"):
            data[key] = list(data[key])
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProbeResult:
        def build(kind: type, items: Any) -> tuple:
            names = {f.name for f in fields(kind)}
            return tuple(kind(**{k: v for k, v in item.items() if k in names}) for item in items)

        return cls(
            container=data["container"],
            container_kind=data["container_kind"],
            extension=data["extension"],
            size_bytes=data["size_bytes"],
            duration_seconds=data.get("duration_seconds"),
            bitrate=data.get("bitrate"),
            tags=dict(data.get("tags") or {}),
            video=build(VideoStreamInfo, data.get("video", ())),
            audio=build(AudioStreamInfo, data.get("audio", ())),
            subtitles=build(SubtitleStreamInfo, data.get("subtitles", ())),
            other=build(OtherStreamInfo, data.get("other", ())),
            chapters=build(ChapterInfo, data.get("chapters", ())),
        )

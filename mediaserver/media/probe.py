"""What a media file really is: container, streams, chapters, read with PyAV.

`probe_file(path)` opens the file through `sniff.open_media` (which refuses non-media and hostile
files) and describes it as a frozen, JSON-round-trippable `ProbeResult` (probe_result.py).
Synchronous: callers run it in a thread (`await asyncio.to_thread(probe_file, path)`).
"""

from __future__ import annotations

import os
from fractions import Fraction

import av
import av.error

from mediaserver.media.magic import kind_and_extension
from mediaserver.media.probe_result import (
    AudioStreamInfo,
    ChapterInfo,
    OtherStreamInfo,
    ProbeResult,
    SubtitleStreamInfo,
    VideoStreamInfo,
)
from mediaserver.media.sniff import (
    MediaRejected,
    Sniffed,
    container_seconds,
    ffmpeg_reason,
    open_media,
)

BITMAP_SUBTITLE_CODECS = frozenset(
    {"hdmv_pgs_subtitle", "dvd_subtitle", "dvb_subtitle", "xsub", "dvb_teletext"}
)
HDR_TRANSFERS = {16: "smpte2084", 18: "arib-std-b67"}  # AVColorTransferCharacteristic
MAX_TAGS = 128
MAX_TEXT = 1024
MAX_CHAPTERS = 1000
ROTATION_PACKET_BUDGET = 200  # packets read, at most, to find each video stream's first frame
INTERLACED_FIELD_ORDERS = (2, 3, 4, 5)  # AVFieldOrder: TT, BB, TB, BT (1 is progressive)


def _clean(value: object, limit: int = MAX_TEXT) -> str | None:
    """Text from the file, safe to store and show: no NULs or control characters, bounded."""
    if value is None:
        return None
    text = "".join(ch for ch in str(value) if ch in "\t\n" or ord(ch) >= 32)
    text = text.strip()[:limit]
    return text or None


def _language(stream: av.stream.Stream) -> str | None:
    lang = _clean(stream.language or stream.metadata.get("language"), 16)
    if lang is None or lang.lower() in ("und", "unk", "none", "xx"):
        return None
    return lang.lower()


def _codec_name(stream: av.stream.Stream) -> str:
    ctx = stream.codec_context
    if ctx is not None:
        try:
            return ctx.codec.canonical_name
        except (AttributeError, av.FFmpegError):
            return ctx.name or "unknown"
    return "unknown"


def _bitrate(stream: av.stream.Stream) -> int | None:
    ctx = stream.codec_context
    rate = getattr(ctx, "bit_rate", None) if ctx is not None else None
    if rate:
        return int(rate)
    for key in ("BPS", "BPS-eng", "bps"):  # Matroska statistics tags (mkvmerge)
        text = stream.metadata.get(key)
        if text and text.strip().isdigit():
            return int(text.strip())
    return None


def _ratio(value: Fraction) -> str:
    return f"{value.numerator}:{value.denominator}"


def _flags(stream: av.stream.Stream) -> tuple[bool, bool]:
    disposition = stream.disposition
    return (
        bool(disposition & av.stream.Disposition.default),
        bool(disposition & av.stream.Disposition.forced),
    )


def _rotation_from_tag(stream: av.stream.Stream) -> int | None:
    text = stream.metadata.get("rotate")
    try:
        return round(float(text)) % 360 if text else None
    except ValueError:
        return None


def _normalise_rotation(degrees: float) -> int:
    return (round(degrees / 90) * 90) % 360


def _first_frames(container: av.container.InputContainer, indexes: list[int]) -> dict:
    """(clockwise rotation, interlaced) per video stream, from its first decoded frame: the
    display matrix FFmpeg attaches to it (PyAV does not expose stream-level side data) and its
    interlaced flag. Bounded: one frame per stream, at most ROTATION_PACKET_BUDGET packets read;
    a stream that does not decode reports nothing."""
    found: dict[int, tuple[int, bool]] = {}
    streams = [container.streams[i] for i in indexes]
    for stream in streams:
        stream.codec_context.thread_count = 1
    budget = ROTATION_PACKET_BUDGET
    try:
        for packet in container.demux(*streams):
            budget -= 1
            index = packet.stream.index
            if index not in found and packet.size:
                for frame in packet.decode():
                    rotation = _normalise_rotation(-frame.rotation)
                    found[index] = (rotation, bool(frame.interlaced_frame))
                    break
            if budget <= 0 or len(found) == len(indexes):
                break
    except (av.FFmpegError, OSError, ValueError, MemoryError):
        pass
    return found


def _video_info(
    stream: av.video.stream.VideoStream, rotation: int, interlaced: bool
) -> VideoStreamInfo:
    ctx = stream.codec_context
    width, height = ctx.width or 0, ctx.height or 0
    sar = stream.sample_aspect_ratio or ctx.sample_aspect_ratio
    if not sar or sar <= 0:
        sar = Fraction(1, 1)
    dar = Fraction(width * sar.numerator, height * sar.denominator) if width and height else None
    rate = stream.average_rate or stream.guessed_rate
    pix_fmt = ctx.pix_fmt
    bit_depth = None
    if pix_fmt:
        try:
            bit_depth = av.VideoFormat(pix_fmt).components[0].bits
        except (ValueError, IndexError, av.FFmpegError):
            bit_depth = None
    level = ctx.level if ctx.level is not None and ctx.level >= 0 else None
    default, forced = _flags(stream)
    return VideoStreamInfo(
        index=stream.index,
        codec=_codec_name(stream),
        profile=_clean(stream.profile, 64),
        level=level,
        width=width,
        height=height,
        sample_aspect=_ratio(sar),
        display_aspect=_ratio(dar) if dar else "0:1",
        frame_rate=round(float(rate), 3) if rate else None,
        bit_depth=bit_depth,
        pixel_format=pix_fmt,
        hdr_transfer=HDR_TRANSFERS.get(ctx.color_trc),
        rotation=rotation,
        bitrate=_bitrate(stream),
        language=_language(stream),
        title=_clean(stream.metadata.get("title")),
        default=default,
        forced=forced,
        attached_picture=bool(stream.disposition & av.stream.Disposition.attached_pic),
        interlaced=interlaced or ctx.field_order in INTERLACED_FIELD_ORDERS,
    )


def _audio_info(stream: av.audio.stream.AudioStream) -> AudioStreamInfo:
    ctx = stream.codec_context
    layout = ctx.layout
    channels = layout.nb_channels if layout is not None else 0
    layout_name = layout.name if layout is not None and channels else None
    return AudioStreamInfo(
        index=stream.index,
        codec=_codec_name(stream),
        profile=_clean(stream.profile, 64),
        channels=channels,
        channel_layout=_clean(layout_name, 64),
        sample_rate=ctx.sample_rate or None,
        bitrate=_bitrate(stream),
        language=_language(stream),
        title=_clean(stream.metadata.get("title")),
        default=_flags(stream)[0],
    )


def _subtitle_info(stream: av.stream.Stream) -> SubtitleStreamInfo:
    codec = _codec_name(stream)
    default, forced = _flags(stream)
    return SubtitleStreamInfo(
        index=stream.index,
        codec=codec,
        language=_language(stream),
        title=_clean(stream.metadata.get("title")),
        default=default,
        forced=forced,
        is_bitmap=codec in BITMAP_SUBTITLE_CODECS,
    )


def _other_info(stream: av.stream.Stream) -> OtherStreamInfo:
    kind = stream.type if stream.type in ("attachment", "data") else "unknown"
    codec = _codec_name(stream) if stream.codec_context is not None else None
    mimetype = stream.metadata.get("mimetype")
    return OtherStreamInfo(
        index=stream.index,
        kind=kind,
        codec=None if codec == "unknown" else codec,
        filename=_clean(stream.metadata.get("filename"), 255),
        mimetype=_clean(mimetype, 128),
    )


def _chapters(container: av.container.InputContainer) -> tuple[ChapterInfo, ...]:
    raw = sorted(container.chapters()[:MAX_CHAPTERS], key=lambda c: (c["start"], c["end"]))
    out = []
    for position, chapter in enumerate(raw, start=1):
        base = chapter["time_base"] or Fraction(1, 1_000_000)
        out.append(
            ChapterInfo(
                position=position,
                title=_clean(chapter["metadata"].get("title")),
                start_seconds=round(float(chapter["start"] * base), 3),
                end_seconds=round(float(chapter["end"] * base), 3),
            )
        )
    return tuple(out)


def _tags(container: av.container.InputContainer) -> dict[str, str]:
    tags: dict[str, str] = {}
    for key, value in list(container.metadata.items())[:MAX_TAGS]:
        name, text = _clean(key, 64), _clean(value, 4096)
        if name and text:
            tags[name.lower()] = text
    return tags


def _describe(container: av.container.InputContainer, sniffed: Sniffed) -> ProbeResult:
    pictures = [
        s.index
        for s in container.streams.video
        if not s.disposition & av.stream.Disposition.attached_pic
    ]
    first = _first_frames(container, pictures) if pictures else {}
    rotations: dict[int, int] = {}
    for stream in container.streams.video:
        tagged = _rotation_from_tag(stream)
        if tagged is not None:
            rotations[stream.index] = _normalise_rotation(tagged)
        elif stream.index in first:
            rotations[stream.index] = first[stream.index][0]

    video, audio, subtitles, other = [], [], [], []
    for stream in container.streams:
        if stream.type == "video" and stream.codec_context is not None:
            interlaced = first.get(stream.index, (0, False))[1]
            video.append(_video_info(stream, rotations.get(stream.index, 0), interlaced))
        elif stream.type == "audio" and stream.codec_context is not None:
            audio.append(_audio_info(stream))
        elif stream.type == "subtitle":
            subtitles.append(_subtitle_info(stream))
        else:
            other.append(_other_info(stream))
    has_video = any(not v.attached_picture for v in video)
    kind, extension = kind_and_extension(container.format.name, sniffed.kind, has_video)
    duration = container_seconds(container)
    return ProbeResult(
        container=container.format.name,
        container_kind=kind,
        extension=extension,
        size_bytes=sniffed.size_bytes,
        duration_seconds=round(duration, 3) if duration else None,
        bitrate=container.bit_rate or None,
        tags=_tags(container),
        video=tuple(video),
        audio=tuple(audio),
        subtitles=tuple(subtitles),
        other=tuple(other),
        chapters=_chapters(container),
    )


def probe_file(path: str | os.PathLike[str] | bytes) -> ProbeResult:
    """Describe a local media file; raises MediaRejected (with `.reason`) for anything that is not
    acceptable media. Never raises FFmpeg's own errors."""
    with open_media(path) as (container, sniffed):
        try:
            return _describe(container, sniffed)
        except MediaRejected:
            raise
        except (av.FFmpegError, OSError, UnicodeDecodeError, ValueError, MemoryError) as exc:
            raise MediaRejected(ffmpeg_reason(exc, sniffed)) from None

"""Downloads of titles without a published ladder, made from the source file: a remux (no
re-encode) when its video and audio fit MP4 and its height is within the account's quality,
otherwise an H.264 + AAC encode at the chosen rung's height. This module decides which (the
plan, whose key names the cached file) and holds what both makings share: the soft subtitle
tracks and the source's packets made fit for the MP4 muxer. source_remux and source_encode
write the file, source_maker runs them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

import av

from mediaserver.media.ladder.rungs import RUNGS

# Codecs copied into the MP4 as they are and players commonly decode from MP4.
MP4_VIDEO = frozenset({"h264", "hevc"})
MP4_AUDIO = frozenset({"aac", "mp3", "ac3", "eac3"})
SOURCE_RUNG = "source"


@dataclass(frozen=True, slots=True)
class SubtitleCues:
    """A soft subtitle track for the MP4: (start ms, end ms, plain text) cues."""

    language: str | None
    cues: tuple[tuple[int, int, str], ...]


@dataclass(frozen=True, slots=True)
class SourcePlan:
    """One MP4 to make from a source: copied as it is, or encoded to `height`."""

    path: str
    video_index: int
    audio_index: int | None
    audio_language: str | None
    remux: bool
    height: int
    bitrate: int  # bits per second for an encode, 0 for a remux
    key: str  # names the cached file
    subtitles: tuple[SubtitleCues, ...] = ()


def audio_name(index: int, language: str | None, channels: int | None) -> str:
    """Named like a ladder's audio folder ("1_fre_2ch"), so the Downloads page reads its
    language the same way."""
    return f"{index}_{language or 'und'}_{channels or 2}ch"


def fits_mp4(video_codec: str, audio_codec: str | None) -> bool:
    return video_codec in MP4_VIDEO and (audio_codec is None or audio_codec in MP4_AUDIO)


def rung_heights(source_height: int, max_height: int) -> list[tuple[str, int]]:
    """(rung name, height) offered from a source, highest first: the source itself (remuxed,
    or encoded at its own height when its codecs do not fit MP4) when within max_height, then
    every standard rung below it and within max_height."""
    cap = max_height or source_height
    found = [(SOURCE_RUNG, source_height)] if source_height <= cap else []
    lower = [(s.name, s.height) for s in RUNGS.values() if s.height < source_height]
    return found + [rung for rung in lower if rung[1] <= cap]


def plan(
    file_id: int, path: str, size: int, mtime: float, video: tuple[int, str, int],
    audio: tuple[int, str, str | None] | None, rung: str, height: int,
    subtitles: tuple[SubtitleCues, ...] = (),
) -> SourcePlan:  # fmt: skip
    """What to make for this choice; `video` is (index, codec, height), `audio` (index, codec,
    language) or None."""
    remux = rung == SOURCE_RUNG and fits_mp4(video[1], audio[1] if audio else None)
    spec = RUNGS.get(rung) or min(RUNGS.values(), key=lambda s: abs(s.height - height))
    bitrate = 0 if remux else spec.h264_kbps * 1000
    text = f"{file_id}|{size}|{mtime!r}|{video[0]}|{audio[0] if audio else '-'}|{rung}|{height}"
    # The muxer's version too: a copy's ETag is its key (every making is the same bytes), which
    # holds only while the same muxer lays it out.
    made_by = f"{av.__version__}|{av.library_versions.get('libavformat')}"
    text = f"v2|{made_by}|{text}|{remux}|{bitrate}|{subtitles!r}"
    key = hashlib.sha256(text.encode()).hexdigest()[:32]
    return SourcePlan(
        path, video[0], audio[0] if audio else None, audio[2] if audio else None, remux,
        height, bitrate, key, subtitles,
    )  # fmt: skip


# The mov_text encoder needs an ASS header to open; the styles are the player's defaults.
_ASS_HEADER = "\n".join((
    "[Script Info]", "ScriptType: v4.00+", "PlayResX: 384", "PlayResY: 288", "",
    "[V4+ Styles]",
    "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
    "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, "
    "BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding",
    "Style: Default,Arial,16,&Hffffff,&Hffffff,&H0,&H0,0,0,0,0,100,100,0,0,1,1,0,2,10,10,10,0",
    "", "[Events]",
    "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text", "",
)).encode()  # fmt: skip
_MS = Fraction(1, 1000)


def add_text_tracks(out: av.container.OutputContainer, plan: SourcePlan) -> list:
    """mov_text streams for the plan's subtitles, each with its cues as packets to mux."""
    tracks = []
    for track in plan.subtitles:
        stream = out.add_stream("mov_text")
        stream.codec_context.subtitle_header = _ASS_HEADER
        stream.codec_context.time_base = stream.time_base = _MS
        if track.language:
            stream.metadata["language"] = track.language
        tracks.append((stream, track.cues))
    return tracks


def mux_text(out: av.container.OutputContainer, tracks: list) -> None:
    for stream, cues in tracks:
        for start, end, text in cues:
            data = text.encode("utf-8")[:65535]
            packet = av.Packet(len(data).to_bytes(2, "big") + data)  # a 3GPP text sample
            packet.stream, packet.time_base = stream, _MS
            packet.pts = packet.dts = start
            packet.duration = end - start
            out.mux(packet)


def remux_packets(
    source: av.container.InputContainer, chosen: list, mapping: dict[int, av.stream.Stream]
) -> Iterator[av.Packet]:
    """The chosen streams' packets, moved to their output streams, each with a decode time.

    Matroska stores no decode times: with B-frames the first packets come without one, and the
    mp4 muxer needs them. They are given times just before the first known one."""
    pending: dict[int, list[av.Packet]] = {s.index: [] for s in chosen}
    last: dict[int, int] = {}
    for packet in source.demux(chosen):
        if packet.size == 0:  # the demuxer's flush packets
            continue
        index = packet.stream.index
        packet.stream = mapping[index]
        if packet.dts is None and index not in last:
            pending[index].append(packet)
            continue
        if packet.dts is None:
            packet.dts = last[index] + 1
            if packet.pts is not None and packet.dts > packet.pts:
                packet.pts = packet.dts
        step = packet.duration or 1
        for n, early in enumerate(reversed(pending[index]), start=1):
            early.dts = packet.dts - n * step
            if early.pts is None or early.pts < early.dts:
                early.pts = early.dts
        yield from pending[index]
        pending[index] = []
        last[index] = packet.dts
        yield packet
    for early in (p for waiting in pending.values() for p in waiting):
        early.dts = early.pts  # a stream without any decode time: presentation order
        yield early

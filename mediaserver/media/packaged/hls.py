"""HLS playlists for a packaged ladder (RFC 8216 + Apple's authoring specification).

Written from the segments as they are on disk (bmff.py), never from what we asked the encoder for:
CODECS from avcC/hvcC/esds, BANDWIDTH the peak segment bitrate, AVERAGE-BANDWIDTH the measured
average (a variant's figures include the largest audio rendition it may be played with), EXTINF the
exact sample durations. Every URI is relative, so the ladder can move (local disk, S3, CDN).
"""

from __future__ import annotations

import math
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass

from mediaserver.media.languages import bcp47, display_name, safe_code
from mediaserver.media.packaged.renditions import SubtitleRendition, Track

MASTER = "master.m3u8"
MEDIA_PLAYLIST = "index.m3u8"
IFRAME_PLAYLIST = "iframes.m3u8"
VERSION = 7
AUDIO_GROUP = "aac-2ch"
SURROUND_GROUP = "aac-6ch"
SUBTITLE_GROUP = "subs"
FIRST_VARIANT_MAX_BPS = 3_500_000  # players start with the first variant: about 720p


def quoted(text: str) -> str:
    """A quoted-string attribute value: no double quote, CR or LF allowed inside (RFC 8216)."""
    clean = "".join(ch for ch in text if ch.isprintable() and ch != '"').strip()
    return f'"{clean[:100] or "Unknown"}"'


def target_duration(durations: Sequence[float]) -> int:
    """Each EXTINF rounded to the nearest integer must not exceed it (RFC 8216 4.3.3.1)."""
    return max([1] + [math.floor(d + 0.5) for d in durations])


def media_playlist(track: Track) -> str:
    durations = [track.seconds(s.duration) for s in track.segments]
    lines = [
        "#EXTM3U",
        f"#EXT-X-VERSION:{VERSION}",
        f"#EXT-X-TARGETDURATION:{target_duration(durations)}",
        "#EXT-X-MEDIA-SEQUENCE:1",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        "#EXT-X-INDEPENDENT-SEGMENTS",
        '#EXT-X-MAP:URI="init.mp4"',
    ]
    for segment, seconds in zip(track.segments, durations, strict=True):
        lines += [f"#EXTINF:{seconds:.6f},", segment.uri]
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def iframe_playlist(track: Track) -> str:
    """One entry per segment: its first sample is an IDR (forced), addressed by byte range from
    the segment's moof to the end of that sample."""
    durations = [track.seconds(s.duration) for s in track.segments]
    lines = [
        "#EXTM3U",
        f"#EXT-X-VERSION:{VERSION}",
        f"#EXT-X-TARGETDURATION:{target_duration(durations)}",
        "#EXT-X-MEDIA-SEQUENCE:1",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        "#EXT-X-I-FRAMES-ONLY",
        "#EXT-X-INDEPENDENT-SEGMENTS",
        '#EXT-X-MAP:URI="init.mp4"',
    ]
    for segment, seconds in zip(track.segments, durations, strict=True):
        lines += [
            f"#EXTINF:{seconds:.6f},",
            f"#EXT-X-BYTERANGE:{segment.iframe_length}@{segment.iframe_offset}",
            segment.uri,
        ]
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def subtitle_playlist(vtt_uri: str, duration: float) -> str:
    """A media playlist with one WebVTT segment covering the whole programme."""
    return "\n".join(
        [
            "#EXTM3U",
            f"#EXT-X-VERSION:{VERSION}",
            f"#EXT-X-TARGETDURATION:{max(1, math.ceil(duration))}",
            "#EXT-X-MEDIA-SEQUENCE:1",
            "#EXT-X-PLAYLIST-TYPE:VOD",
            f"#EXTINF:{duration:.6f},",
            vtt_uri,
            "#EXT-X-ENDLIST",
            "",
        ]
    )


@dataclass(frozen=True)
class AudioEntry:
    """An audio rendition as listed in a group."""

    track: Track
    group: str
    name: str
    default: bool

    @property
    def uri(self) -> str:
        return f"{self.track.path}/{MEDIA_PLAYLIST}"


def audio_groups(audio: Sequence[Track]) -> dict[str, list[AudioEntry]]:
    """Stereo renditions form one group; with any 5.1 rendition, a second group holds the 5.1
    renditions and, for tracks that have none, their stereo one (every group offers every
    language, as Apple requires)."""
    stereo = [t for t in audio if t.channels <= 2]
    surround = {t.source_index: t for t in audio if t.channels > 2}
    groups: dict[str, list[Track]] = {AUDIO_GROUP: stereo} if stereo else {}
    if surround:
        groups[SURROUND_GROUP] = [surround.get(t.source_index, t) for t in stereo]
    # One source track is the default in every group, so the 5.1 group never disagrees with
    # the stereo one (the first flagged source, else the first track).
    if not audio:
        return {}
    # By source position, not list order: renditions are listed as their first frames
    # arrived, and Matroska marks tracks default unless told otherwise, so several may be.
    flagged = [t.source_index for t in audio if t.default]
    default_source = min(flagged) if flagged else min(t.source_index for t in audio)
    result: dict[str, list[AudioEntry]] = {}
    for group, tracks in groups.items():
        default_index = next(
            (i for i, t in enumerate(tracks) if t.source_index == default_source), 0
        )
        names: set[str] = set()
        entries = []
        for i, track in enumerate(tracks):
            base = track.title or display_name(track.language)
            if track.channels > 2 and "5.1" not in base:
                base = f"{base} (5.1)"
            name, n = base, 2
            while name in names:
                name, n = f"{base} ({n})", n + 1
            names.add(name)
            entries.append(AudioEntry(track, group, name, i == default_index))
        result[group] = entries
    return result


def subtitle_folders(subtitles: Sequence[SubtitleRendition]) -> list[str]:
    """`subs/<code>[-forced][-n]` per rendition, unique, from validated codes only."""
    folders: list[str] = []
    for sub in subtitles:
        base = f"subs/{safe_code(sub.language)}" + ("-forced" if sub.forced else "")
        folder, n = base, 2
        while folder in folders:
            folder, n = f"{base}-{n}", n + 1
        folders.append(folder)
    return folders


def _media_line(attributes: list[tuple[str, str]]) -> str:
    return "#EXT-X-MEDIA:" + ",".join(f"{key}={value}" for key, value in attributes)


def _audio_lines(groups: dict[str, list[AudioEntry]]) -> list[str]:
    lines = []
    for entries in groups.values():
        for entry in entries:
            attributes = [
                ("TYPE", "AUDIO"),
                ("GROUP-ID", quoted(entry.group)),
                ("NAME", quoted(entry.name)),
            ]
            language = bcp47(entry.track.language)
            if language:
                attributes.append(("LANGUAGE", quoted(language)))
            attributes += [
                ("DEFAULT", "YES" if entry.default else "NO"),
                ("AUTOSELECT", "YES"),
                ("CHANNELS", quoted(str(entry.track.channels))),
                ("URI", quoted(entry.uri)),
            ]
            lines.append(_media_line(attributes))
    return lines


def _subtitle_lines(subtitles: Sequence[SubtitleRendition], folders: Sequence[str]) -> list[str]:
    lines = []
    default_index = next((i for i, s in enumerate(subtitles) if s.default and not s.forced), -1)
    names: set[str] = set()
    for i, (sub, folder) in enumerate(zip(subtitles, folders, strict=True)):
        base = sub.name or display_name(sub.language)
        name, n = base, 2
        while name in names:
            name, n = f"{base} ({n})", n + 1
        names.add(name)
        attributes = [
            ("TYPE", "SUBTITLES"),
            ("GROUP-ID", quoted(SUBTITLE_GROUP)),
            ("NAME", quoted(name)),
        ]
        language = bcp47(sub.language)
        if language:
            attributes.append(("LANGUAGE", quoted(language)))
        attributes += [
            ("DEFAULT", "YES" if i == default_index else "NO"),
            ("AUTOSELECT", "YES"),
            ("FORCED", "YES" if sub.forced else "NO"),
            ("URI", quoted(f"{folder}/{MEDIA_PLAYLIST}")),
        ]
        lines.append(_media_line(attributes))
    return lines


def _ordered(video: Sequence[Track]) -> list[Track]:
    """Largest first, except that the first listed (where players start) is about 720p."""
    ranked = sorted(video, key=lambda t: t.bandwidth, reverse=True)
    start = next((t for t in ranked if t.bandwidth <= FIRST_VARIANT_MAX_BPS), None)
    return ([start] if start else []) + [t for t in ranked if t is not start]


def variant_figures(video: Track | None, entries: Sequence[AudioEntry]) -> tuple[int, int, str]:
    """(BANDWIDTH, AVERAGE-BANDWIDTH, CODECS) of a variant played with one of these audios."""
    peak = max((e.track.bandwidth for e in entries), default=0)
    average = max((e.track.average_bandwidth for e in entries), default=0)
    codecs = list(dict.fromkeys(e.track.codecs for e in entries))
    if video is not None:
        peak += video.bandwidth
        average += video.average_bandwidth
        codecs.insert(0, video.codecs)
    return peak, average, ",".join(codecs)


def master_playlist(
    video: Sequence[Track],
    audio: Sequence[Track],
    subtitles: Sequence[SubtitleRendition],
    subtitle_dirs: Sequence[str],
) -> str:
    groups = audio_groups(audio)
    lines = ["#EXTM3U", f"#EXT-X-VERSION:{VERSION}", "#EXT-X-INDEPENDENT-SEGMENTS", ""]
    lines += _audio_lines(groups)
    lines += _subtitle_lines(subtitles, subtitle_dirs)
    lines.append("")
    subs = f",SUBTITLES={quoted(SUBTITLE_GROUP)}" if subtitles else ""
    for track in _ordered(video):
        for group, entries in groups.items() or [("", [])]:
            peak, average, codecs = variant_figures(track, entries)
            attributes = [
                f"BANDWIDTH={peak}",
                f"AVERAGE-BANDWIDTH={average}",
                f"CODECS={quoted(codecs)}",
                f"RESOLUTION={track.width}x{track.height}",
                f"FRAME-RATE={track.frame_rate or 30:.3f}",
            ]
            if group:
                attributes.append(f"AUDIO={quoted(group)}")
            lines += [
                "#EXT-X-STREAM-INF:" + ",".join(attributes) + subs,
                f"{track.path}/{MEDIA_PLAYLIST}",
            ]
    if not video:  # audio only: each group is a variant, played through its default rendition
        for group, entries in groups.items():
            peak, average, codecs = variant_figures(None, entries)
            default = next(e for e in entries if e.default)
            attributes = [
                f"BANDWIDTH={peak}",
                f"AVERAGE-BANDWIDTH={average}",
                f"CODECS={quoted(codecs)}",
                f"AUDIO={quoted(group)}",
            ]
            lines += ["#EXT-X-STREAM-INF:" + ",".join(attributes) + subs, default.uri]
    if video:
        lines.append("")
    for track in _ordered(video):
        attributes = [
            f"BANDWIDTH={track.iframe_bandwidth}",
            f"CODECS={quoted(track.codecs)}",
            f"RESOLUTION={track.width}x{track.height}",
            f"URI={quoted(f'{track.path}/{IFRAME_PLAYLIST}')}",
        ]
        lines.append("#EXT-X-I-FRAME-STREAM-INF:" + ",".join(attributes))
    return "\n".join(lines).rstrip("\n") + "\n"


def relative_uri(target: str, from_folder: str) -> str:
    """`target` (relative to out_dir) as seen from `from_folder` (also relative to out_dir)."""
    return posixpath.relpath(target, from_folder)

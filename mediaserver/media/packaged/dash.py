"""The DASH MPD for a packaged ladder: the same CMAF segments the HLS playlists use.

Static (on demand), ISO BMFF live profile with one SegmentTemplate + SegmentTimeline per
Representation, built from the segments as written (tfdt and sample durations), so DASH and HLS
players see the same exact timing. Video is one AdaptationSet (aligned segments, every segment
starts with an IDR: startWithSAP=1); audio one AdaptationSet per source track (language), with its
stereo and 5.1 Representations; text one AdaptationSet per WebVTT file.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from fractions import Fraction

from mediaserver.media.languages import bcp47, display_name
from mediaserver.media.packaged.hls import audio_groups
from mediaserver.media.packaged.renditions import SubtitleRendition, Track

MPD_NAME = "manifest.mpd"
NS = "urn:mpeg:dash:schema:mpd:2011"
PROFILES = "urn:mpeg:dash:profile:isoff-live:2011,urn:mpeg:dash:profile:cmaf:2019"
ROLE_SCHEME = "urn:mpeg:dash:role:2011"
CHANNEL_SCHEME = "urn:mpeg:dash:23003:3:audio_channel_configuration:2011"
SUBTITLE_BANDWIDTH = 1000


def iso_duration(seconds: float) -> str:
    return f"PT{max(0.0, seconds):.3f}S"


def frame_rate_text(rate: float | None) -> str:
    fraction = Fraction(rate or 30).limit_denominator(1001)
    return str(fraction.numerator) if fraction.denominator == 1 else str(fraction)


def _timeline(parent: ET.Element, track: Track) -> None:
    timeline = ET.SubElement(parent, "SegmentTimeline")
    expected = None
    last: ET.Element | None = None
    last_duration = repeat = 0
    for segment in track.segments:
        if last is not None and segment.start == expected and segment.duration == last_duration:
            repeat += 1
            last.set("r", str(repeat))
        else:
            last = ET.SubElement(timeline, "S", d=str(segment.duration))
            if segment.start != expected:
                last.set("t", str(segment.start))
            repeat = 0
            last_duration = segment.duration
        expected = segment.start + segment.duration


def _template(parent: ET.Element, track: Track) -> None:
    first = track.segments[0]
    number = first.uri.removeprefix("seg_").removesuffix(".m4s")
    template = ET.SubElement(
        parent,
        "SegmentTemplate",
        timescale=str(track.init.timescale),
        initialization=f"{track.path}/init.mp4",
        media=f"{track.path}/seg_$Number%05d$.m4s",
        startNumber=str(int(number)) if number.isdigit() else "1",
    )
    _timeline(template, track)


def _role(parent: ET.Element, value: str) -> None:
    ET.SubElement(parent, "Role", schemeIdUri=ROLE_SCHEME, value=value)


def _video_set(period: ET.Element, video: Sequence[Track]) -> None:
    ranked = sorted(video, key=lambda t: t.bandwidth)
    top = ranked[-1]
    adaptation = ET.SubElement(
        period,
        "AdaptationSet",
        id="0",
        contentType="video",
        mimeType="video/mp4",
        segmentAlignment="true",
        startWithSAP="1",
        maxWidth=str(top.width),
        maxHeight=str(top.height),
        maxFrameRate=frame_rate_text(top.frame_rate),
    )
    _role(adaptation, "main")
    for track in ranked:
        representation = ET.SubElement(
            adaptation,
            "Representation",
            id=f"video-{track.name}",
            bandwidth=str(track.bandwidth),
            codecs=track.codecs,
            width=str(track.width),
            height=str(track.height),
            frameRate=frame_rate_text(track.frame_rate),
            sar="1:1",
        )
        _template(representation, track)


def _audio_sets(period: ET.Element, audio: Sequence[Track], next_id: int) -> int:
    groups = audio_groups(audio)
    stereo_entries = next(iter(groups.values()), [])
    names = {entry.track.source_index: entry.name for entry in stereo_entries}
    default = next((e.track.source_index for e in stereo_entries if e.default), None)
    by_source: dict[int, list[Track]] = {}
    for track in audio:
        by_source.setdefault(track.source_index, []).append(track)
    for source_index, tracks in by_source.items():
        first = tracks[0]
        adaptation = ET.SubElement(
            period,
            "AdaptationSet",
            id=str(next_id),
            contentType="audio",
            mimeType="audio/mp4",
            segmentAlignment="true",
            startWithSAP="1",
        )
        next_id += 1
        language = bcp47(first.language)
        if language:
            adaptation.set("lang", language)
        label = ET.SubElement(adaptation, "Label")
        label.text = names.get(source_index) or display_name(first.language)
        _role(adaptation, "main" if source_index == default else "alternate")
        for track in sorted(tracks, key=lambda t: t.channels):
            representation = ET.SubElement(
                adaptation,
                "Representation",
                id=f"audio-{track.name}",
                bandwidth=str(track.bandwidth),
                codecs=track.codecs,
                audioSamplingRate=str(track.sample_rate or track.init.timescale),
            )
            ET.SubElement(
                representation,
                "AudioChannelConfiguration",
                schemeIdUri=CHANNEL_SCHEME,
                value=str(track.channels),
            )
            _template(representation, track)
    return next_id


def _text_sets(period: ET.Element, subtitles: Sequence[SubtitleRendition], next_id: int) -> None:
    for position, sub in enumerate(subtitles, start=1):
        adaptation = ET.SubElement(
            period, "AdaptationSet", id=str(next_id), contentType="text", mimeType="text/vtt"
        )
        next_id += 1
        language = bcp47(sub.language)
        if language:
            adaptation.set("lang", language)
        label = ET.SubElement(adaptation, "Label")
        label.text = sub.name or display_name(sub.language)
        _role(adaptation, "forced-subtitle" if sub.forced else "subtitle")
        if sub.default and not sub.forced:
            _role(adaptation, "main")
        representation = ET.SubElement(
            adaptation, "Representation", id=f"text-{position}", bandwidth=str(SUBTITLE_BANDWIDTH)
        )
        base = ET.SubElement(representation, "BaseURL")
        base.text = sub.uri


def mpd(
    video: Sequence[Track],
    audio: Sequence[Track],
    subtitles: Sequence[SubtitleRendition],
    duration: float,
    segment_seconds: float,
) -> str:
    root = ET.Element(
        "MPD",
        xmlns=NS,
        profiles=PROFILES,
        type="static",
        mediaPresentationDuration=iso_duration(duration),
        minBufferTime=iso_duration(segment_seconds),
    )
    period = ET.SubElement(root, "Period", id="0", start="PT0S")
    next_id = 1
    if video:
        _video_set(period, video)
    next_id = _audio_sets(period, audio, next_id)
    _text_sets(period, subtitles, next_id)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

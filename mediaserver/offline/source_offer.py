"""What a title without a published ladder offers for download, read from its source file: the
qualities its height and the account's limit allow, and its audio tracks; and the plan that
makes a download's MP4 from it."""

from __future__ import annotations

import asyncio

from aiohttp import web

from mediaserver.errors import NotFound
from mediaserver.keys import config_key, db_key
from mediaserver.media.languages import display_name
from mediaserver.offline.mov_text import parse_cues
from mediaserver.offline.records import Download, QualityChoice, TrackChoice
from mediaserver.offline.source_mp4 import (
    SourcePlan,
    SubtitleCues,
    audio_name,
    plan,
    rung_heights,
)
from mediaserver.streaming import PlayableFile, load_playable, original_path, subtitle_vtt

NO_SOURCE = "This title's file is not available, so it cannot be downloaded."


async def source_file(app: web.Application, media_file_id: int) -> PlayableFile:
    """The title's playable source with a video stream; 404 otherwise."""
    found = await load_playable(app[db_key], media_file_id, app[config_key].paths.data_dir)
    if found is None or found.source.video is None or found.source.video.height <= 0:
        raise NotFound(NO_SOURCE)
    return found


def qualities(file: PlayableFile, max_height: int) -> tuple[QualityChoice, ...]:
    """Highest first; empty when even the smallest rung is above max_height."""
    video = file.source.video
    assert video is not None
    found = []
    for name, height in rung_heights(video.height, max_height):
        width = round(video.width * height / video.height / 2) * 2
        found.append(QualityChoice(name, height, width))
    return tuple(found)


def audio_choices(file: PlayableFile) -> tuple[TrackChoice, ...]:
    """The source's audio tracks, its default first (the track a download gets unless chosen)."""
    tracks = sorted(file.source.audio, key=lambda a: not a.default)
    return tuple(
        TrackChoice(
            audio_name(a.index, a.language, a.channels),
            a.language,
            a.title or display_name(a.language),
        )
        for a in tracks
    )


def subtitle_name(track_id: int, language: str | None) -> str:
    """"ger.12": the language first, so the Downloads page names it like a ladder's "ger"."""
    return f"{language or 'und'}.{track_id}"


def subtitle_choices(file: PlayableFile) -> tuple[TrackChoice, ...]:
    """The source's text subtitle tracks (embedded or sidecar); picture subtitles cannot be
    soft subtitles in MP4."""
    return tuple(
        TrackChoice(
            subtitle_name(t.id, t.language),
            t.language,
            display_name(t.language)
            + (" (forced)" if t.forced else "")
            + (" SDH" if t.sdh else ""),
        )
        for t in file.subtitles
        if not t.bitmap
    )


async def _cues(
    app: web.Application, file: PlayableFile, chosen: tuple[str, ...]
) -> tuple[SubtitleCues, ...]:
    found = []
    for track in file.subtitles:
        if track.bitmap or subtitle_name(track.id, track.language) not in chosen:
            continue
        path = await subtitle_vtt(app, file, track)
        text = await asyncio.to_thread(path.read_text, "utf-8", "replace")
        found.append(SubtitleCues(track.language, tuple(parse_cues(text))))
    return tuple(found)


async def source_plan(app: web.Application, download: Download) -> SourcePlan:
    """How this download's MP4 is made from the source (404 when the source is gone)."""
    file = await source_file(app, download.media_file_id)
    video = file.source.video
    assert video is not None
    tracks = file.source.audio
    named = (a for a in tracks if audio_name(a.index, a.language, a.channels) == download.audio)
    audio = next(named, None)
    path = await original_path(file)
    return plan(
        file.media_file_id, path, file.size, file.mtime, (video.index, video.codec, video.height),
        (audio.index, audio.codec, audio.language) if audio else None, download.rung,
        download.height, await _cues(app, file, download.subtitles),
    )  # fmt: skip

"""The offline analysis of one media file: where to look, what was measured, which tags follow.

Cheap by construction: pictures are sampled a few times a second in windows spread over the
title (never more than `max_seconds` of it) and scaled down to 64x36; sound is read in the same
windows at 16 kHz mono. Blocking; the job runs it in a thread."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from mediaserver.recommend.tagging.pictures import PictureStats, scan_pictures
from mediaserver.recommend.tagging.sound import scan_sound
from mediaserver.recommend.tagging.subtitles import dialogue_lines
from mediaserver.recommend.tagging.vocabulary import (
    Suggestion,
    content_notes,
    mood_tags,
    theme_tags,
)

WINDOW_SECONDS = 12.0
MAX_WINDOWS = 16
EXCERPT_LINES = 60


@dataclass(frozen=True, slots=True)
class MediaInput:
    """What the job hands the analysis: the file, its subtitle track and the description."""

    path: str
    duration: float | None
    subtitle_sidecar: str | None
    subtitle_stream: int | None
    description: str


@dataclass(frozen=True, slots=True)
class MediaAnalysis:
    features: dict[str, float | None]
    suggestions: list[Suggestion]
    keyframes: list[bytes] = field(default_factory=list)
    excerpt: list[str] = field(default_factory=list)  # dialogue lines for Claude
    seconds: float = 0.0  # how long the analysis took


def windows_for(duration: float | None, max_seconds: float) -> list[tuple[float, float]]:
    """Up to MAX_WINDOWS windows spread evenly over the title, within `max_seconds` in all.
    A short title is read whole."""
    if not duration or duration <= 0:
        return [(0.0, max_seconds)]
    budget = min(duration, max_seconds, WINDOW_SECONDS * MAX_WINDOWS)
    if budget >= duration:
        return [(0.0, duration)]
    count = max(1, int(budget // WINDOW_SECONDS))
    length = budget / count
    gap = duration / count
    return [
        (round(i * gap + (gap - length) / 2, 3), round(i * gap + (gap + length) / 2, 3))
        for i in range(count)
    ]


def _excerpt(lines: list[str]) -> list[str]:
    """A spread of lines from the whole track, not just the opening."""
    if len(lines) <= EXCERPT_LINES:
        return lines
    step = len(lines) / EXCERPT_LINES
    return [lines[int(i * step)] for i in range(EXCERPT_LINES)]


def analyse(
    media: MediaInput,
    *,
    fps: float = 2.0,
    max_seconds: float = 1800.0,
    keyframes: int = 0,
    should_stop: Callable[[], bool] = lambda: False,
) -> MediaAnalysis:
    """Measure the file and map the measures, its dialogue and description to suggestions."""
    started = time.monotonic()
    windows = windows_for(media.duration, max_seconds)
    if media.path:
        pictures = scan_pictures(media.path, windows, fps, keyframes, should_stop)
        sound = scan_sound(media.path, windows, should_stop)
        dialogue = dialogue_lines(media.path, media.subtitle_sidecar, media.subtitle_stream)
    else:  # nothing playable yet: the description alone
        pictures, sound, dialogue = PictureStats(), None, []
    minutes = pictures.seconds / 60
    features: dict[str, float | None] = {
        "seconds_sampled": round(pictures.seconds, 1),
        "frames_sampled": float(pictures.frames),
        "shots_per_minute": round(pictures.cuts / minutes, 2) if minutes > 0 else None,
        "mean_luma": round(pictures.mean(pictures.luma), 3),
        "saturation": round(pictures.mean(pictures.saturation), 3),
        "warmth": round(pictures.mean(pictures.warmth), 3),
        "motion": round(pictures.mean(pictures.motion, pictures.motion_pairs), 4),
        "flat_share": round(pictures.mean(pictures.flat), 3),
        "speech_share": round(sound.speech_share, 3) if sound else None,
        "music_share": round(sound.music_share, 3) if sound else None,
        "silence_share": round(sound.silence_share, 3) if sound else None,
        "loudness_lufs": sound.loudness_lufs if sound else None,
        "loudness_range": sound.loudness_range if sound else None,
        "subtitle_lines": float(len(dialogue)),
    }
    suggestions = mood_tags(features) if pictures.frames else []
    suggestions += theme_tags(media.description)
    suggestions += content_notes(dialogue, media.description)
    return MediaAnalysis(
        features,
        suggestions,
        pictures.keyframes,
        _excerpt(dialogue),
        round(time.monotonic() - started, 2),
    )

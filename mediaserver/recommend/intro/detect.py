"""A season's intros and credits from its episodes' audio (blocking: run it in a thread).

The first minutes of every episode (short of the last minutes, where credits are looked for)
are fingerprinted and compared pairwise; each episode's intro is the stretch its partners agree
it shares with them (an episode whose partners find nothing, or disagree, has none). The credits
are found the same way in the last minutes; a shared stretch that runs to within a few seconds
of the end is taken to the end of the file. An episode whose end shares no sound with the others
gets its credits from the pictures when its closing keyframes are all dark (black, or light text
on black).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from mediaserver.recommend.intro.fingerprint import Fingerprint, NoAudio, fingerprint
from mediaserver.recommend.intro.matching import Span, season_spans
from mediaserver.recommend.intro.pictures import credits_from_pictures

log = logging.getLogger(__name__)
END_SLACK = 5.0  # seconds: credits that stop this close to the end run to the end


@dataclass(frozen=True, slots=True)
class Episode:
    media_file_id: int
    path: Path


@dataclass(frozen=True, slots=True)
class Found:
    """What detection found in one file; None where there is none."""

    media_file_id: int
    intro: Span | None
    credits: Span | None


@dataclass(frozen=True, slots=True)
class Options:
    intro_minutes: float = 10.0
    credits_minutes: float = 5.0
    min_seconds: float = 10.0
    threads: int = 2


def _prints(
    episodes: Sequence[Episode], part: Callable[[Path], Fingerprint | None], threads: int
) -> list[Fingerprint | None]:
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        return list(pool.map(lambda e: part(e.path), episodes))


def _windows(duration: float | None, options: Options) -> tuple[float, float]:
    """Seconds searched for the intro (from the start) and the credits (before the end); they
    never overlap, so a short episode's credits cannot pass for its intro."""
    head, tail = options.intro_minutes * 60, options.credits_minutes * 60
    if duration is None:
        return head, 0.0
    tail = min(tail, duration / 2)
    return min(head, duration - tail), tail


def _head(path: Path, options: Options) -> Fingerprint | None:
    try:
        head, _ = _windows(fingerprint(path, 0.0, 0.0).duration, options)
        return fingerprint(path, 0.0, head)
    except (NoAudio, OSError, ValueError) as exc:  # av errors are OSError / ValueError
        log.warning("intro detection: %s: %s", path.name, exc)
        return None


def _tail(path: Path, options: Options) -> Fingerprint | None:
    try:
        duration = fingerprint(path, 0.0, 0.0).duration
        _, tail = _windows(duration, options)
        if duration is None or tail <= 0:
            return None
        return fingerprint(path, duration - tail, tail)
    except (NoAudio, OSError, ValueError) as exc:
        log.warning("credits detection: %s: %s", path.name, exc)
        return None


def _spans(prints: list[Fingerprint | None], min_seconds: float) -> list[Span | None]:
    have = [i for i, p in enumerate(prints) if p is not None]
    found = season_spans([p for p in prints if p is not None], min_seconds)
    out: list[Span | None] = [None] * len(prints)
    for i, span in zip(have, found, strict=True):
        out[i] = span
    return out


def _to_end(span: Span | None, duration: float | None) -> Span | None:
    if span is None or duration is None:
        return span
    return Span(span.start, duration) if duration - span.end <= END_SLACK else span


def detect_season(episodes: Sequence[Episode], options: Options = Options()) -> list[Found]:
    """Intro and credits of each episode of one season (two or more episodes are needed)."""
    if len(episodes) < 2:
        return [Found(e.media_file_id, None, None) for e in episodes]
    heads = _prints(episodes, lambda p: _head(p, options), options.threads)
    intros = _spans(heads, options.min_seconds)
    credits: list[Span | None] = [None] * len(episodes)
    if options.credits_minutes > 0:
        tails = _prints(episodes, lambda p: _tail(p, options), options.threads)
        credits = [
            _to_end(span, tail.duration if tail else None)
            for span, tail in zip(_spans(tails, options.min_seconds), tails, strict=True)
        ]
        for i, (episode, tail) in enumerate(zip(episodes, tails, strict=True)):
            if credits[i] is None and tail is not None and tail.duration:
                # No credits music shared with the season: dark closing pictures, if any.
                seen = credits_from_pictures(
                    episode.path,
                    tail.duration,
                    _windows(tail.duration, options)[1],
                    options.min_seconds,
                )
                credits[i] = Span(seen, tail.duration) if seen is not None else None
    return [
        Found(e.media_file_id, intro, credit)
        for e, intro, credit in zip(episodes, intros, credits, strict=True)
    ]

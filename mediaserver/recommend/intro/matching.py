"""Finding the audio two fingerprints share, and what a season's episodes agree on.

Pairs: the cross-correlation of the two files' band energies over time (one FFT per band) points
at the few offsets where they line up; at each, frames are compared one to one (the cosine of
their spectral shapes) and the longest run of alike frames (short dropouts bridged) is the shared
stretch. Season: each episode's intro is where most of its partners' shared stretches put
it (medians of the runs that agree); an episode that shares nothing long enough has none.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from mediaserver.recommend.intro.fingerprint import FRAME_SECONDS, Fingerprint

SAME_SOUND = 0.6  # mean cosine of shapes over SMOOTH frames above which the sound is the same
SMOOTH = 9  # frames: unrelated sound has single alike frames, never a second of them
GAP_FRAMES = 3  # a run survives a few frames that differ (a clap over the theme)
OFFSETS_TRIED = 4
AGREE_SECONDS = 3.0


@dataclass(frozen=True, slots=True)
class Run:
    """A stretch both fingerprints share, in seconds of each file."""

    a_start: float
    a_end: float
    b_start: float
    b_end: float

    @property
    def seconds(self) -> float:
        return self.a_end - self.a_start


@dataclass(frozen=True, slots=True)
class Span:
    start: float
    end: float


def _offsets(a: NDArray[np.float32], b: NDArray[np.float32]) -> NDArray[np.int64]:
    """The best few offsets (frame of a minus frame of b) by summed cross-correlation."""
    za = a - a.mean(axis=0)
    zb = b - b.mean(axis=0)
    size = 1 << int(np.ceil(np.log2(len(a) + len(b))))
    spectrum = np.fft.rfft(za, size, axis=0) * np.conj(np.fft.rfft(zb, size, axis=0))
    score = np.fft.irfft(spectrum.sum(axis=1), size)
    # Index k holds offset k (k < len(a)) or k - size (from the end): offsets -len(b)+1..len(a)-1.
    score = np.concatenate([score[size - len(b) + 1 :], score[: len(a)]])
    best: list[int] = []
    for k in np.argsort(score)[::-1]:
        if all(abs(int(k) - c) > 2 * GAP_FRAMES for c in best):
            best.append(int(k))
        if len(best) == OFFSETS_TRIED:
            break
    return np.array(best, np.int64) - (len(b) - 1)


def _longest_run(close: NDArray[np.bool_]) -> tuple[int, int] | None:
    """[first, last] of the longest run of True, bridging gaps up to GAP_FRAMES."""
    where = np.nonzero(close)[0]
    if len(where) == 0:
        return None
    breaks = np.nonzero(np.diff(where) > GAP_FRAMES + 1)[0]
    starts = np.concatenate([[0], breaks + 1])
    ends = np.concatenate([breaks, [len(where) - 1]])
    lengths = where[ends] - where[starts]
    k = int(np.argmax(lengths))
    return int(where[starts[k]]), int(where[ends[k]])


def shared_run(a: Fingerprint, b: Fingerprint) -> Run | None:
    """The longest stretch of sound the two fingerprints share, or None."""
    best: tuple[int, int, int] | None = None
    if len(a.shapes) < 2 or len(b.shapes) < 2:
        return None
    for offset in _offsets(a.shapes, b.shapes):
        for shift in (int(offset) - 1, int(offset), int(offset) + 1):
            lo_a = max(0, shift)
            hi_a = min(len(a.shapes), len(b.shapes) + shift)
            if hi_a - lo_a < 2:
                continue
            xa = a.shapes[lo_a:hi_a]
            xb = b.shapes[lo_a - shift : hi_a - shift]
            alike = np.einsum("ij,ij->i", xa, xb)
            close = np.convolve(alike, np.full(SMOOTH, 1 / SMOOTH), mode="same") > SAME_SOUND
            run = _longest_run(close)
            if run is None:
                continue
            first, last = run[0] + lo_a, run[1] + lo_a
            if best is None or last - first > best[1] - best[0]:
                best = (first, last, int(shift))
    if best is None:
        return None
    first, last, shift = best
    half = FRAME_SECONDS / 2
    return Run(
        a.time_of(first) - half,
        a.time_of(last) + half,
        b.time_of(first - shift) - half,
        b.time_of(last - shift) + half,
    )


def _agreed(spans: list[Span], needed: int) -> Span | None:
    """The span most of `spans` agree on (medians of those near the median), if enough do."""
    if len(spans) < needed:
        return None
    starts = np.array([s.start for s in spans])
    ends = np.array([s.end for s in spans])
    near = (np.abs(starts - np.median(starts)) <= AGREE_SECONDS) & (
        np.abs(ends - np.median(ends)) <= AGREE_SECONDS
    )
    if near.sum() < needed:
        return None
    return Span(float(np.median(starts[near])), float(np.median(ends[near])))


def season_spans(
    prints: list[Fingerprint], min_seconds: float, min_partners: int = 2
) -> list[Span | None]:
    """For each fingerprint, the stretch it shares with its season (None where it shares none
    long enough with at least `min_partners` others, or with its only partner)."""
    found: list[list[Span]] = [[] for _ in prints]
    for i in range(len(prints)):
        for j in range(i + 1, len(prints)):
            run = shared_run(prints[i], prints[j])
            if run is None or run.seconds < min_seconds:
                continue
            found[i].append(Span(run.a_start, run.a_end))
            found[j].append(Span(run.b_start, run.b_end))
    needed = max(1, min(min_partners, len(prints) - 1))
    return [_agreed(spans, needed) for spans in found]

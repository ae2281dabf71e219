"""Audio fingerprints of a stretch of a media file: a spectral shape per 0.1 s frame.

Audio is decoded with PyAV, mixed to mono at 8 kHz, cut into overlapping Hann windows, and each
window's energy is measured in 32 log-spaced bands between 150 Hz and 3.8 kHz. A frame's
fingerprint is its log band energies less their mean, scaled to unit length: the shape of the
spectrum, blind to loudness, and (the windows being wide) nearly the same when two files' frames
fall a fraction of a hop apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
from numpy.typing import NDArray

RATE = 8000
HOP = 800  # samples: 0.1 s per hash
WINDOW = 2048  # samples: wide overlapping windows make shapes stable when frames do not align
BANDS = 32
FRAME_SECONDS = HOP / RATE
_EDGES = np.geomspace(150.0, 3800.0, BANDS + 1)
_BINS = np.clip(np.round(_EDGES * WINDOW / RATE).astype(int), 1, WINDOW // 2)
_HANN = np.hanning(WINDOW).astype(np.float32)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """Spectral shapes of consecutive frames (frames x BANDS, unit rows); frame i's window
    starts at `start + i * FRAME_SECONDS`."""

    start: float
    shapes: NDArray[np.float32]
    duration: float | None  # of the whole file, when the container says

    def time_of(self, frame: int) -> float:
        return self.start + (frame + WINDOW / HOP / 2) * FRAME_SECONDS  # the window's centre


class NoAudio(Exception):
    """The file has no audio stream that decodes."""


def decode_mono(
    path: str | Path, start: float, seconds: float
) -> tuple[NDArray[np.float32], float, float | None]:
    """Mono samples at RATE from `start` for `seconds` (less at the end of the file); returns the
    samples, the time of the first one and the file's duration."""
    with av.open(str(path)) as container:
        if not container.streams.audio:
            raise NoAudio("no audio stream")
        stream = container.streams.audio[0]
        duration = float(container.duration) / av.time_base if container.duration else None
        if start > 0:
            container.seek(int(start * av.time_base))
        resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        chunks: list[NDArray[np.float32]] = []
        first: float | None = None
        wanted = int(seconds * RATE)
        got = 0
        for frame in container.decode(stream):
            if frame.time is not None and frame.time + frame.samples / frame.sample_rate < start:
                continue
            for out in resampler.resample(frame):
                data = out.to_ndarray().reshape(-1)
                if first is None:
                    first = float(frame.time) if frame.time is not None else start
                    # Drop what precedes `start` inside the first frame after a seek.
                    skip = max(0, int(round((start - first) * RATE)))
                    data = data[skip:]
                    first += skip / RATE
                chunks.append(data)
                got += len(data)
            if got >= wanted:
                break
    samples = np.concatenate(chunks)[:wanted] if chunks else np.zeros(0, np.float32)
    return samples.astype(np.float32, copy=False), first if first is not None else start, duration


def shapes_of(samples: NDArray[np.float32]) -> NDArray[np.float32]:
    """One spectral shape per HOP of `samples` (none when shorter than a window)."""
    count = (len(samples) - WINDOW) // HOP + 1
    if count < 1:
        return np.zeros((0, BANDS), np.float32)
    frames = np.lib.stride_tricks.as_strided(
        samples, shape=(count, WINDOW), strides=(samples.strides[0] * HOP, samples.strides[0])
    )
    power = np.abs(np.fft.rfft(frames * _HANN, axis=1)).astype(np.float32) ** 2
    cumulative = np.cumsum(power, axis=1)
    energy = cumulative[:, _BINS[1:] - 1] - cumulative[:, _BINS[:-1] - 1]
    shape = np.log(np.maximum(energy, 1e-7))
    shape -= shape.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(shape, axis=1, keepdims=True)
    # Silence (and pure DC) has no shape: a zero row matches nothing.
    return np.where(norm > 1e-3, shape / np.maximum(norm, 1e-3), 0.0).astype(np.float32)


def fingerprint(path: str | Path, start: float, seconds: float) -> Fingerprint:
    """The fingerprint of `seconds` of the file's first audio stream from `start`."""
    samples, first, duration = decode_mono(path, start, seconds)
    return Fingerprint(first, shapes_of(samples), duration)


def file_duration(path: str | Path) -> float | None:
    with av.open(str(path)) as container:
        return float(container.duration) / av.time_base if container.duration else None

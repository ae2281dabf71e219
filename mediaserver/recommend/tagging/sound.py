"""What the sound says, from the same windows as the pictures: how much is speech, music or
silence, and how loud it is (an EBU R128-style integrated loudness and range, on a mono mix).

Blocking PyAV, numpy and scipy work: run it in a thread. Audio is resampled to 16 kHz mono
float, so one hour of sound is ~230 MB of samples; only the windows are decoded."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import av
import numpy as np
from scipy import signal

RATE = 16_000
FRAME = 400  # 25 ms analysis frames
SEGMENT = RATE  # 1 s segments are classified speech | music | silence
SILENCE_RMS = 10 ** (-50 / 20)  # below -50 dBFS


@dataclass(frozen=True, slots=True)
class SoundStats:
    seconds: float
    speech_share: float  # of the non-silent seconds
    music_share: float
    silence_share: float  # of all seconds
    loudness_lufs: float | None  # integrated, gated; None when (nearly) silent
    loudness_range: float  # LU between the 10th and 95th percentile of short-term loudness


def _k_weighting() -> list[tuple[np.ndarray, np.ndarray]]:
    """The two K-weighting stages (pre-filter shelf, RLB high-pass), designed for RATE."""
    # High shelf, +4 dB above ~1.5 kHz (BS.1770 stage 1), by the audio-EQ cookbook.
    gain, fc, q = 3.999843853973347, 1681.974450955533, 0.7071752369554196
    a = 10 ** (gain / 40)
    w0 = 2 * math.pi * fc / RATE
    alpha = math.sin(w0) / (2 * q)
    cos = math.cos(w0)
    b1 = [
        a * ((a + 1) + (a - 1) * cos + 2 * math.sqrt(a) * alpha),
        -2 * a * ((a - 1) + (a + 1) * cos),
        a * ((a + 1) + (a - 1) * cos - 2 * math.sqrt(a) * alpha),
    ]
    a1 = [
        (a + 1) - (a - 1) * cos + 2 * math.sqrt(a) * alpha,
        2 * ((a - 1) - (a + 1) * cos),
        (a + 1) - (a - 1) * cos - 2 * math.sqrt(a) * alpha,
    ]
    b2, a2 = signal.butter(2, 38.13547087602444 / (RATE / 2), "highpass")
    return [(np.array(b1) / a1[0], np.array(a1) / a1[0]), (b2, a2)]


def _decode(
    path: str, windows: Sequence[tuple[float, float]], should_stop: Callable[[], bool]
) -> list[np.ndarray]:
    """Each window's samples, 16 kHz mono float32."""
    out: list[np.ndarray] = []
    with av.open(path) as container:
        if not container.streams.audio:
            return out
        stream = container.streams.audio[0]
        for start, end in windows:
            if should_stop():
                break
            if start > 0:
                container.seek(int(start / stream.time_base), stream=stream, backward=True)
            resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
            parts: list[np.ndarray] = []
            wanted = int((end - start) * RATE)
            got = 0
            for frame in container.decode(stream):
                t = frame.time
                if t is None or t + frame.samples / max(frame.sample_rate, 1) < start:
                    continue
                if t >= end or got >= wanted:
                    break
                for chunk in resampler.resample(frame):
                    samples = chunk.to_ndarray().reshape(-1)
                    parts.append(samples)
                    got += samples.size
            if parts:
                out.append(np.concatenate(parts)[:wanted].astype(np.float32))
    return out


def _classify(segment: np.ndarray) -> str:
    """speech | music | silence for one second, from 25 ms frames.

    Speech alternates syllables and short pauses, so many of its frames are far quieter than
    the second's mean, and its zero-crossing rate jumps between voiced and unvoiced sounds.
    Music is steadier in both."""
    frames = segment[: len(segment) // FRAME * FRAME].reshape(-1, FRAME)
    rms = np.sqrt((frames**2).mean(axis=1) + 1e-12)
    if rms.mean() < SILENCE_RMS:
        return "silence"
    low_energy = float((rms < 0.5 * rms.mean()).mean())
    crossings = (np.abs(np.diff(np.signbit(frames).astype(np.int8), axis=1)).sum(axis=1)) / FRAME
    # Only frames with sound in them: the pauses' near-zero rate says nothing of the voice.
    sounding = crossings[rms > 0.25 * rms.mean()]
    zcr_spread = float(sounding.std() / (sounding.mean() + 1e-9)) if sounding.size > 1 else 0.0
    return "speech" if low_energy > 0.2 and zcr_spread > 0.4 else "music"


def _loudness(windows: list[np.ndarray]) -> tuple[float | None, float]:
    """Gated integrated loudness (LUFS, mono) and loudness range (LU) of the windows."""
    stages = _k_weighting()
    block, hop = int(0.4 * RATE), int(0.1 * RATE)
    powers: list[float] = []
    short: list[float] = []
    for samples in windows:
        y = samples.astype(np.float64)
        for b, a in stages:
            y = signal.lfilter(b, a, y)
        squared = y**2
        for i in range(0, len(squared) - block + 1, hop):
            powers.append(float(squared[i : i + block].mean()))
        step3 = int(3 * RATE)
        for i in range(0, len(squared) - step3 + 1, RATE):
            short.append(float(squared[i : i + step3].mean()))
    z = np.array(powers)
    z = z[z > 0]
    if not z.size:
        return None, 0.0
    lk = -0.691 + 10 * np.log10(z)
    z = z[lk > -70]  # absolute gate
    if not z.size:
        return None, 0.0
    relative = -0.691 + 10 * math.log10(z.mean()) - 10
    gated = z[-0.691 + 10 * np.log10(z) > relative]
    integrated = -0.691 + 10 * math.log10(gated.mean()) if gated.size else None
    st = np.array([s for s in short if s > 0])
    if st.size < 2:
        return integrated, 0.0
    st_lk = -0.691 + 10 * np.log10(st)
    st_lk = st_lk[st_lk > max(-70.0, (integrated or -70.0) - 20)]
    spread = float(np.percentile(st_lk, 95) - np.percentile(st_lk, 10)) if st_lk.size else 0.0
    return integrated, spread


def scan_sound(
    path: str,
    windows: Sequence[tuple[float, float]],
    should_stop: Callable[[], bool] = lambda: False,
) -> SoundStats | None:
    """Speech, music, silence and loudness of the windows; None without an audio stream."""
    decoded = _decode(path, windows, should_stop)
    if not decoded:
        return None
    kinds: list[str] = []
    for samples in decoded:
        for i in range(0, len(samples) - SEGMENT + 1, SEGMENT):
            kinds.append(_classify(samples[i : i + SEGMENT]))
    total = len(kinds) or 1
    voiced = sum(1 for k in kinds if k != "silence") or 1
    integrated, spread = _loudness(decoded)
    return SoundStats(
        seconds=sum(len(s) for s in decoded) / RATE,
        speech_share=kinds.count("speech") / voiced if kinds.count("silence") < total else 0.0,
        music_share=kinds.count("music") / voiced if kinds.count("silence") < total else 0.0,
        silence_share=kinds.count("silence") / total,
        loudness_lufs=None if integrated is None else round(integrated, 1),
        loudness_range=round(spread, 1),
    )

"""Generated episodes for intro and credits detection: a cold open of its own length, then (or
not) the season's shared intro, then the episode's own sound, then (or not) shared credits.

Each stretch of sound is a sequence of tones and noise bursts from a seeded generator, so the
intro is the same samples in every episode that has it and everything else differs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

RATE = 16000


@dataclass(frozen=True, slots=True)
class EpisodePlan:
    cold_open: float  # seconds before the intro (or before the body when there is no intro)
    has_intro: bool
    body: float  # seconds of the episode's own sound after the intro
    has_credits: bool = False

    def intro_span(self, intro_seconds: float) -> tuple[float, float] | None:
        if not self.has_intro:
            return None
        return self.cold_open, self.cold_open + intro_seconds


def sound(seed: int, seconds: float, rate: int = RATE) -> np.ndarray:
    """A stretch of tones, glides and noise bursts, different for every seed."""
    rng = np.random.default_rng(seed)
    total = int(round(seconds * rate))
    out = np.zeros(total, np.float32)
    pos = 0
    while pos < total:
        length = min(total - pos, int(rng.uniform(0.15, 0.9) * rate))
        t = np.arange(length, dtype=np.float32) / rate
        kind = rng.integers(0, 3)
        if kind == 0:
            f0, f1 = rng.uniform(200, 3000, size=2)
            piece = np.sin(2 * np.pi * (f0 * t + (f1 - f0) * t * t / (2 * max(t[-1], 1e-3))))
        elif kind == 1:
            freqs = rng.uniform(150, 3500, size=3)
            piece = sum(np.sin(2 * np.pi * f * t) for f in freqs) / 3
        else:
            piece = rng.standard_normal(length)
        envelope = np.minimum(1.0, np.minimum(t, t[::-1]) * 50 + 0.05)
        out[pos : pos + length] = (piece * envelope * rng.uniform(0.1, 0.4)).astype(np.float32)
        pos += length
    return out


def episode_audio(
    plan: EpisodePlan, seed: int, intro: np.ndarray, credits: np.ndarray | None = None
) -> np.ndarray:
    parts = [sound(seed * 3 + 1, plan.cold_open)]
    if plan.has_intro:
        parts.append(intro)
    parts.append(sound(seed * 3 + 2, plan.body))
    if plan.has_credits and credits is not None:
        parts.append(credits)
    return np.concatenate(parts).astype(np.float32)


def _grey_video(out: av.container.OutputContainer, video, seconds: float) -> None:
    """A tiny grey picture a second, so that a library scan takes the file for an episode."""
    for i in range(int(seconds) + 1):
        frame = av.VideoFrame.from_ndarray(np.full((36, 64, 3), 90, np.uint8), format="rgb24")
        frame.pts = i
        for packet in video.encode(frame):
            out.mux(packet)
    for packet in video.encode(None):
        out.mux(packet)


def write_audio(
    path: Path, samples: np.ndarray, rate: int = RATE, codec: str = "aac", video: bool = False
) -> Path:
    """Samples as a mono AAC (or PCM in Matroska) audio file, with a tiny video if asked."""
    with av.open(str(path), "w") as out:
        pictures = None
        if video:  # every stream is added before the first packet is written
            pictures = out.add_stream("libx264", rate=1)
            pictures.width, pictures.height, pictures.pix_fmt = 64, 36, "yuv420p"
            pictures.options = {"preset": "ultrafast"}
        stream = out.add_stream(codec, rate=rate, layout="mono")
        if pictures is not None:
            _grey_video(out, pictures, len(samples) / rate)
        fmt = "s16" if codec.startswith("pcm") else "fltp"
        step = 1024 * 8
        for i in range(0, len(samples), step):
            chunk = samples[i : i + step]
            data = (chunk * 32767).astype(np.int16) if fmt == "s16" else chunk
            frame = av.AudioFrame.from_ndarray(data[None, :], format=fmt, layout="mono")
            frame.sample_rate = rate
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def make_season(
    folder: Path,
    plans: list[EpisodePlan],
    intro_seconds: float,
    credits_seconds: float = 0.0,
    season_seed: int = 7,
    suffix: str = ".m4a",
    video: bool = False,
) -> list[Path]:
    """One file per plan in `folder`, sharing the intro (and credits) sound."""
    intro = sound(season_seed * 1000 + 11, intro_seconds)
    credits = sound(season_seed * 1000 + 13, credits_seconds) if credits_seconds else None
    paths = []
    for i, plan in enumerate(plans):
        samples = episode_audio(plan, season_seed * 100 + i, intro, credits)
        paths.append(write_audio(folder / f"e{i + 1:02d}{suffix}", samples, video=video))
    return paths

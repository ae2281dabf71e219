"""Clips made for the tagging tests: a dark, slow single shot or bright, quickly cut shots,
with steady tone or silence for sound, and an optional .srt of given lines beside them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import av
import numpy as np

BRIGHT = ((250, 200, 40), (40, 220, 250), (250, 80, 160), (120, 250, 90))


def _srt(path: Path, lines: Sequence[str]) -> None:
    cues = []
    for i, line in enumerate(lines):
        start, end = i * 2, i * 2 + 1
        cues.append(f"{i + 1}\n00:00:{start:02d},000 --> 00:00:{end:02d},500\n{line}\n")
    path.write_text("\n".join(cues), encoding="utf-8")


def make_clip(
    path: Path,
    *,
    style: str,
    seconds: float = 6.0,
    size: tuple[int, int] = (160, 90),
    fps: int = 12,
    subtitles: Sequence[str] = (),
) -> Path:
    """style "dark-slow": one dim, nearly still shot; "bright-fast": a new vivid shot every
    half second with movement inside each. Grain everywhere, as a camera has."""
    rng = np.random.default_rng(7)
    width, height = size
    with av.open(str(path), "w", format="matroska") as out:
        video = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        audio = out.add_stream("aac", rate=48000)
        audio.layout = "stereo"
        for i in range(int(seconds * fps)):
            grain = rng.integers(-12, 13, (height, width, 3))
            if style == "dark-slow":
                base = np.full((height, width, 3), (28, 24, 30)) + grain // 2
            else:
                shot = int(i / (fps / 2))
                base = np.full((height, width, 3), BRIGHT[shot % len(BRIGHT)]) + grain
                x = (i * 9) % width  # a block moving across the shot
                base[:, x : x + width // 5] = 255 - base[:, x : x + width // 5]
            frame = av.VideoFrame.from_ndarray(np.clip(base, 0, 255).astype(np.uint8), "rgb24")
            frame.pts = i
            out.mux(video.encode(frame.reformat(format="yuv420p")))
        out.mux(video.encode())
        size_ = audio.codec_context.frame_size or 1024
        t = np.arange(int(48000 * seconds)) / 48000
        tone = (0.2 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
        for start in range(0, len(t) - size_, size_):
            chunk = np.vstack([tone[start : start + size_]] * 2)
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
            frame.sample_rate, frame.pts = 48000, start
            out.mux(audio.encode(frame))
        out.mux(audio.encode())
    if subtitles:
        _srt(path.with_suffix(".srt"), subtitles)
    return path

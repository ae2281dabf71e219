"""What the pictures say, from small frames sampled a few times a second: cuts (shots per
minute), brightness, colour, motion and flat colour regions (animation), plus a few keyframes.

Blocking PyAV and numpy work: run it in a thread. Frames are scaled down to 64x36 for every
measure, so a frame costs microseconds after decoding; decoding is what the caller bounds by
choosing the windows."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import av
import numpy as np

SMALL = (64, 36)
KEYFRAME_WIDTH = 384
# Two sampled frames whose colour histograms differ by more than this (half the L1 distance,
# 0..1) are on either side of a cut.
CUT_DISTANCE = 0.45
HIST_BINS = 4  # per channel: 64 colour bins


@dataclass
class PictureStats:
    """Running totals over the sampled frames of every window."""

    frames: int = 0
    cuts: int = 0
    seconds: float = 0.0  # of video covered by the windows
    luma: float = 0.0
    saturation: float = 0.0
    warmth: float = 0.0
    motion: float = 0.0
    motion_pairs: int = 0
    flat: float = 0.0
    keyframes: list[bytes] = field(default_factory=list)

    def mean(self, total: float, count: int | None = None) -> float:
        n = self.frames if count is None else count
        return total / n if n else 0.0


def _histogram(rgb: np.ndarray) -> np.ndarray:
    q = (rgb // (256 // HIST_BINS)).astype(np.int32)
    index = (q[..., 0] * HIST_BINS + q[..., 1]) * HIST_BINS + q[..., 2]
    hist = np.bincount(index.ravel(), minlength=HIST_BINS**3).astype(np.float64)
    return hist / hist.sum()


def _measure(stats: PictureStats, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Add one small RGB frame to the totals; its grey image and histogram."""
    f = rgb.astype(np.float32) / 255.0
    r, g, b = f[..., 0], f[..., 1], f[..., 2]
    grey = 0.299 * r + 0.587 * g + 0.114 * b
    high, low = f.max(axis=2), f.min(axis=2)
    stats.frames += 1
    stats.luma += float(grey.mean())
    stats.saturation += float(
        np.where(high > 0.04, (high - low) / np.maximum(high, 1e-6), 0).mean()
    )
    stats.warmth += float((r - b).mean())
    # Flat regions: neighbours nearly equal both ways. Cartoons are mostly flat fills; live
    # action has grain and texture almost everywhere, even in dark scenes (noise).
    dx = np.abs(np.diff(grey, axis=1))[:-1, :]
    dy = np.abs(np.diff(grey, axis=0))[:, :-1]
    stats.flat += float(((dx + dy) < 0.004).mean())
    return grey, _histogram(rgb)


def _jpeg(frame: av.VideoFrame) -> bytes:
    height = max(2, round(frame.height * KEYFRAME_WIDTH / max(frame.width, 1)) // 2 * 2)
    image = frame.to_image(width=KEYFRAME_WIDTH, height=height)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=70)
    return out.getvalue()


def scan_pictures(
    path: str,
    windows: Sequence[tuple[float, float]],
    fps: float,
    keyframes: int = 0,
    should_stop: Callable[[], bool] = lambda: False,
) -> PictureStats:
    """Sample each (start, end) window of the first video stream at `fps`."""
    stats = PictureStats()
    step = 1.0 / fps
    with av.open(path) as container:
        if not container.streams.video:
            return stats
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        keyframe_every = max(1, len(windows) // keyframes) if keyframes else 0
        for number, (start, end) in enumerate(windows):
            if should_stop():
                break
            if start > 0:
                container.seek(int(start / stream.time_base), stream=stream, backward=True)
            previous: tuple[np.ndarray, np.ndarray] | None = None
            next_at, first_at, last_at = start, None, start
            for frame in container.decode(stream):
                t = frame.time
                if t is None or t < next_at:
                    continue
                if t >= end:
                    break
                next_at = t + step
                first_at = t if first_at is None else first_at
                last_at = t
                small = frame.to_ndarray(width=SMALL[0], height=SMALL[1], format="rgb24")
                grey, hist = _measure(stats, small)
                if previous is not None:
                    distance = 0.5 * float(np.abs(hist - previous[1]).sum())
                    if distance > CUT_DISTANCE:
                        stats.cuts += 1
                    else:  # motion within a shot; a cut is not movement
                        stats.motion += float(np.abs(grey - previous[0]).mean())
                        stats.motion_pairs += 1
                previous = (grey, hist)
                wants_key = keyframe_every and number % keyframe_every == 0
                if wants_key and len(stats.keyframes) < keyframes and t - start >= 1.0:
                    stats.keyframes.append(_jpeg(frame))
            if first_at is not None:
                stats.seconds += max(last_at - first_at + step, step)
    return stats

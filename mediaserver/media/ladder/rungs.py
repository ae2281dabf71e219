"""The adaptive-bitrate ladder: rung definitions, the encoding profile, the rungs a source gets.

Everything that reaches an encoder comes from here, built from typed settings and from numbers the
probe measured (sizes, rates): never from a request, a file name or a metadata string
(docs/security.md, encoder option injection). `LadderProfile` validates every value against a
whitelist when it is built.

Bitrates follow Apple's HLS authoring specification (H.264 at 30 fps: 1080p ~6 Mb/s, 720p ~3 Mb/s,
480p ~1.2 Mb/s, 360p ~0.7 Mb/s; HEVC about 30-40% less). Rates are capped VBR: maxrate 1.5x and a
VBV buffer of 2x the target, so the peak stays well under Apple's 200%-of-average rule.

2160p is made with HEVC only: Apple's guidance lists 2160p for HEVC, and H.264 at 2160p (level 5.1,
~16-20 Mb/s) is not hardware-decoded by many of the devices that would pick it (older Apple TVs,
phones, smart TVs), so for H.264 the rung would cost the most encoding time for the fewest viewers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any, Literal

Codec = Literal["h264", "hevc"]

CODECS: tuple[str, ...] = ("h264", "hevc")
PRESETS: tuple[str, ...] = (
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
)
# Encoder library, FFmpeg name; the only video encoders this module can ask for.
ENCODERS = {"h264": "libx264", "hevc": "libx265"}
PROFILES = {"h264": "high", "hevc": "main"}
# Hardware encoders a ladder can use with frames in system memory. VA-API is detected too, but it
# needs frames uploaded to GPU surfaces first, which the ladder pipeline does not do yet: with
# VA-API detected, ladders are still made with libx264 (the admin page says so).
HARDWARE_ENCODERS = {
    ("nvenc", "h264"): "h264_nvenc",
    ("nvenc", "hevc"): "hevc_nvenc",
    ("qsv", "h264"): "h264_qsv",
    ("qsv", "hevc"): "hevc_qsv",
}
LADDER_HARDWARE: tuple[str, ...] = ("nvenc", "qsv")
PIXEL_FORMATS = {None: "yuv420p", "nvenc": "yuv420p", "qsv": "nv12"}

STEREO_BITRATE = 128_000
SURROUND_BITRATE = 384_000
MAXRATE_FACTOR = 1.5
BUFSIZE_FACTOR = 2.0
HIGH_FRAME_RATE = 31.0  # above this (50/60 fps) bitrates are raised by HIGH_FRAME_RATE_FACTOR
HIGH_FRAME_RATE_FACTOR = 1.5
NEAR_DUPLICATE = 0.9  # a rung at least this fraction of the one above it replaces it


@dataclass(frozen=True)
class RungSpec:
    """A slot of the ladder: fits a `height*16/9 x height` box (turned for portrait sources)."""

    name: str
    height: int
    h264_kbps: int
    hevc_kbps: int

    @property
    def box(self) -> tuple[float, float]:
        return self.height * 16 / 9, float(self.height)


RUNGS: dict[str, RungSpec] = {
    spec.name: spec
    for spec in (
        RungSpec("2160p", 2160, 16_000, 12_000),
        RungSpec("1080p", 1080, 6_000, 4_500),
        RungSpec("720p", 720, 3_000, 2_000),
        RungSpec("480p", 480, 1_200, 850),
        RungSpec("360p", 360, 700, 450),
    )
}
DEFAULT_RUNGS: tuple[str, ...] = tuple(RUNGS)
HEVC_ONLY_RUNGS = frozenset({"2160p"})


@dataclass(frozen=True)
class LadderProfile:
    """How ladders are made. Build it from typed settings (`from_settings`); every field is checked
    against a whitelist or a range here, so nothing unchecked can reach an encoder option."""

    codec: Codec = "h264"
    preset: str = "veryfast"
    rungs: tuple[str, ...] = DEFAULT_RUNGS
    segment_seconds: float = 4.0
    gop_seconds: float = 2.0
    surround: bool = False
    threads: int = 0  # per encoder; 0 lets the encoder decide (about 1.5x the CPU count)
    hardware: Literal["nvenc", "qsv"] | None = None  # a detected hardware encoder; None: software

    def __post_init__(self) -> None:
        if self.hardware is not None and self.hardware not in LADDER_HARDWARE:
            raise ValueError(f"hardware must be one of {', '.join(LADDER_HARDWARE)} or None")
        if self.codec not in CODECS:
            raise ValueError(f"codec must be one of {', '.join(CODECS)}, not {self.codec!r}")
        if self.preset not in PRESETS:
            raise ValueError(f"preset must be one of {', '.join(PRESETS)}, not {self.preset!r}")
        unknown = [name for name in self.rungs if name not in RUNGS]
        if unknown or not self.rungs:
            raise ValueError(f"rungs must be chosen from {', '.join(RUNGS)}; got {self.rungs!r}")
        if not 0.5 <= self.gop_seconds <= 2.0:
            raise ValueError("gop_seconds must be between 0.5 and 2 seconds")
        if not 2.0 <= self.segment_seconds <= 10.0:
            raise ValueError("segment_seconds must be between 2 and 10 seconds")
        ratio = Fraction(str(self.segment_seconds)) / Fraction(str(self.gop_seconds))
        if ratio.denominator != 1:
            raise ValueError("segment_seconds must be a whole multiple of gop_seconds")
        if not 0 <= self.threads <= 64:
            raise ValueError("threads must be between 0 and 64")
        object.__setattr__(self, "rungs", tuple(self.rungs))

    @classmethod
    def from_settings(cls, settings: Any, hardware: str | None = None) -> LadderProfile:
        """From the `[transcoding]` settings section (any object with these attributes) and the
        hardware kind start-up detection found working (ignored unless the ladder can use it)."""
        return cls(
            hardware=hardware if hardware in LADDER_HARDWARE else None,
            codec=settings.codec,
            preset=settings.preset,
            rungs=tuple(settings.rungs),
            segment_seconds=float(settings.segment_seconds),
            gop_seconds=float(settings.gop_seconds),
            surround=bool(settings.surround),
            threads=int(getattr(settings, "threads", 0)),
        )

    @property
    def encoder(self) -> str:
        if self.hardware is not None:
            return HARDWARE_ENCODERS[(self.hardware, self.codec)]
        return ENCODERS[self.codec]

    @property
    def pixel_format(self) -> str:
        """What the rungs' frames are scaled into: what the encoder takes from system memory."""
        return PIXEL_FORMATS[self.hardware]

    def software(self) -> LadderProfile:
        """The same ladder made with libx264/libx265 (the fallback when hardware fails)."""
        return replace(self, hardware=None)

    def active_rungs(self) -> list[RungSpec]:
        """The configured slots, largest first; 2160p only with HEVC (see the module doc)."""
        specs = [RUNGS[name] for name in dict.fromkeys(self.rungs)]
        if self.codec != "hevc":
            specs = [spec for spec in specs if spec.name not in HEVC_ONLY_RUNGS]
        return sorted(specs, key=lambda spec: spec.height, reverse=True)


@dataclass(frozen=True)
class RungPlan:
    """One rung to encode: output size (square pixels, upright) and rate control in bits/s."""

    name: str
    width: int
    height: int
    bitrate: int
    maxrate: int
    bufsize: int


def even(value: float) -> int:
    """Nearest even integer, at least 2 (4:2:0 needs even sizes)."""
    return max(2, 2 * round(value / 2))


def parse_ratio(text: str | None) -> Fraction:
    """'4:3' -> Fraction(4, 3); anything unusable -> 1."""
    try:
        num, den = (int(part) for part in (text or "1:1").split(":"))
        return Fraction(num, den) if num > 0 and den > 0 else Fraction(1)
    except (ValueError, ZeroDivisionError):
        return Fraction(1)


def display_size(
    width: int, height: int, sample_aspect: Fraction | str = Fraction(1), rotation: int = 0
) -> tuple[float, float]:
    """Size as shown: sample aspect applied (anamorphic -> square pixels), then rotation
    (90/270 swap width and height). Not rounded."""
    sar = parse_ratio(sample_aspect) if isinstance(sample_aspect, str) else sample_aspect
    if sar <= 0:
        sar = Fraction(1)
    shown_w, shown_h = float(width * sar), float(height)  # as players do: the width stretches
    if rotation % 180 == 90:
        shown_w, shown_h = shown_h, shown_w
    return shown_w, shown_h


def _fit(spec: RungSpec, width: float, height: float) -> tuple[int, int, float]:
    box_long, box_short = spec.box
    long_side, short_side = max(width, height), min(width, height)
    scale = min(1.0, box_long / long_side, box_short / short_side)
    return even(width * scale), even(height * scale), scale


def _bitrate(profile: LadderProfile, spec: RungSpec, width: int, height: int, fps: float) -> int:
    kbps = spec.hevc_kbps if profile.codec == "hevc" else spec.h264_kbps
    slot_pixels = even(spec.height * 16 / 9) * spec.height
    ratio = min(1.0, (width * height) / slot_pixels)
    rate = kbps * 1000 * ratio**0.75  # a smaller picture than the slot needs less, not linearly
    if fps > HIGH_FRAME_RATE:
        rate *= HIGH_FRAME_RATE_FACTOR
    return max(64_000, int(round(rate, -3)))


def plan_rungs(
    profile: LadderProfile,
    width: int,
    height: int,
    *,
    sample_aspect: Fraction | str = Fraction(1),
    rotation: int = 0,
    frame_rate: float | None = None,
) -> list[RungPlan]:
    """The rungs for a source of this coded size, largest first. Never upscaled: slots larger
    than the source collapse into one top rung at the source's (display) size, named after the
    smallest slot that holds it; a rung nearly as large as the one above replaces it."""
    if width <= 0 or height <= 0:
        raise ValueError("the video has no size")
    shown_w, shown_h = display_size(width, height, sample_aspect, rotation)
    fps = frame_rate or 30.0
    kept: list[tuple[RungSpec, int, int]] = []
    for spec in profile.active_rungs():
        out_w, out_h, _scale = _fit(spec, shown_w, shown_h)
        if kept:
            _prev, prev_w, prev_h = kept[-1]
            if out_w >= NEAR_DUPLICATE * prev_w and out_h >= NEAR_DUPLICATE * prev_h:
                kept[-1] = (spec, out_w, out_h)
                continue
        kept.append((spec, out_w, out_h))
    plans = []
    for spec, out_w, out_h in kept:
        rate = _bitrate(profile, spec, out_w, out_h, fps)
        plans.append(
            RungPlan(
                name=spec.name,
                width=out_w,
                height=out_h,
                bitrate=rate,
                maxrate=int(rate * MAXRATE_FACTOR),
                bufsize=int(rate * BUFSIZE_FACTOR),
            )
        )
    return plans


def encoder_threads(profile: LadderProfile, plans: list[RungPlan], cpus: int) -> list[int]:
    """Threads per rung encoder. Each rung already runs in its own thread, so instead of every
    encoder starting ~1.5x the CPU count (x264's default: oversubscribed, and frame threading
    costs CPU and a little quality), a budget of 1.5x the CPUs is shared by pixel count. The
    `threads` setting, when not 0, applies to every rung."""
    if profile.threads:
        return [profile.threads for _ in plans]
    budget = max(1, cpus) * 1.5
    total = sum(plan.width * plan.height for plan in plans) or 1
    return [max(1, math.floor(budget * plan.width * plan.height / total + 0.5)) for plan in plans]


def gop_frames(profile: LadderProfile, frame_rate: float | None) -> int:
    """Frames per GOP at the source's average rate (the encoder's keyint cap; the real keyframes
    are forced by time, see build.py)."""
    return max(1, math.floor(profile.gop_seconds * (frame_rate or 30.0) + 1e-6))

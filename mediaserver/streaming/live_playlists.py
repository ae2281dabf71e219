"""Playlists and rung plans for on-the-fly HLS, complete before a single segment exists.

The media playlist is VOD from the start (every segment listed, EXTINF from the timeline). The
master lists one variant per rung: video and audio are muxed into one fMP4 per rung, so CODECS
names both. Transcode rungs come from the ladder's rung plans (never above the source, never above
the token's max height); their H.264 level is fixed here and passed to the encoder, so CODECS is
what the stream really is. Remux has one rung, `source`, with the source's codec string.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from mediaserver.media.ladder import rungs as ladder
from mediaserver.media.ladder.rungs import LadderProfile, RungPlan
from mediaserver.media.live.keyframes import Timeline
from mediaserver.streaming.stream_facts import StreamFacts

LIVE_RUNGS = ("1080p", "720p", "480p", "360p")  # H.264 on the fly: 2160p only in HEVC ladders
AUDIO_CODEC = "mp4a.40.2"
AUDIO_BPS = 128_000
REMUX_RUNG = "source"
# (max height, max fps) -> x264 level: the smallest level that holds the rung at its rate.
LEVELS = ((480, 30, "3.0"), (720, 30, "3.1"), (480, 60, "3.1"), (720, 60, "3.2"), (1080, 30, "4.0"))
H264_PROFILE_IDC = {"baseline": 66, "constrained baseline": 66, "main": 77, "high": 100}


@dataclass(frozen=True, slots=True)
class LiveRung:
    """A rung an on-the-fly play gets: its plan (None for remux: the video is copied), size,
    video bits per second and RFC 6381 codec string."""

    name: str
    plan: RungPlan | None
    width: int
    height: int
    bandwidth: int
    codec: str


def h264_level(plan: RungPlan, fps: float) -> str:
    short = min(plan.width, plan.height)
    for height, rate, level in LEVELS:
        if short <= height and fps <= rate + 0.5:
            return level
    return "4.2"


def avc1(level: str, profile_idc: int = 100, constraints: int = 0) -> str:
    return f"avc1.{profile_idc:02x}{constraints:02x}{round(float(level) * 10):02x}"


def transcode_plans(geometry: StreamFacts, preset: str, max_height: int) -> list[RungPlan]:
    """The rungs a source gets on the fly, largest first, within the token's cap."""
    profile = LadderProfile(codec="h264", preset=preset, rungs=LIVE_RUNGS)
    plans = ladder.plan_rungs(
        profile,
        geometry.width,
        geometry.height,
        sample_aspect=ladder.parse_ratio(geometry.sample_aspect),
        rotation=geometry.rotation,
        frame_rate=geometry.frame_rate,
    )
    allowed = [p for p in plans if max_height == 0 or min(p.width, p.height) <= max_height]
    return allowed or ([plans[-1]] if max_height == 0 or plans[-1].height <= max_height else [])


def source_codecs(geometry: StreamFacts) -> str:
    """RFC 6381 codec string of a copied H.264/HEVC stream, from the probe."""
    level = geometry.level or 40
    if geometry.codec == "hevc":
        tier_profile = 2 if (geometry.profile or "").lower().startswith("main 10") else 1
        return f"hvc1.{tier_profile}.{4 if tier_profile == 1 else 6}.L{level}.B0"
    idc = H264_PROFILE_IDC.get((geometry.profile or "high").lower(), 100)
    constraints = 0x40 if (geometry.profile or "").lower() == "constrained baseline" else 0
    return f"avc1.{idc:02x}{constraints:02x}{level:02x}"


def _frame_rate(geometry: StreamFacts) -> str:
    rate = geometry.frame_rate if geometry.frame_rate and 1 <= geometry.frame_rate <= 240 else 30
    return f"{float(Fraction(rate).limit_denominator(1001)):.3f}"


def master_playlist(rungs: Sequence[LiveRung], geometry: StreamFacts, audio: bool) -> str:
    """One variant per rung; CODECS and BANDWIDTH include the audio when there is audio."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for rung in rungs:
        codecs = f"{rung.codec},{AUDIO_CODEC}" if audio else rung.codec
        bandwidth = rung.bandwidth + (AUDIO_BPS if audio else 0)
        lines.append(
            f"#EXT-X-STREAM-INF:BANDWIDTH={bandwidth},RESOLUTION={rung.width}x{rung.height},"
            f'CODECS="{codecs}",FRAME-RATE={_frame_rate(geometry)}'
        )
        lines.append(f"{rung.name}/index.m3u8")
    return "\n".join(lines) + "\n"


def media_playlist(timeline: Timeline) -> str:
    durations = [timeline.extinf(n) for n in range(timeline.count)]
    target = max(1, max(int(d + 0.999) for d in durations))
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        f"#EXT-X-TARGETDURATION:{target}",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        "#EXT-X-INDEPENDENT-SEGMENTS",
        '#EXT-X-MAP:URI="init.mp4"',
    ]
    for n, duration in enumerate(durations):
        lines.append(f"#EXTINF:{duration:.6f},")
        lines.append(f"seg_{n:05d}.m4s")
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"

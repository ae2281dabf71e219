"""The on-the-fly session's H.264 encoders: the main one, and a faster one for its first segment.

zerolatency x264 (no lookahead, no B-frames, sliced threads): a frame's packet comes out as it
goes in, so a segment is whole as soon as its last frame is encoded. A keyframe is forced at
every segment start and nowhere else (scenecut off). The first segment of every run comes from
a faster preset whose SPS/PPS are byte for byte the main encoder's (time to first frame): the
init segment holds one set, and every segment starts with an IDR, so the switch is seamless.
Every option here is a constant or a number computed on the server (docs/security.md, encoder
option injection).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import av

from mediaserver.media.ladder.rungs import RungPlan

VIDEO_TIME_BASE = Fraction(1, 90_000)
FAST_PRESET = "superfast"  # about 30% less CPU than veryfast, same SPS/PPS (checked each time)
SLOWER_THAN_FAST = ("veryfast", "faster", "fast", "medium")


@dataclass
class EncoderSettings:
    plan: RungPlan
    preset: str
    threads: int
    rate: Fraction = Fraction(30)
    x264: dict[str, str] = field(default_factory=dict)

    def apply(self, ctx: av.VideoCodecContext) -> None:
        ctx.width, ctx.height, ctx.pix_fmt = self.plan.width, self.plan.height, "yuv420p"
        ctx.time_base = VIDEO_TIME_BASE
        ctx.framerate = self.rate
        ctx.bit_rate = self.plan.bitrate
        ctx.thread_type = "SLICE"  # frame threads would hold frames back (latency)
        ctx.thread_count = self.threads


def add_video_encoder(
    out: av.container.OutputContainer,
    source_rate: Fraction | None,
    settings: EncoderSettings,
    *,
    level: str,
    segment_seconds: float,
) -> av.video.stream.VideoStream:
    """The main encoder, as a stream of `out`; fills in settings.rate and settings.x264."""
    rate = source_rate or Fraction(30)
    if not 1 <= rate <= 240:
        rate = Fraction(30)
    keyint = max(1, round(float(rate) * segment_seconds * 4))
    plan = settings.plan
    settings.rate = Fraction(rate).limit_denominator(1001)
    settings.x264 = {
        "tune": "zerolatency",
        "profile": "high",
        "level": level,
        "forced-idr": "1",
        "maxrate": str(plan.maxrate),
        "bufsize": str(plan.bufsize),
        "x264-params": f"keyint={keyint}:min-keyint={keyint}:scenecut=0:open-gop=0",
    }
    stream = out.add_stream(
        "libx264", rate=settings.rate, options={"preset": settings.preset, **settings.x264}
    )
    stream.width, stream.height, stream.pix_fmt = plan.width, plan.height, "yuv420p"
    stream.time_base = VIDEO_TIME_BASE
    settings.apply(stream.codec_context)
    return stream


def fast_encoder(
    main: av.VideoCodecContext | None, settings: EncoderSettings
) -> av.VideoCodecContext | None:
    """The first segment's faster encoder, or None when its SPS/PPS would differ from `main`'s
    (or the main preset is already fast)."""
    if settings.preset not in SLOWER_THAN_FAST:
        return None
    ctx = av.CodecContext.create("libx264", "w")
    settings.apply(ctx)
    ctx.flags |= av.codec.context.Flags.global_header  # headers in extradata, as in MP4
    ctx.options = {"preset": FAST_PRESET, **settings.x264}
    try:
        ctx.open()
    except av.FFmpegError:
        return None
    if main is None or not ctx.extradata or ctx.extradata != main.extradata:
        return None
    return ctx

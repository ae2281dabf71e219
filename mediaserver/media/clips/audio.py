"""A clip's audio: AAC packets in the range copied, anything else decoded and encoded to AAC."""

from __future__ import annotations

from fractions import Fraction

import av

EPSILON = 0.001


def _seek(container, stream, seconds: float) -> None:
    container.seek(max(0, int(seconds / stream.time_base)), stream=stream, backward=True)


def copy_packets(container, stream, origin: float, start: float, end: float) -> list[av.Packet]:
    """AAC packets whose time lies in [start, end), in the source's time base."""
    _seek(container, stream, origin + start - 1.0)
    kept = []
    for packet in container.demux(stream):
        if packet.pts is None or packet.size == 0:
            continue
        t = float(packet.pts * stream.time_base) - origin
        if t >= end - EPSILON:
            break
        if t >= start - EPSILON:
            kept.append(packet)
    return kept


def encode_range(
    container, stream, out_stream, origin: float, start: float, end: float, first: int = 0
) -> list[av.Packet]:
    """The range decoded, resampled to the output's format and encoded (pts from `first`, in
    samples: where the clip's first video frame lands)."""
    ctx = out_stream.codec_context
    resampler = av.AudioResampler(format=ctx.format.name, layout=ctx.layout.name, rate=ctx.rate)
    _seek(container, stream, origin + start - 1.0)
    out: list[av.Packet] = []
    written = first
    for frame in container.decode(stream):
        if frame.pts is None:
            continue
        t = float(frame.pts * frame.time_base) - origin
        if t >= end - EPSILON:
            break
        if t + frame.samples / frame.sample_rate <= start:
            continue
        for piece in resampler.resample(frame):
            piece.pts = written
            piece.time_base = Fraction(1, ctx.rate)
            written += piece.samples
            out += out_stream.encode(piece)
    out += out_stream.encode(None)
    return out

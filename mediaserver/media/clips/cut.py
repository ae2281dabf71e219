"""Cutting a clip out of a video on exact frames, copying every GOP that lies inside the range.

The range [start, end) is measured in seconds from `origin` (the title's timeline). GOPs fully
inside it are copied packet for packet; the frames before the first copied GOP and after the last
are decoded and re-encoded with libx264 (no B-frames, decode timestamps given the copied part's
reorder delay so the joined stream keeps increasing), each piece with parameter-set ids of its
own listed in the clip's avcC (h264.py). Without any GOP inside, or from a source that is not
8-bit 4:2:0 H.264 of at most `max_height` lines, the whole range is re-encoded. Audio is copied
when it is AAC, else re-encoded to AAC (audio.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction

import av

from mediaserver.media.clips import h264

EPSILON = 0.001  # seconds: a frame exactly at a bound belongs to the side the bound says


class ClipCutError(Exception):
    """The source cannot be cut (no video, damaged, nothing in the range)."""


@dataclass(frozen=True, slots=True)
class CutStats:
    copied_packets: int
    encoded_frames: int
    audio_packets: int
    audio_copied: bool


@dataclass(slots=True)
class _Video:
    packets: list[av.Packet]
    times: list[float]  # presentation time of each packet, seconds from origin
    keys: list[int]  # indexes of packets that start a closed GOP
    stop: float | None  # time of the keyframe after the last packet kept (None: end of file)


def _smart_sets(stream: av.video.stream.VideoStream, max_height: int) -> h264.ParameterSets | None:
    ctx = stream.codec_context
    if ctx.name != "h264" or ctx.format is None or ctx.format.name != "yuv420p":
        return None
    if not stream.height or stream.height > max_height:
        return None
    return h264.read_avcc(bytes(ctx.extradata or b""))


def _read_video(container, stream, origin: float, start: float, end: float, sets) -> _Video:
    tb = stream.time_base
    container.seek(max(0, int((origin + start) / tb)), stream=stream, backward=True)
    video = _Video([], [], [], None)
    for packet in container.demux(stream):
        if packet.pts is None or packet.size == 0:
            continue
        t = float(packet.pts * tb) - origin
        key = packet.is_keyframe or (
            sets is not None and h264.has_idr(bytes(packet), sets.length_size)
        )
        if key and t >= end - EPSILON:
            video.stop = t
            break
        if key:
            video.keys.append(len(video.packets))
        elif not video.keys:
            continue  # before the first keyframe the seek found: undecodable
        video.packets.append(packet)
        video.times.append(t)
    if not video.keys:
        raise ClipCutError("no decodable video in the chosen range")
    return video


def _copied_span(video: _Video, start: float, end: float) -> tuple[int, int] | None:
    """Packet indexes [first, last) of the GOPs lying wholly inside the range, if any."""
    bounds = [*video.keys, len(video.packets)]
    ends = [video.times[i] for i in video.keys[1:]] + [video.stop]
    inside = [
        (bounds[g], bounds[g + 1])
        for g, gop_end in enumerate(ends)
        if video.times[bounds[g]] >= start - EPSILON
        and gop_end is not None
        and gop_end <= end + EPSILON
    ]
    return (inside[0][0], inside[-1][1]) if inside else None


def _gop_start(video: _Video, t: float) -> int:
    earlier = [i for i in video.keys if video.times[i] <= t + EPSILON]
    return earlier[-1] if earlier else video.keys[0]


class _Encoder:
    """libx264 for one re-encoded piece: no B-frames, its own parameter-set id."""

    def __init__(self, width: int, height: int, tb: Fraction, rate, ident: int, preset: str):
        ctx = av.CodecContext.create("libx264", "w")
        ctx.width, ctx.height, ctx.pix_fmt = width, height, "yuv420p"
        ctx.time_base = tb
        if rate:
            ctx.framerate = rate
        ctx.flags |= av.codec.context.Flags.global_header
        ctx.options = {
            "preset": preset,
            "crf": "18",
            "x264-params": f"sps-id={ident}:bframes=0:keyint=600",
        }
        self.ctx = ctx
        self.size = (width, height)

    def encode(self, frame: av.VideoFrame | None) -> list[av.Packet]:
        if frame is not None and (
            frame.format.name != "yuv420p" or (frame.width, frame.height) != self.size
        ):
            frame = frame.reformat(width=self.size[0], height=self.size[1], format="yuv420p")
        if frame is not None:
            frame.pict_type = av.video.frame.PictureType.NONE
        return list(self.ctx.encode(frame))

    def sets(self) -> h264.ParameterSets:
        return h264.annexb_sets(bytes(self.ctx.extradata or b""))


def _frames(
    stream, packets: list[av.Packet], origin: float, lo: float, hi: float
) -> Iterator[tuple[av.VideoFrame, float]]:
    """Decode `packets` (a fresh decoder: each piece starts at a keyframe) and yield the frames
    whose time lies in [lo, hi)."""
    decoder = av.CodecContext.create(stream.codec_context.name, "r")
    decoder.thread_type = "AUTO"  # frame threads: the edge GOPs are the slow part of a cut
    if stream.codec_context.extradata:
        decoder.extradata = stream.codec_context.extradata
    tb = stream.time_base
    # Packets after the last one shown before `hi` (in decode order) only show later frames,
    # and nothing before them refers to them: they need no decoding.
    shown = [i for i, p in enumerate(packets) if float(p.pts * tb) - origin < hi - EPSILON]
    packets = packets[: shown[-1] + 1] if shown else []
    # Until the first packet shown at `lo` or later, a frame no other refers to (most
    # B-frames) is never shown: the decoder skips it.
    skipping = lo != float("-inf")
    if skipping:
        decoder.skip_frame = "NONREF"
    for packet in [*packets, None]:
        if skipping and (packet is None or float(packet.pts * tb) - origin >= lo - EPSILON):
            decoder.skip_frame = "DEFAULT"
            skipping = False
        for frame in decoder.decode(packet):
            if frame.pts is None:
                continue
            t = float(frame.pts * tb) - origin
            if lo - EPSILON <= t < hi - EPSILON:
                yield frame, t


@dataclass(slots=True)
class _Piece:
    packets: list[av.Packet]
    encoded: int
    sets: h264.ParameterSets | None
    first: av.VideoFrame | None = None  # the piece's first frame, already decoded (the poster)


def _reencode(stream, packets, origin, bounds, size, ident, preset, delay, length) -> _Piece:
    encoder = _Encoder(size[0], size[1], stream.time_base, stream.average_rate, ident, preset)
    out: list[av.Packet] = []
    count, first = 0, None
    for frame, _t in _frames(stream, packets, origin, *bounds):
        frame.time_base = stream.time_base
        if first is None:
            first = frame.reformat(format="rgb24")  # before the encoder may reuse its buffers
        out += encoder.encode(frame)
        count += 1
    out += encoder.encode(None)
    if not count:
        return _Piece([], 0, None)
    converted = []
    for packet in out:
        sample = av.Packet(h264.to_length_prefixed(bytes(packet), length))
        sample.pts, sample.dts = packet.pts, packet.pts - delay
        sample.time_base, sample.is_keyframe = stream.time_base, packet.is_keyframe
        converted.append(sample)
    return _Piece(converted, count, encoder.sets(), first)


def _unused_ids(sets: h264.ParameterSets) -> list[int]:
    used = {h264.sps_id(s) for s in sets.sps} | {h264.pps_id(p) for p in sets.pps}
    return [i for i in range(32) if i not in used][:2]


@dataclass(frozen=True, slots=True)
class VideoCut:
    packets: list[av.Packet]  # decode order, time base of the source stream
    extradata: bytes
    time_base: Fraction
    first_pts: int  # the clip's first frame, to shift everything to zero
    copied: int
    encoded: int
    first_frame: av.VideoFrame  # the clip's first frame, decoded (RGB)


def _first_frame(stream, packet: av.Packet) -> av.VideoFrame:
    """The frame of a keyframe packet (the poster when the clip starts on a keyframe)."""
    return next(_frames(stream, [packet], 0.0, float("-inf"), float("inf")))[0].reformat(
        format="rgb24"
    )


def cut_video(
    container, start: float, end: float, origin: float, max_height: int, preset: str
) -> VideoCut | None:
    """The clip's video packets from an open container (its first video stream), GOPs inside
    the range copied; None when nothing can be copied (the caller re-encodes the range)."""
    stream = container.streams.video[0]
    sets = _smart_sets(stream, max_height)
    if sets is None:
        return None
    video = _read_video(container, stream, origin, start, end, sets)
    span = _copied_span(video, start, end)
    if span is None:
        return None
    lo, hi = span
    middle = video.packets[lo:hi]
    size = (stream.width, stream.height)
    ids = _unused_ids(sets)
    copy_end = video.stop if hi == len(video.packets) else video.times[hi]
    head_delay = middle[0].pts - middle[0].dts
    after = video.packets[hi] if hi < len(video.packets) else middle[0]
    tail_delay = after.pts - after.dts
    # The two edges are independent: re-encode them side by side (PyAV lets go of the GIL while
    # FFmpeg decodes and encodes).
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="clip-edge") as pool:
        head_job = pool.submit(
            _reencode, stream, video.packets[_gop_start(video, start) : lo], origin,
            (start, video.times[lo]), size, ids[0], preset, head_delay, sets.length_size,
        )  # fmt: skip
        tail_job = pool.submit(
            _reencode, stream, video.packets[hi:], origin, (copy_end, end), size, ids[1],
            preset, tail_delay, sets.length_size,
        )  # fmt: skip
        head, tail = head_job.result(), tail_job.result()
    pieces = [p.sets for p in (head, tail) if p.sets is not None]
    merged = h264.ParameterSets(
        sets.sps + tuple(n for p in pieces for n in p.sps),
        sets.pps + tuple(n for p in pieces for n in p.pps),
        sets.length_size,
    )
    return VideoCut(
        head.packets + middle + tail.packets,
        h264.write_avcc(merged),
        stream.time_base,
        min(p.pts for p in (head.packets or middle)),
        len(middle),
        head.encoded + tail.encoded,
        head.first or _first_frame(stream, middle[0]),
    )


def frames_in_range(
    container, stream, origin: float, start: float, end: float
) -> Iterator[av.VideoFrame]:
    """Every decoded frame whose time lies in [start, end) (the whole-range re-encode)."""
    container.seek(max(0, int((origin + start) / stream.time_base)), stream=stream, backward=True)
    for frame in container.decode(stream):
        if frame.pts is None:
            continue
        t = float(frame.pts * stream.time_base) - origin
        if t >= end - EPSILON:
            break
        if t >= start - EPSILON:
            yield frame

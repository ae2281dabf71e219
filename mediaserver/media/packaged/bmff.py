"""Read back the fMP4 (ISO BMFF) files we wrote: what the playlists must say is measured here.

Only our own output is parsed (init segments and media segments written by FFmpeg's muxer), so this
is a small reader, not a general demuxer: track timescale, the codec string for HLS CODECS / DASH
@codecs (from avcC / hvcC / esds, i.e. from the real encoded stream), sample durations and sizes
per fragment, and where the first (key) frame's bytes are for I-frame playlists.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

NON_SYNC = 0x0001_0000  # sample_is_non_sync_sample in ISO BMFF sample flags


class BmffError(ValueError):
    """Our own output is not what we expected (a bug or a disk problem, not bad input)."""


@dataclass(frozen=True)
class Box:
    kind: bytes
    start: int  # offset of the box header in the buffer
    payload: int  # offset of the payload
    end: int


def boxes(data: bytes, start: int = 0, end: int | None = None) -> Iterator[Box]:
    end = len(data) if end is None else end
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            size = struct.unpack_from(">Q", data, pos + 8)[0]
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            raise BmffError(f"box {kind!r} at {pos} overruns its parent")
        yield Box(kind, pos, pos + header, pos + size)
        pos += size


def find(data: bytes, path: list[bytes], start: int = 0, end: int | None = None) -> Box | None:
    """First box along a path of nested box types, e.g. [b"moov", b"trak", b"mdia", b"mdhd"]."""
    for box in boxes(data, start, end):
        if box.kind == path[0]:
            if len(path) == 1:
                return box
            found = find(data, path[1:], box.payload, box.end)
            if found is not None:
                return found
    return None


@dataclass(frozen=True)
class InitInfo:
    timescale: int
    codecs: str  # RFC 6381: "avc1.640028", "hvc1.1.6.L120.90", "mp4a.40.2"
    handler: Literal["vide", "soun"]
    default_duration: int  # trex default_sample_duration
    default_size: int
    default_flags: int


def _avc_codecs(entry: bytes, kind: str) -> str:
    avcc = find(entry, [b"avcC"], 78)
    if avcc is None:
        raise BmffError("no avcC in the video sample entry")
    profile, compat, level = entry[avcc.payload + 1 : avcc.payload + 4]
    return f"{kind}.{profile:02x}{compat:02x}{level:02x}"


def _hevc_codecs(entry: bytes, kind: str) -> str:
    hvcc = find(entry, [b"hvcC"], 78)
    if hvcc is None:
        raise BmffError("no hvcC in the video sample entry")
    p = hvcc.payload
    byte1 = entry[p + 1]
    space = ("", "A", "B", "C")[byte1 >> 6]
    tier = "H" if byte1 & 0x20 else "L"
    profile_idc = byte1 & 0x1F
    compat = struct.unpack_from(">I", entry, p + 2)[0]
    compat_rev = int(f"{compat:032b}"[::-1], 2)
    constraints = list(entry[p + 6 : p + 12])
    while constraints and constraints[-1] == 0:
        constraints.pop()
    level = entry[p + 12]
    parts = [kind, f"{space}{profile_idc}", f"{compat_rev:x}", f"{tier}{level}"]
    parts += [f"{byte:02X}" for byte in constraints]
    return ".".join(parts)


def _descriptor(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, payload offset, payload length) of an MPEG-4 descriptor (expandable size)."""
    tag = data[pos]
    pos += 1
    length = 0
    for _ in range(4):
        byte = data[pos]
        pos += 1
        length = (length << 7) | (byte & 0x7F)
        if not byte & 0x80:
            break
    return tag, pos, length


def _aac_codecs(entry: bytes) -> str:
    esds = find(entry, [b"esds"], 28)
    if esds is None:
        raise BmffError("no esds in the audio sample entry")
    tag, pos, _length = _descriptor(entry, esds.payload + 4)  # ES_Descriptor
    if tag != 0x03:
        raise BmffError("esds does not start with an ES descriptor")
    flags = entry[pos + 2]
    pos += 3 + (2 if flags & 0x80 else 0)
    if flags & 0x40:
        pos += 1 + entry[pos]
    if flags & 0x20:
        pos += 2
    tag, pos, _length = _descriptor(entry, pos)  # DecoderConfigDescriptor
    object_type = entry[pos]
    tag, dsi, _length = _descriptor(entry, pos + 13)  # DecoderSpecificInfo
    audio_object_type = entry[dsi] >> 3 if tag == 0x05 else 2
    return f"mp4a.{object_type:02x}.{audio_object_type}"


def read_init(path: Path) -> InitInfo:
    data = path.read_bytes()
    mdhd = find(data, [b"moov", b"trak", b"mdia", b"mdhd"])
    hdlr = find(data, [b"moov", b"trak", b"mdia", b"hdlr"])
    stsd = find(data, [b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stsd"])
    trex = find(data, [b"moov", b"mvex", b"trex"])
    if mdhd is None or hdlr is None or stsd is None:
        raise BmffError(f"{path.name} is not an fMP4 init segment")
    version = data[mdhd.payload]
    timescale = struct.unpack_from(">I", data, mdhd.payload + (20 if version == 1 else 12))[0]
    handler = data[hdlr.payload + 8 : hdlr.payload + 12].decode("ascii", "replace")
    entry_box = next(boxes(data, stsd.payload + 8, stsd.end))
    entry = data[entry_box.payload : entry_box.end]
    kind = entry_box.kind.decode("ascii", "replace")
    if kind in ("avc1", "avc3"):
        codecs = _avc_codecs(entry, kind)
    elif kind in ("hvc1", "hev1"):
        codecs = _hevc_codecs(entry, kind)
    elif kind == "mp4a":
        codecs = _aac_codecs(entry)
    else:
        codecs = kind
    defaults = (0, 0, 0)
    if trex is not None:
        defaults = struct.unpack_from(">III", data, trex.payload + 12)
    return InitInfo(timescale, codecs, handler, *defaults)


@dataclass
class SegmentInfo:
    """One media segment: decode start and duration in track ticks, bytes, and the byte range
    (from its first moof to the end of its first sample) an I-frame playlist points at."""

    uri: str
    start: int
    duration: int
    size: int
    first_sample_key: bool
    iframe_offset: int
    iframe_length: int
    sample_count: int
    fragment_starts: list[int] = field(default_factory=list)


def _trun_samples(data: bytes, box: Box, defaults: tuple[int, int, int]):
    """(data_offset or None, [(duration, size, flags), ...]) of one trun."""
    flags = struct.unpack_from(">I", data, box.payload)[0] & 0xFFFFFF
    count = struct.unpack_from(">I", data, box.payload + 4)[0]
    pos = box.payload + 8
    data_offset = None
    if flags & 0x001:
        data_offset = struct.unpack_from(">i", data, pos)[0]
        pos += 4
    first_flags = None
    if flags & 0x004:
        first_flags = struct.unpack_from(">I", data, pos)[0]
        pos += 4
    duration, size, sample_flags = defaults
    samples = []
    for index in range(count):
        this_duration, this_size, this_flags = duration, size, sample_flags
        if flags & 0x100:
            this_duration = struct.unpack_from(">I", data, pos)[0]
            pos += 4
        if flags & 0x200:
            this_size = struct.unpack_from(">I", data, pos)[0]
            pos += 4
        if flags & 0x400:
            this_flags = struct.unpack_from(">I", data, pos)[0]
            pos += 4
        if flags & 0x800:
            pos += 4
        if index == 0 and first_flags is not None:
            this_flags = first_flags
        samples.append((this_duration, this_size, this_flags))
    return data_offset, samples


def _traf_defaults(data: bytes, tfhd: Box, init: InitInfo) -> tuple[int, int, int]:
    flags = struct.unpack_from(">I", data, tfhd.payload)[0] & 0xFFFFFF
    pos = tfhd.payload + 8
    duration, size, sample_flags = init.default_duration, init.default_size, init.default_flags
    pos += 8 if flags & 0x01 else 0
    pos += 4 if flags & 0x02 else 0
    if flags & 0x08:
        duration = struct.unpack_from(">I", data, pos)[0]
        pos += 4
    if flags & 0x10:
        size = struct.unpack_from(">I", data, pos)[0]
        pos += 4
    if flags & 0x20:
        sample_flags = struct.unpack_from(">I", data, pos)[0]
    return duration, size, sample_flags


def read_segment(path: Path, init: InitInfo, uri: str) -> SegmentInfo:
    data = path.read_bytes()
    start: int | None = None
    duration = 0
    count = 0
    first: tuple[int, int, bool] | None = None  # (moof offset, end of first sample, key)
    fragment_starts = []
    for moof in (box for box in boxes(data) if box.kind == b"moof"):
        traf = find(data, [b"traf"], moof.payload, moof.end)
        tfhd = find(data, [b"tfhd"], traf.payload, traf.end) if traf else None
        tfdt = find(data, [b"tfdt"], traf.payload, traf.end) if traf else None
        if traf is None or tfhd is None or tfdt is None:
            raise BmffError(f"{uri}: a fragment without traf/tfhd/tfdt")
        version = data[tfdt.payload]
        decode_time = struct.unpack_from(">Q" if version == 1 else ">I", data, tfdt.payload + 4)[0]
        fragment_starts.append(decode_time)
        start = decode_time if start is None else start
        defaults = _traf_defaults(data, tfhd, init)
        for trun in (box for box in boxes(data, traf.payload, traf.end) if box.kind == b"trun"):
            data_offset, samples = _trun_samples(data, trun, defaults)
            duration += sum(sample[0] for sample in samples)
            count += len(samples)
            if first is None and samples:
                sample_start = moof.start + (data_offset or 0)
                key = not samples[0][2] & NON_SYNC
                first = (moof.start, sample_start + samples[0][1], key)
    if start is None or first is None:
        raise BmffError(f"{uri} holds no samples")
    return SegmentInfo(
        uri=uri,
        start=start,
        duration=duration,
        size=len(data),
        first_sample_key=first[2],
        iframe_offset=first[0],
        iframe_length=first[1] - first[0],
        sample_count=count,
        fragment_starts=fragment_starts,
    )

"""Read back the fMP4 (ISO BMFF) files we wrote: what the playlists must say is measured here.

Only our own output is parsed (init segments and media segments written by FFmpeg's muxer), so this
is a small reader, not a general demuxer: track timescale, the codec string for HLS CODECS / DASH
@codecs (from avcC / hvcC / esds, i.e. from the real encoded stream), sample durations and sizes
per fragment (the runs are read by fragments.py, the one trun parser), and where the first (key)
frame's bytes are for I-frame playlists.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from mediaserver.media.packaged.boxes import BmffError, boxes, find
from mediaserver.media.packaged.fragments import Run, columns, read_fragment

# BmffError, boxes and find live in boxes.py; the ladder build and the offline download import
# them from here as well.
__all__ = [
    "BmffError",
    "InitInfo",
    "SegmentInfo",
    "boxes",
    "find",
    "read_init",
    "read_segment",
]


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


def read_segment(path: Path, init: InitInfo, uri: str) -> SegmentInfo:
    data = path.read_bytes()
    trex = (init.default_duration, init.default_size, init.default_flags)
    fragment_starts: list[int] = []
    runs: list[Run] = []
    first: tuple[int, Run] | None = None  # (moof offset, the first run with samples)
    for moof in (box for box in boxes(data) if box.kind == b"moof"):
        try:
            fragment = read_fragment(data, moof, trex)
        except BmffError as exc:
            raise BmffError(f"{uri}: {exc}") from None
        fragment_starts.append(fragment.decode_start)
        runs += fragment.runs
        if first is None:
            first = next(((moof.start, run) for run in fragment.runs if run.count), None)
    if not fragment_starts or first is None:
        raise BmffError(f"{uri} holds no samples")
    samples = columns(runs)  # the first run with samples holds sample 0
    moof_start, run = first
    return SegmentInfo(
        uri=uri,
        start=fragment_starts[0],
        duration=int(samples.durations.sum()),
        size=len(data),
        first_sample_key=bool(samples.sync[0]),
        iframe_offset=moof_start,
        iframe_length=run.offset + int(samples.sizes[0]) - moof_start,
        sample_count=len(samples.durations),
        fragment_starts=fragment_starts,
    )

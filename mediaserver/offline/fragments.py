"""What a flat MP4's moov must say about the ladder's fMP4 tracks: the offline download's view.

The init segment gives the track's sample entry (copied verbatim into the download), timescale,
language, size and edit list (read here); each media segment's moof boxes give, per trun, the
samples' durations, sizes, sync flags and composition offsets and where their bytes lie in the
segment, and are read by media/packaged/fragments.py, the one trun parser, which the ladder's
read-back uses too (numpy arrays, no Python loop per sample).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from mediaserver.media.packaged import fragments
from mediaserver.media.packaged.boxes import BmffError, boxes, find
from mediaserver.media.packaged.fragments import HEAD_BYTES, Reader, Run, columns

__all__ = [
    "HEAD_BYTES",
    "Reader",
    "Run",
    "TrackInit",
    "columns",
    "read_segment_runs",
    "read_track_init",
]


@dataclass(frozen=True)
class TrackInit:
    """What one init segment says about its single track."""

    handler: str  # "vide" or "soun"
    timescale: int
    sample_entry: bytes  # the stsd child box (avc1, hvc1, mp4a ...) as written
    hdlr: bytes  # the whole hdlr box
    language: int  # mdhd's packed ISO 639-2 code
    media_time: int  # where the edit list starts the presentation, in track ticks
    width: int  # tkhd, 16.16 fixed point
    height: int
    defaults: tuple[int, int, int]  # trex: duration, size, flags


def read_track_init(data: bytes) -> TrackInit:
    trak = find(data, [b"moov", b"trak"])
    mdhd = find(data, [b"moov", b"trak", b"mdia", b"mdhd"])
    hdlr = find(data, [b"moov", b"trak", b"mdia", b"hdlr"])
    stsd = find(data, [b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stsd"])
    tkhd = find(data, [b"moov", b"trak", b"tkhd"])
    if trak is None or mdhd is None or hdlr is None or stsd is None or tkhd is None:
        raise BmffError("not an fMP4 init segment")
    v = data[mdhd.payload]
    timescale = struct.unpack_from(">I", data, mdhd.payload + (20 if v == 1 else 12))[0]
    language = struct.unpack_from(">H", data, mdhd.payload + (32 if v == 1 else 20))[0]
    entry = next(boxes(data, stsd.payload + 8, stsd.end))
    width, height = struct.unpack_from(">II", data, tkhd.end - 8)
    media_time = 0
    elst = find(data, [b"edts", b"elst"], trak.payload, trak.end)
    if elst is not None and struct.unpack_from(">I", data, elst.payload + 4)[0] >= 1:
        ev = data[elst.payload]
        fmt = ">Qq" if ev == 1 else ">Ii"
        _duration, media_time = struct.unpack_from(fmt, data, elst.payload + 8)
        media_time = max(0, media_time)
    trex = find(data, [b"moov", b"mvex", b"trex"])
    defaults = (0, 0, 0)
    if trex is not None:
        defaults = struct.unpack_from(">III", data, trex.payload + 12)
    return TrackInit(
        handler=data[hdlr.payload + 8 : hdlr.payload + 12].decode("ascii", "replace"),
        timescale=timescale,
        sample_entry=data[entry.start : entry.end],
        hdlr=data[hdlr.start : hdlr.end],
        language=language,
        media_time=media_time,
        width=width,
        height=height,
        defaults=defaults,
    )


def read_segment_runs(read: Reader, size: int, init: TrackInit) -> list[Run]:
    """Every run of a segment, reading only its box headers and moofs (never the samples)."""
    return fragments.read_segment_runs(read, size, init.defaults)

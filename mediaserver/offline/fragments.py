"""Sample tables read from the ladder's fMP4 files: what a flat MP4's moov must say about them.

The init segment gives the track's sample entry (copied verbatim into the download), timescale,
language, size and edit list; each media segment's moof boxes give, per trun, the samples'
durations, sizes, sync flags and composition offsets and where their bytes lie in the segment.
Only our own packager's output is read (tfhd with default-base-is-moof), so this is a small
reader; numpy turns each trun into arrays without a Python loop per sample.
"""

from __future__ import annotations

import dataclasses
import struct
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mediaserver.media.packaged.bmff import BmffError, Box, boxes, find

NON_SYNC = 0x0001_0000
HEAD_BYTES = 8192  # what is read of a segment first: styp, sidx and a moof of ~600 samples


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


@dataclass(frozen=True, slots=True)
class Run:
    """One trun as read: its header and its per-sample table, still raw (`columns` turns the
    runs of a whole track into arrays at once, which is much faster than one at a time).
    The samples' bytes are [offset, offset + their sizes) of the segment."""

    decode_start: int  # track ticks
    offset: int
    count: int
    version: int
    flags: int
    first_flags: int | None
    defaults: tuple[int, int, int]  # duration, size, flags where the table has none
    table: bytes


@dataclass(frozen=True, slots=True)
class Columns:
    """Every sample of a list of runs, in order, and each run's byte length."""

    durations: np.ndarray
    sizes: np.ndarray
    sync: np.ndarray  # bool
    cts: np.ndarray  # composition offsets, signed
    lengths: np.ndarray  # bytes per run


_FIELDS = (0x100, 0x200, 0x400, 0x800)


def _layout(run: Run) -> tuple[int, ...]:
    return (run.version, *(bit for bit in _FIELDS if run.flags & bit))


def _batch(runs: list[Run]) -> tuple[np.ndarray, ...]:
    """Durations, sizes, sample flags and cts of runs that share one table layout."""
    fields = _layout(runs[0])[1:]
    counts = np.array([r.count for r in runs], np.int64)
    total = int(counts.sum())
    table = np.frombuffer(b"".join(r.table for r in runs), ">u4").reshape(total, len(fields))
    out = []
    for i, bit in enumerate(_FIELDS[:3]):
        if bit in fields:
            out.append(table[:, fields.index(bit)].astype(np.int64))
        else:
            out.append(np.repeat(np.array([r.defaults[i] for r in runs], np.int64), counts))
    if 0x800 in fields:
        raw = np.ascontiguousarray(table[:, fields.index(0x800)])
        out.append((raw.view(">i4") if runs[0].version == 1 else raw).astype(np.int64))
    else:
        out.append(np.zeros(total, np.int64))
    firsts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    for run, first in zip(runs, firsts, strict=True):
        if run.first_flags is not None and run.count:
            out[2][first] = run.first_flags
    return tuple(out)


def columns(runs: list[Run]) -> Columns:
    """The runs' samples as arrays, a few numpy calls per group of runs alike."""
    groups: list[list[Run]] = []
    for run in runs:
        if groups and _layout(groups[-1][-1]) == _layout(run):
            groups[-1].append(run)
        else:
            groups.append([run])
    parts = [_batch(g) for g in groups if sum(r.count for r in g)]
    if not parts:
        empty = np.zeros(0, np.int64)
        return Columns(empty, empty, empty.astype(bool), empty, np.zeros(len(runs), np.int64))
    durations, sizes, flags, cts = (np.concatenate([p[i] for p in parts]) for i in range(4))
    counts = np.array([r.count for r in runs], np.int64)
    ends = np.cumsum(sizes)
    bounds = np.cumsum(counts)
    lengths = np.diff(np.concatenate(([0], np.where(bounds > 0, ends[bounds - 1], 0))))
    return Columns(durations, sizes, (flags & NON_SYNC) == 0, cts, lengths)


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


def _tfhd_defaults(data: bytes, tfhd: Box, init: TrackInit) -> tuple[int, int, int]:
    flags = struct.unpack_from(">I", data, tfhd.payload)[0] & 0xFFFFFF
    if flags & 0x01:
        raise BmffError("tfhd with an explicit base data offset is not our packager's output")
    pos = tfhd.payload + 8 + (4 if flags & 0x02 else 0)
    duration, size, sample_flags = init.defaults
    if flags & 0x08:
        duration = struct.unpack_from(">I", data, pos)[0]
        pos += 4
    if flags & 0x10:
        size = struct.unpack_from(">I", data, pos)[0]
        pos += 4
    if flags & 0x20:
        sample_flags = struct.unpack_from(">I", data, pos)[0]
    return duration, size, sample_flags


def _trun(data: bytes, box: Box, moof_start: int, decode: int, defaults) -> Run:
    version = data[box.payload]
    flags = struct.unpack_from(">I", data, box.payload)[0] & 0xFFFFFF
    count = struct.unpack_from(">I", data, box.payload + 4)[0]
    pos = box.payload + 8
    offset = 0
    if flags & 0x001:
        offset = struct.unpack_from(">i", data, pos)[0]
        pos += 4
    first_flags = None
    if flags & 0x004:
        first_flags = struct.unpack_from(">I", data, pos)[0]
        pos += 4
    width = 4 * sum(1 for bit in _FIELDS if flags & bit)
    if pos + count * width > box.end:
        raise BmffError("a trun's table overruns its box")
    table = data[pos : pos + count * width]
    return Run(decode, moof_start + offset, count, version, flags, first_flags, defaults, table)


def runs_of_moof(data: bytes, moof: Box, init: TrackInit) -> list[Run]:
    """The runs of one moof (its bytes in `data`, offsets relative to the segment)."""
    traf = find(data, [b"traf"], moof.payload, moof.end)
    tfhd = find(data, [b"tfhd"], traf.payload, traf.end) if traf else None
    tfdt = find(data, [b"tfdt"], traf.payload, traf.end) if traf else None
    if traf is None or tfhd is None or tfdt is None:
        raise BmffError("a fragment without traf/tfhd/tfdt")
    v = data[tfdt.payload]
    decode = struct.unpack_from(">Q" if v == 1 else ">I", data, tfdt.payload + 4)[0]
    defaults = _tfhd_defaults(data, tfhd, init)
    runs: list[Run] = []
    for box in boxes(data, traf.payload, traf.end):
        if box.kind == b"trun":
            if runs:  # a further trun of this traf starts where the one before ends
                decode += int(columns(runs[-1:]).durations.sum())
            runs.append(_trun(data, box, moof.start, decode, defaults))
    return runs


Reader = Callable[[int, int], bytes]  # (start, length) -> bytes of the segment


def read_segment_runs(read: Reader, size: int, init: TrackInit) -> list[Run]:
    """Every run of a segment, reading only its box headers and moofs (never the samples)."""
    runs: list[Run] = []
    pos = 0
    while pos + 8 <= size:
        head = read(pos, min(HEAD_BYTES, size - pos))
        at = 0
        while at + 8 <= len(head):
            box_size, kind = struct.unpack_from(">I4s", head, at)
            if box_size == 1:
                box_size = struct.unpack_from(">Q", head, at + 8)[0]
            if box_size < 8:
                raise BmffError("a box with a bad size")
            if kind == b"moof":
                if at + box_size > len(head):  # a big moof: read it whole
                    head = read(pos + at, box_size)
                    pos, at = pos + at, 0
                moof = Box(b"moof", at, at + 8, at + box_size)
                for run in runs_of_moof(head, moof, init):
                    runs.append(_shifted(run, pos))
            at += box_size
            if at > len(head):
                break
        pos += at
    return runs


def _shifted(run: Run, by: int) -> Run:
    return dataclasses.replace(run, offset=run.offset + by) if by else run

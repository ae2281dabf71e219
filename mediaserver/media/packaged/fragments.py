"""The sample runs of our fMP4 fragments (moof > traf > tfhd, tfdt, trun): one parser for all.

`bmff.read_segment` sums a segment's runs up for the playlists; the offline download lays whole
tracks out of them (tens of thousands of runs for a 2-hour film). So a trun's per-sample table is
kept raw here and `columns` turns the runs of a whole track into numpy arrays at once, a few numpy
calls per group of runs alike instead of a Python loop per sample. Only our own packager's output
is read (tfhd with default-base-is-moof: sample offsets are relative to their moof).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mediaserver.media.packaged.boxes import BmffError, Box, boxes, find

NON_SYNC = 0x0001_0000  # sample_is_non_sync_sample in ISO BMFF sample flags
HEAD_BYTES = 8192  # what is read of a segment first: styp, sidx and a moof of ~600 samples

Defaults = tuple[int, int, int]  # sample duration, size and flags where a table has none


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
    defaults: Defaults
    table: bytes


@dataclass(frozen=True, slots=True)
class Fragment:
    """One moof: its decode time (tfdt) and its runs, in order."""

    decode_start: int
    runs: list[Run]


@dataclass(frozen=True, slots=True)
class Columns:
    """Every sample of a list of runs, in order, and each run's byte length."""

    durations: np.ndarray
    sizes: np.ndarray
    sync: np.ndarray  # bool
    cts: np.ndarray  # composition offsets, signed
    lengths: np.ndarray  # bytes per run


_FIELDS = (0x100, 0x200, 0x400, 0x800)  # trun: duration, size, flags, composition offset


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


def _tfhd_defaults(data: bytes, tfhd: Box, trex: Defaults) -> Defaults:
    flags = struct.unpack_from(">I", data, tfhd.payload)[0] & 0xFFFFFF
    if flags & 0x01:  # offsets would then be from a base we cannot place in the segment
        raise BmffError("tfhd with an explicit base data offset is not our packager's output")
    pos = tfhd.payload + 8 + (4 if flags & 0x02 else 0)
    duration, size, sample_flags = trex
    if flags & 0x08:
        duration = struct.unpack_from(">I", data, pos)[0]
        pos += 4
    if flags & 0x10:
        size = struct.unpack_from(">I", data, pos)[0]
        pos += 4
    if flags & 0x20:
        sample_flags = struct.unpack_from(">I", data, pos)[0]
    return duration, size, sample_flags


def _trun(data: bytes, box: Box, base: int, decode: int, defaults: Defaults) -> Run:
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
    return Run(decode, base + offset, count, version, flags, first_flags, defaults, table)


def read_fragment(data: bytes, moof: Box, trex: Defaults, origin: int = 0) -> Fragment:
    """One moof of `data`, which starts `origin` bytes into the segment (offsets come out
    relative to the segment). `trex`: the init segment's sample defaults."""
    traf = find(data, [b"traf"], moof.payload, moof.end)
    tfhd = find(data, [b"tfhd"], traf.payload, traf.end) if traf else None
    tfdt = find(data, [b"tfdt"], traf.payload, traf.end) if traf else None
    if traf is None or tfhd is None or tfdt is None:
        raise BmffError("a fragment without traf/tfhd/tfdt")
    v = data[tfdt.payload]
    start = struct.unpack_from(">Q" if v == 1 else ">I", data, tfdt.payload + 4)[0]
    defaults = _tfhd_defaults(data, tfhd, trex)
    decode = start
    runs: list[Run] = []
    for box in boxes(data, traf.payload, traf.end):
        if box.kind == b"trun":
            if runs:  # a further trun of this traf starts where the one before ends
                decode += int(columns(runs[-1:]).durations.sum())
            runs.append(_trun(data, box, origin + moof.start, decode, defaults))
    return Fragment(start, runs)


Reader = Callable[[int, int], bytes]  # (start, length) -> bytes of the segment


def read_segment_runs(read: Reader, size: int, trex: Defaults) -> list[Run]:
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
                runs += read_fragment(head, moof, trex, pos).runs
            at += box_size
            if at > len(head):
                break
        pos += at
    return runs

"""A flat, faststart MP4 laid out before a byte of it is sent: ftyp, a complete moov (sample
tables for every track) and the mdat header, then the samples' bytes copied from where they lie.

`lay_out` interleaves the tracks' chunks by time, so the moov's chunk offsets are known before
any sample is read; the output is the same bytes every time for the same inputs (no clock, no
random), so a byte range asked for again is the same bytes.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

MOVIE_TIMESCALE = 1000
_MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
U32 = 0xFFFF_FFFF
MOOV_BOUND = 256 << 20


def box(kind: bytes, *parts: bytes) -> bytes:
    body = b"".join(parts)
    return struct.pack(">I4s", 8 + len(body), kind) + body


def full_box(kind: bytes, version: int, flags: int, *parts: bytes) -> bytes:
    return box(kind, struct.pack(">I", (version << 24) | flags), *parts)


@dataclass(frozen=True)
class Chunk:
    """A run of one track's samples, stored contiguously: from storage (key, offset) or bytes."""

    start: float  # seconds, to interleave by
    samples: int
    length: int
    key: str | None = None
    offset: int = 0
    data: bytes = b""


@dataclass
class TrackTable:
    """One track of the output: its sample entry and every sample, in decode order."""

    kind: Literal["video", "audio", "text"]
    timescale: int
    sample_entry: bytes
    hdlr: bytes
    language: int
    durations: np.ndarray
    sizes: np.ndarray
    chunks: list[Chunk]
    sync: np.ndarray | None = None  # None: every sample is a sync sample
    cts: np.ndarray | None = None  # None: composition equals decode time
    media_time: int = 0
    width: int = 0  # 16.16
    height: int = 0
    enabled: bool = True
    offsets: list[int] = field(default_factory=list)

    @property
    def ticks(self) -> int:
        return int(self.durations.sum())

    def movie_duration(self) -> int:
        shown = max(0, self.ticks - self.media_time)
        return shown * MOVIE_TIMESCALE // self.timescale


@dataclass(frozen=True)
class Piece:
    """A span of the output after the head: bytes of a stored object, or bytes held here."""

    start: int  # offset in the output
    length: int
    key: str | None
    offset: int
    data: bytes


@dataclass(frozen=True)
class Layout:
    head: bytes  # ftyp + moov + mdat header
    pieces: tuple[Piece, ...]
    size: int
    starts: np.ndarray  # piece starts, for finding where a range begins


def _rle(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if len(values) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    change = np.flatnonzero(np.diff(values)) + 1
    firsts = np.concatenate(([0], change))
    counts = np.diff(np.concatenate((firsts, [len(values)])))
    return counts, values[firsts]


def _pairs(a: np.ndarray, b: np.ndarray, dtype: str = ">u4") -> bytes:
    return np.column_stack((a.astype(np.int64), b.astype(np.int64))).astype(dtype).tobytes()


def _stbl(track: TrackTable, wide: bool) -> bytes:
    n = len(track.sizes)
    stsd = full_box(b"stsd", 0, 0, struct.pack(">I", 1), track.sample_entry)
    counts, deltas = _rle(track.durations)
    parts = [stsd, full_box(b"stts", 0, 0, struct.pack(">I", len(counts)), _pairs(counts, deltas))]
    if track.cts is not None and np.any(track.cts):
        signed = bool(np.any(track.cts < 0))
        counts, offsets = _rle(track.cts)
        table = np.column_stack((counts, offsets)).astype(">i4" if signed else ">u4").tobytes()
        parts.append(full_box(b"ctts", int(signed), 0, struct.pack(">I", len(counts)), table))
    if track.sync is not None and not track.sync.all():
        keys = (np.flatnonzero(track.sync) + 1).astype(">u4")
        parts.append(full_box(b"stss", 0, 0, struct.pack(">I", len(keys)), keys.tobytes()))
    per_chunk = np.array([c.samples for c in track.chunks], np.int64)
    counts, samples = _rle(per_chunk)
    firsts = np.concatenate(([1], 1 + np.cumsum(counts)[:-1])) if len(counts) else counts
    stsc = np.column_stack((firsts, samples, np.ones(len(counts), np.int64))).astype(">u4")
    parts.append(full_box(b"stsc", 0, 0, struct.pack(">I", len(counts)), stsc.tobytes()))
    sizes = track.sizes.astype(">u4").tobytes()
    parts.append(full_box(b"stsz", 0, 0, struct.pack(">II", 0, n), sizes))
    offsets = np.array(track.offsets or [0] * len(track.chunks), np.int64)
    kind, dtype = (b"co64", ">u8") if wide else (b"stco", ">u4")
    parts.append(
        full_box(kind, 0, 0, struct.pack(">I", len(offsets)), offsets.astype(dtype).tobytes())
    )
    return box(b"stbl", *parts)


def _trak(track: TrackTable, track_id: int, wide: bool) -> bytes:
    duration = track.movie_duration()
    volume = 0x0100 if track.kind == "audio" else 0
    group = {"video": 0, "audio": 1, "text": 2}[track.kind]
    tkhd = full_box(
        b"tkhd", 0, 3 if track.enabled else 2,
        struct.pack(">IIII", 0, 0, track_id, 0), struct.pack(">I", min(duration, U32)),
        bytes(8), struct.pack(">hhhh", 0, group, volume, 0), _MATRIX,
        struct.pack(">II", track.width, track.height),
    )  # fmt: skip
    elst = full_box(b"elst", 0, 0, struct.pack(">IIiI", 1, duration, track.media_time, 0x10000))
    ticks = track.ticks
    if ticks > U32:
        version, times = 1, struct.pack(">QQIQ", 0, 0, track.timescale, ticks)
    else:
        version, times = 0, struct.pack(">IIII", 0, 0, track.timescale, ticks)
    mdhd = full_box(b"mdhd", version, 0, times, struct.pack(">HH", track.language, 0))
    if track.kind == "video":
        header = full_box(b"vmhd", 0, 1, bytes(8))
    elif track.kind == "audio":
        header = full_box(b"smhd", 0, 0, bytes(4))
    else:
        header = full_box(b"nmhd", 0, 0)
    dinf = box(b"dinf", full_box(b"dref", 0, 0, struct.pack(">I", 1), full_box(b"url ", 0, 1)))
    minf = box(b"minf", header, dinf, _stbl(track, wide))
    return box(b"trak", tkhd, box(b"edts", elst), box(b"mdia", mdhd, track.hdlr, minf))


def moov(tracks: list[TrackTable], wide: bool) -> bytes:
    duration = max((t.movie_duration() for t in tracks), default=0)
    mvhd = full_box(
        b"mvhd", 0, 0, struct.pack(">IIII", 0, 0, MOVIE_TIMESCALE, min(duration, U32)),
        struct.pack(">IH", 0x10000, 0x0100), bytes(10), _MATRIX, bytes(24),
        struct.pack(">I", len(tracks) + 1),
    )  # fmt: skip
    return box(b"moov", mvhd, *(_trak(t, i + 1, wide) for i, t in enumerate(tracks)))


FTYP = box(b"ftyp", b"isom", struct.pack(">I", 0x200), b"isomiso2avc1mp41")


def lay_out(tracks: list[TrackTable]) -> Layout:
    """The whole file: moov first, then every chunk interleaved by start time."""
    order = sorted(
        (
            (chunk.start, t, c)
            for t, track in enumerate(tracks)
            for c, chunk in enumerate(track.chunks)
        ),
    )
    data_size = sum(chunk.length for track in tracks for chunk in track.chunks)
    large = data_size + 8 > U32
    mdat_header = (
        struct.pack(">I4sQ", 1, b"mdat", data_size + 16)
        if large
        else struct.pack(">I4s", data_size + 8, b"mdat")
    )
    # 64-bit chunk offsets once the file may pass 4 GiB (a moov is far below MOOV_BOUND).
    wide = data_size + MOOV_BOUND > U32
    head_size = len(FTYP) + len(moov(tracks, wide)) + len(mdat_header)
    pieces: list[Piece] = []
    position = head_size
    for track in tracks:
        track.offsets = [0] * len(track.chunks)
    for _start, t, c in order:
        chunk = tracks[t].chunks[c]
        tracks[t].offsets[c] = position
        pieces.append(Piece(position, chunk.length, chunk.key, chunk.offset, chunk.data))
        position += chunk.length
    head = FTYP + moov(tracks, wide) + mdat_header
    if len(head) != head_size:
        raise AssertionError("the moov changed size when its offsets were filled in")
    starts = np.array([p.start for p in pieces], np.int64)
    return Layout(head, tuple(pieces), position, starts)

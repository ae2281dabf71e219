"""A source copied into a faststart MP4 (no re-encode) that streams while it is made.

A faststart MP4 needs its moov, which lists every sample, before the first sample's bytes. So
the source is read twice with the same muxer, demuxing only (nothing is decoded): the first pass
mux into a sink that keeps the box headers and the moov and drops the samples' bytes, which
gives the whole file's size and index; the moov is moved to the front (its chunk offsets shifted
by its own size, as FFmpeg's faststart does), written with the mdat header, and the second pass
appends the samples' bytes as the muxer lays them out. The muxer is deterministic, so both
passes lay out the same bytes (their lengths are checked) and every making of the same plan is
the same file.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

import av

from mediaserver.offline.source_mp4 import SourcePlan, add_text_tracks, mux_text, remux_packets

U32 = 0xFFFF_FFFF
HEAD_KEPT = 1 << 16  # the first pass keeps this much of the file's start (ftyp, mdat header)
_CONTAINERS = frozenset({b"moov", b"trak", b"mdia", b"minf", b"stbl"})


class RemuxError(RuntimeError):
    """The two passes over the source did not lay out the same file."""


class _Sink:
    """A seekable file for the muxer that hands the bytes it is given to `keep`; the muxer
    writes samples in order and seeks only at the end (to patch the mdat size, then the moov)."""

    def __init__(self, keep: Callable[[int, memoryview, bool], None]) -> None:
        self.position = 0
        self.seeked = False
        self._keep = keep

    def write(self, data: bytes) -> int:
        # A view, not a copy: the first pass looks at a few KiB of the hundreds of MB it is
        # given, and `keep` copies what it keeps before the muxer reuses its buffer.
        self._keep(self.position, memoryview(data), self.seeked)
        self.position += len(data)
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == 1:
            offset += self.position
        elif whence != 0:
            raise OSError("the sink's size is unknown")  # the muxer then works without it
        self.position = offset
        self.seeked = True
        return self.position

    def tell(self) -> int:
        return self.position


def _mux(plan: SourcePlan, sink: _Sink) -> None:
    with av.open(plan.path) as source, av.open(sink, "w", format="mp4") as out:
        chosen = [source.streams[plan.video_index]]
        if plan.audio_index is not None:
            chosen.append(source.streams[plan.audio_index])
        mapping = {s.index: out.add_stream_from_template(s) for s in chosen}
        if plan.audio_index is not None and plan.audio_language:
            mapping[plan.audio_index].metadata["language"] = plan.audio_language
        text = add_text_tracks(out, plan)
        for packet in remux_packets(source, chosen, mapping):
            out.mux(packet)
        mux_text(out, text)


def _box_at(data: bytes | bytearray, pos: int) -> tuple[bytes, int, int]:
    """(kind, header length, box length) of the box at `pos`."""
    size, kind = struct.unpack_from(">I4s", data, pos)
    if size == 1:
        return kind, 16, struct.unpack_from(">Q", data, pos + 8)[0]
    return kind, 8, size


class _Overflow(Exception):
    """A chunk offset past 4 GiB in a 32-bit table: the moov needs 64-bit ones."""


def _shifted(data: bytes, shift: int, wide: bool) -> bytes:
    """The box (moov or one inside it) with every chunk offset moved by `shift`; `wide` writes
    the 32-bit tables (stco) as 64-bit ones (co64)."""
    kind, header, _length = _box_at(data, 0)
    if kind in (b"stco", b"co64"):
        count = struct.unpack_from(">I", data, header + 4)[0]
        code = "Q" if kind == b"co64" else "I"
        moved = [v + shift for v in struct.unpack_from(f">{count}{code}", data, header + 8)]
        version_flags = data[header : header + 4]
        if wide or kind == b"co64":
            return _box(b"co64", version_flags + struct.pack(f">I{count}Q", count, *moved))
        if moved and max(moved) > U32:
            raise _Overflow
        return _box(b"stco", version_flags + struct.pack(f">I{count}I", count, *moved))
    if kind not in _CONTAINERS:
        return data
    parts, pos = [], header
    while pos + 8 <= len(data):
        _kind, _head, length = _box_at(data, pos)
        parts.append(_shifted(data[pos : pos + length], shift, wide))
        pos += length
    return _box(kind, b"".join(parts))


def _box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(body), kind) + body


def _mdat_header(payload: int) -> bytes:
    if payload + 8 > U32:
        return struct.pack(">I4sQ", 1, b"mdat", payload + 16)
    return struct.pack(">I4s", payload + 8, b"mdat")


def _overlay(buffer: bytearray, base: int, position: int, data: memoryview) -> None:
    """Write `data` (at `position` of the file) into `buffer`, which holds the file from `base`."""
    skip = max(0, base - position)
    if skip >= len(data):
        return
    at = position + skip - base
    if len(buffer) < at:
        buffer.extend(bytes(at - len(buffer)))
    buffer[at : at + len(data) - skip] = data[skip:]


class _Index:
    """What the first pass keeps: the start of the file, and what the muxer writes once it has
    seeked (the moov after the samples, written in pieces whose sizes are patched afterwards)."""

    def __init__(self) -> None:
        self.start = bytearray()
        self.late = bytearray()
        self.late_at: int | None = None

    def keep(self, position: int, data: memoryview, seeked: bool) -> None:
        if position < HEAD_KEPT:
            _overlay(self.start, 0, position, data[: HEAD_KEPT - position])
        if not seeked or position + len(data) <= HEAD_KEPT:
            return
        if self.late_at is None:
            self.late_at = position
        _overlay(self.late, self.late_at, position, data)

    def _bytes(self, at: int, length: int) -> bytes:
        late_at = self.late_at if self.late_at is not None else HEAD_KEPT
        early = bytes(self.start[at:late_at]) if at < late_at else b""
        rest = bytes(self.late[max(0, at - late_at) : max(0, at + length - late_at)])
        return (early + rest)[:length]

    def head(self) -> tuple[bytes, int, int]:
        """The faststart file's head (ftyp, moov, mdat header), the first pass's payload start
        and the payload's length."""
        ftyp, pos, mdat = b"", 0, None
        while mdat is None:
            kind, header, length = _box_at(self.start, pos)
            if kind == b"ftyp":
                ftyp = bytes(self.start[pos : pos + length])
            elif kind == b"mdat":
                mdat = (pos + header, length - header)
            pos += length
        payload_at, payload = mdat
        moov = self._read(payload_at + payload)
        for wide in (False, True):
            # The moov's size does not depend on the shift, only on the tables' width.
            size = len(ftyp) + len(_shifted(moov, 0, True) if wide else moov)
            shift = size + len(_mdat_header(payload)) - payload_at
            try:
                new_moov = _shifted(moov, shift, wide)
            except _Overflow:
                continue
            return ftyp + new_moov + _mdat_header(payload), payload_at, payload
        raise AssertionError("64-bit chunk offsets cannot overflow")

    def _read(self, at: int) -> bytes:
        """The box the muxer wrote at `at` (the moov, after the samples)."""
        kind, _header, length = _box_at(self._bytes(at, 16).ljust(16, b"\0"), 0)
        if kind != b"moov":
            raise RemuxError(f"expected the moov after the samples, found {kind!r}")
        data = self._bytes(at, length)
        if len(data) != length:
            raise RemuxError("the moov was not written whole")
        return data


def index(plan: SourcePlan) -> tuple[bytes, int, int]:
    """First pass: the head to write first, where the samples start in the muxer's own
    layout, and their length."""
    kept = _Index()
    _mux(plan, _Sink(kept.keep))
    return kept.head()


def remux(
    plan: SourcePlan, write: Callable[[bytes | memoryview], None], announce: Callable[[int], None]
) -> None:
    """Write the whole faststart MP4 in order through `write`; `announce` is told its size as
    soon as the head is written."""
    head, payload_at, payload = index(plan)
    write(head)
    announce(len(head) + payload)
    copied = 0

    def keep(position: int, data: memoryview, seeked: bool) -> None:
        nonlocal copied
        at = payload_at + copied  # where the next sample byte lies in the muxer's layout
        if seeked or position + len(data) <= at or copied >= payload:
            return
        if position > at:
            raise RemuxError("the muxer wrote the samples out of order")
        part = data[at - position : at - position + payload - copied]
        write(part)
        copied += len(part)

    _mux(plan, _Sink(keep))
    if copied != payload:
        raise RemuxError(f"the second pass wrote {copied} bytes of samples, the first {payload}")

"""Walking the boxes of an ISO BMFF (MP4) buffer: the primitives every reader of our fMP4 uses."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass


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

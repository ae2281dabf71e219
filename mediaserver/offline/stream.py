"""Sending a laid-out MP4: the head from memory, then each piece copied from storage as it is
read, for the whole file or one byte range of it (206), so a broken download resumes.

Pieces of locally stored segments go out with sendfile (the kernel copies them from the page
cache to the socket); other storage is read by range and written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from aiohttp import web

from mediaserver.http.files import Unsatisfiable, requested_range, unsatisfiable
from mediaserver.offline.mp4_write import Layout
from mediaserver.storage import Storage

# A span of the output: bytes held in memory, or (storage key, offset, length).
Part = bytes | tuple[str, int, int]


def parts(layout: Layout, start: int, end: int) -> Iterator[Part]:
    """The output's bytes [start, end), in order, as parts."""
    head = layout.head
    if start < len(head):
        yield head[start : min(end, len(head))]
        start = len(head)
    if start >= end:
        return
    index = max(0, int(np.searchsorted(layout.starts, start, side="right")) - 1)
    while start < end and index < len(layout.pieces):
        piece = layout.pieces[index]
        skip = start - piece.start
        take = min(piece.length - skip, end - start)
        if piece.key is None:
            yield piece.data[skip : skip + take]
        else:
            yield (piece.key, piece.offset + skip, take)
        start += take
        index += 1


def _open(path: Path):
    return path.open("rb", buffering=0)


async def _send_stored(
    request: web.Request, response: web.StreamResponse, storage: Storage, part: tuple[str, int, int]
) -> None:
    key, offset, length = part
    transport = request.transport
    local = await storage.local_path(key)
    if local is not None and transport is not None and not transport.is_closing():
        handle = await asyncio.to_thread(_open, local)
        try:
            await asyncio.get_running_loop().sendfile(transport, handle, offset, length)
        finally:
            handle.close()
        return
    async with await storage.open_range(key, offset, offset + length) as stream:
        async for chunk in stream:
            await response.write(chunk)


async def send_layout(
    request: web.Request, storage: Storage, layout: Layout, etag: str, headers: dict[str, str]
) -> web.StreamResponse:
    """200 with the whole file, or 206 with the range asked for (416 when it cannot be)."""
    size = layout.size
    try:
        span = requested_range(request, size, etag)
    except Unsatisfiable:
        return unsatisfiable(size, headers)
    start, end = span or (0, size)
    response = web.StreamResponse(status=206 if span else 200, headers=headers)
    response.headers["ETag"] = etag
    response.headers["Accept-Ranges"] = "bytes"
    if span:
        response.headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    response.content_length = end - start
    await response.prepare(request)
    if request.method == "HEAD":
        return response
    await response.write(b"")  # the headers go out now: sendfile writes past aiohttp's writer
    for part in parts(layout, start, end):
        if isinstance(part, bytes):
            await response.write(part)
        else:
            await _send_stored(request, response, storage, part)
    await response.write_eof()
    return response

"""Sending a laid-out MP4: the head from memory, then each piece copied from storage as it is
read, for the whole file or one byte range of it (206), so a broken download resumes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import numpy as np
from aiohttp import web

from mediaserver.http.files import Unsatisfiable, requested_range, unsatisfiable
from mediaserver.offline.mp4_write import Layout
from mediaserver.storage import Storage

WRITE_BYTES = 1 << 20  # gather small pieces into writes of about this size


async def _span(storage: Storage, layout: Layout, start: int, end: int) -> AsyncIterator[bytes]:
    """The output's bytes [start, end), in order."""
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
            first = piece.offset + skip
            async with await storage.open_range(piece.key, first, first + take) as stream:
                async for chunk in stream:
                    yield chunk
        start += take
        index += 1


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
    pending: list[bytes] = []
    pending_size = 0
    first = True  # the first bytes (the moov) go out at once
    async for chunk in _span(storage, layout, start, end):
        pending.append(chunk)
        pending_size += len(chunk)
        if pending_size >= WRITE_BYTES or first:
            first = False
            await response.write(b"".join(pending))
            pending, pending_size = [], 0
    if pending:
        await response.write(b"".join(pending))
    await response.write_eof()
    return response

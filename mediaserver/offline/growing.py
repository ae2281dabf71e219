"""Sending a source download's MP4 while it is being written: the bytes already on disk go out
at once and the rest as the making writes them, for the whole file or one byte range.

A remux knows its size before its first byte, so every answer is exact (200 or 206 with
Content-Length). An encode knows it only at the end: the whole file goes out without a length
while it grows; a range waits until its bytes are written (an open-ended one, until the end is
known), then is answered exactly.
"""

from __future__ import annotations

import asyncio
import os
from typing import BinaryIO

from aiohttp import web

from mediaserver.http.files import Unsatisfiable, requested_range, unsatisfiable
from mediaserver.offline.source_maker import SourceFile

POLL_SECONDS = 0.05  # how often a request waiting for bytes looks again
PIECE = 1 << 20
UNKNOWN_SIZE = 1 << 62  # what a range is read against while the file's size is not known yet


class MakingFailed(Exception):
    """The making ended with an error while a request was waiting for its bytes."""


async def _wait(made: SourceFile, ready) -> None:
    while not ready():
        if made.error is not None:
            raise MakingFailed(made.error)
        await asyncio.sleep(POLL_SECONDS)


def _open(made: SourceFile) -> BinaryIO:
    try:
        return made.path.open("rb")
    except FileNotFoundError:  # it was moved to its final name meanwhile
        return made.final.open("rb")


def _written(handle: BinaryIO) -> int:
    return os.fstat(handle.fileno()).st_size


def _wanted_now(request: web.Request, made: SourceFile, handle: BinaryIO) -> bool:
    """Whether a range of an encode still being made can be answered now: its end is asked
    for and already written (open-ended or suffix ranges need the end of the file)."""
    try:
        span = requested_range(request, UNKNOWN_SIZE, made.etag)
    except Unsatisfiable:
        return False
    if span is None:
        return True  # the whole file, streamed as it grows
    return span[1] < UNKNOWN_SIZE and span[1] <= _written(handle)


async def send_growing(
    request: web.Request, made: SourceFile, headers: dict[str, str]
) -> web.StreamResponse:
    """200 with the whole file, or 206 with the range asked for (416 when it cannot be)."""
    await _wait(made, lambda: made.started)
    handle = await asyncio.to_thread(_open, made)
    try:
        if made.size is None:
            await _wait(made, lambda: made.size is not None or _wanted_now(request, made, handle))
        size = made.size
        if size is not None:
            try:
                span = requested_range(request, size, made.etag)
            except Unsatisfiable:
                return unsatisfiable(size, headers)
        else:  # the whole file, or a range _wanted_now found written (it cannot raise)
            span = requested_range(request, UNKNOWN_SIZE, made.etag)
        start, end = span or (0, size)
        response = web.StreamResponse(status=206 if span else 200, headers=headers)
        response.headers["ETag"] = made.etag
        response.headers["Accept-Ranges"] = "bytes"
        if span:
            total = size if size is not None else "*"
            response.headers["Content-Range"] = f"bytes {start}-{end - 1}/{total}"
        if end is not None:
            response.content_length = end - start
        await response.prepare(request)
        if request.method != "HEAD":
            try:
                await _copy(response, made, handle, start, end)
            except MakingFailed:
                # The headers are out: ending the connection is how the client learns that the
                # body is cut short (a resumed download starts where it stopped).
                if request.transport is not None:
                    request.transport.close()
                return response
            await response.write_eof()
        return response
    finally:
        handle.close()


async def _copy(
    response: web.StreamResponse, made: SourceFile, handle: BinaryIO, start: int, end: int | None
) -> None:
    """Bytes [start, end) of the file, waiting for those not yet written (end None: to the end
    of a file whose size is not known yet)."""
    position = start
    while end is None or position < end:
        done = made.done  # read before the size, so bytes written just before are not missed
        written = _written(handle)
        stop = written if end is None else min(written, end)
        if position < stop:
            handle.seek(position)
            data = await asyncio.to_thread(handle.read, min(PIECE, stop - position))
            await response.write(data)
            position += len(data)
            continue
        if done and end is None:
            return
        if done:
            raise MakingFailed("the made file is shorter than announced")
        if made.error is not None:
            raise MakingFailed(made.error)
        await asyncio.sleep(POLL_SECONDS)

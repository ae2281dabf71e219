"""HTTP answers for media bytes: Range, ETag and conditional GET, gzip and cache policy.

Range policy: one range per request -- "a-b", open-ended "a-" or suffix "-n". A request
for several ranges, a malformed header or a range outside the file is answered 416 with
`Content-Range: bytes */<size>`. Players only ever ask for one range, and refusing multi-range
closes the many-ranges amplification (docs/security.md, resource exhaustion); aiohttp's own
FileResponse answers the same, so S3-backed, generated and local answers all behave alike.

Local files go out with sendfile() straight from the event loop (`send_file`): the kernel copies
the bytes, no thread pool hop per request.

CORS headers on media URLs are added by cors.py.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import os
import stat
from pathlib import Path
from typing import BinaryIO

from aiohttp import web
from aiohttp.abc import AbstractStreamWriter

from mediaserver.errors import NotFound
from mediaserver.storage import ObjectNotFound, RangeNotSatisfiable, Storage, open_in_thread

LONG_CACHE = "private, max-age=31536000, immutable"
PLAYLIST = "application/vnd.apple.mpegurl"
GZIP_MIN_BYTES = 256  # smaller playlists are not worth compressing


class Unsatisfiable(Exception):
    """The Range header cannot be served: answer 416."""


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(start, end exclusive) of the one range asked for, None without a Range header.
    Raises Unsatisfiable for several ranges, bad syntax, or a range outside the file."""
    if header is None:
        return None
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        raise Unsatisfiable
    first, dash, last = spec.strip().partition("-")
    first, last = first.strip(), last.strip()
    if not dash or not (first.isdigit() or first == "") or not (last.isdigit() or last == ""):
        raise Unsatisfiable
    if len(first) > 18 or len(last) > 18:
        raise Unsatisfiable
    if first == "":
        if last == "" or int(last) == 0:
            raise Unsatisfiable
        return max(0, size - int(last)), size
    start = int(first)
    end = size if last == "" else min(size, int(last) + 1)
    if start >= size or start >= end:
        raise Unsatisfiable
    return start, end


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Weak comparison, as If-None-Match requires."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    return any(t.strip().removeprefix("W/") == bare for t in if_none_match.split(","))


def accepts_gzip(request: web.Request) -> bool:
    for part in request.headers.get("Accept-Encoding", "").split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            q = params.strip().lower()
            return not (q.startswith("q=") and q[2:].strip() in ("0", "0.0", "0.00", "0.000"))
    return False


def unsatisfiable(size: int, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=416, headers=(headers or {}) | {"Content-Range": f"bytes */{size}"})


class Body:
    """A small body (playlist, manifest) with its digest and, once asked for, its gzip form;
    kept in a cache by the caller so that hot playlists are hashed and compressed once."""

    __slots__ = ("data", "digest", "_gzipped")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.digest = hashlib.blake2b(data, digest_size=12).hexdigest()
        self._gzipped: bytes | None = None

    @property
    def gzipped(self) -> bytes:
        if self._gzipped is None:
            self._gzipped = gzip.compress(self.data, 6)
        return self._gzipped

    @property
    def size(self) -> int:
        return len(self.data) + len(self._gzipped or b"")


def bytes_response(
    request: web.Request,
    body: Body | bytes,
    *,
    content_type: str,
    cache_control: str,
    compress: bool = False,
) -> web.Response:
    """A small generated or read-in body (playlists, cue files) with ETag/304, gzip and Range."""
    if not isinstance(body, Body):
        body = Body(body)
    data = body.data
    zipped = (
        compress
        and "Range" not in request.headers
        and len(data) >= GZIP_MIN_BYTES
        and accepts_gzip(request)
    )
    # The compressed body is another representation: it gets its own ETag.
    etag = f'"{body.digest}-gz"' if zipped else f'"{body.digest}"'
    headers = {"Cache-Control": cache_control, "Content-Type": content_type, "ETag": etag}
    headers["Accept-Ranges"] = "bytes"
    if compress:
        headers["Vary"] = "Accept-Encoding"
    if etag_matches(request.headers.get("If-None-Match"), etag):
        return web.Response(status=304, headers=headers)
    if zipped:
        headers["Content-Encoding"] = "gzip"
        return web.Response(body=body.gzipped, headers=headers)
    try:
        span = parse_range(request.headers.get("Range"), len(data))
    except Unsatisfiable:
        return unsatisfiable(len(data), headers)
    if span is not None:
        start, end = span
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{len(data)}"
        return web.Response(status=206, body=data[start:end], headers=headers)
    return web.Response(body=data, headers=headers)


class OpenFileResponse(web.StreamResponse):
    """An open local file sent with sendfile() straight from the event loop.

    aiohttp's FileResponse opens, stats and closes the file in the default thread pool: three
    thread hops per request, which dominate the cost of serving a segment. Here the caller opens
    the file (see `send_file`) and the bytes go out with loop.sendfile (the kernel copies them).
    """

    def __init__(
        self, fobj: BinaryIO, offset: int, count: int, *, status: int, headers: dict[str, str]
    ) -> None:
        super().__init__(status=status, headers=headers)
        self._fobj, self._offset, self._count = fobj, offset, count
        self.content_length = count

    async def prepare(self, request: web.BaseRequest) -> AbstractStreamWriter | None:
        if self.prepared:
            return await super().prepare(request)
        try:
            writer = await super().prepare(request)
            if request.method == "HEAD" or not self._count:
                return writer
            transport = request.transport
            if transport is None:
                raise ConnectionResetError("Connection lost")
            loop = asyncio.get_running_loop()
            await loop.sendfile(transport, self._fobj, self._offset, self._count)
            await super().write_eof()
            return writer
        finally:
            self._fobj.close()


def _open(path: Path | str) -> tuple[BinaryIO, os.stat_result]:
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
    fobj = os.fdopen(fd, "rb", buffering=0)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise IsADirectoryError(str(path))
    except BaseException:
        fobj.close()
        raise
    return fobj, info  # type: ignore[return-value]


def _close_opened(opened: tuple[BinaryIO, os.stat_result]) -> None:
    opened[0].close()


async def send_file(
    request: web.Request,
    path: Path | str,
    content_type: str,
    cache_control: str,
    *,
    in_thread: bool = False,
) -> web.StreamResponse:
    """A local file with Range, 416, ETag and If-None-Match, sent with sendfile.

    in_thread: open and stat in a worker thread -- for library files, which may live on a
    network mount; files in our own data and cache folders are opened inline (microseconds)."""
    try:
        if in_thread:
            fobj, info = await open_in_thread(_open, path, close=_close_opened)
        else:
            fobj, info = _open(path)
    except OSError:
        raise NotFound("No such file.") from None
    try:
        etag = f'"{info.st_mtime_ns:x}-{info.st_size:x}"'
        headers = {"Cache-Control": cache_control, "Content-Type": content_type}
        headers |= {"ETag": etag, "Accept-Ranges": "bytes"}
        if etag_matches(request.headers.get("If-None-Match"), etag):
            fobj.close()
            return web.Response(status=304, headers=headers)
        span = parse_range(request.headers.get("Range"), info.st_size)
    except Unsatisfiable:
        fobj.close()
        return unsatisfiable(info.st_size, headers)
    start, end = span if span is not None else (0, info.st_size)
    if span is not None:
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{info.st_size}"
    return OpenFileResponse(fobj, start, end - start, status=206 if span else 200, headers=headers)


async def storage_response(
    request: web.Request, storage: Storage, key: str, content_type: str, cache_control: str
) -> web.StreamResponse:
    """One stored object: sendfile when storage has local files, else streamed by range."""
    try:
        path = await storage.local_path(key)
    except ObjectNotFound:
        raise NotFound("No such file.") from None
    if path is not None:
        return await send_file(request, path, content_type, cache_control)
    return await _stream(request, storage, key, content_type, cache_control)


async def _stream(
    request: web.Request, storage: Storage, key: str, content_type: str, cache_control: str
) -> web.StreamResponse:
    """The same answers as FileResponse, for storage without local files (S3)."""
    info = await storage.stat(key)
    if info is None:
        raise NotFound("No such file.")
    etag = f'"{info.etag}"'
    headers = {"Cache-Control": cache_control, "Content-Type": content_type}
    headers |= {"ETag": etag, "Accept-Ranges": "bytes"}
    if etag_matches(request.headers.get("If-None-Match"), etag):
        return web.Response(status=304, headers=headers)
    try:
        span = parse_range(request.headers.get("Range"), info.size)
    except Unsatisfiable:
        return unsatisfiable(info.size, headers)
    start, end = span if span is not None else (0, None)
    try:
        stream = await storage.open_range(key, start, end)
    except RangeNotSatisfiable:
        return unsatisfiable(info.size, headers)
    except ObjectNotFound:
        raise NotFound("No such file.") from None
    resp = web.StreamResponse(status=206 if span else 200, headers=headers)
    if span:
        resp.headers["Content-Range"] = f"bytes {stream.start}-{stream.end - 1}/{info.size}"
    resp.content_length = stream.length
    async with stream:
        await resp.prepare(request)
        if request.method != "HEAD":
            async for chunk in stream:
                await resp.write(chunk)
    await resp.write_eof()
    return resp


def sent_bytes(response: web.StreamResponse) -> int:
    """What a media answer will send, for the active-streams bandwidth figure."""
    if response.status not in (200, 206):
        return 0
    return response.content_length or 0

"""HTTP answers for files and byte bodies: Range, ETag and conditional GET, gzip.

Every route that sends media bytes -- direct play, packaged ladders (local or streamed from
storage), subtitles, on-the-fly segments, artwork -- answers through this module, so one
Range header gets one answer everywhere.

Range policy (RFC 9110 section 14): one range per request -- "a-b", open-ended "a-" or suffix
"-n", with optional blanks around "=" and "-". An end past the file is cut to its last byte and a
suffix longer than the file is the whole file, however many digits either has. A range starting
at or past the end, "-0", a range that ends before it starts, several ranges, another unit or
bad syntax are answered 416 with `Content-Range: bytes */<size>`. Players only ever ask for one
range, and refusing multi-range closes the many-ranges amplification (docs/security.md, resource
exhaustion). An If-Range naming another version of the file gets the whole file.

Local files go out with sendfile() straight from the event loop (`send_file`): the kernel copies
the bytes, no thread pool hop per request.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import os
import re
import stat
from pathlib import Path
from typing import BinaryIO

from aiohttp import web
from aiohttp.abc import AbstractStreamWriter

from mediaserver.errors import NotFound
from mediaserver.storage import ObjectNotFound, RangeNotSatisfiable, Storage, open_in_thread

GZIP_MIN_BYTES = 256  # smaller playlists are not worth compressing

_RANGE = re.compile(r"bytes[ \t]*=[ \t]*([0-9]*)[ \t]*-[ \t]*([0-9]*)", re.IGNORECASE | re.ASCII)
_PAST_ANY_FILE = 10**18


class Unsatisfiable(Exception):
    """The Range header cannot be served: answer 416."""


def _position(digits: str) -> int:
    # A 29-digit end is legal (it means "to the end"); Python refuses int() of thousands of
    # digits, so more than 18 significant digits is simply past any file.
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= 18 else _PAST_ANY_FILE


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(start, end exclusive) of the one range asked for, None without a Range header.
    Raises Unsatisfiable for whatever cannot be served as one part of the file (module doc)."""
    if header is None:
        return None
    match = _RANGE.fullmatch(header.strip(" \t"))
    if match is None or size == 0:
        raise Unsatisfiable
    first, last = match.groups()
    if first == "":
        suffix = _position(last) if last else 0
        if suffix == 0:
            raise Unsatisfiable
        return max(0, size - suffix), size
    start = _position(first)
    end = size if last == "" else min(size, _position(last) + 1)
    if start >= size or start >= end:
        raise Unsatisfiable
    return start, end


def requested_range(request: web.BaseRequest, size: int, etag: str) -> tuple[int, int] | None:
    """The span to send for this request: its Range, unless If-Range names another version of
    the file (then the whole file, RFC 9110 section 13.1.5; a date never matches: we send none)."""
    if_range = request.headers.get("If-Range")
    if if_range is not None and if_range.strip() != etag:
        return None
    return parse_range(request.headers.get("Range"), size)


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
        span = requested_range(request, len(data), etag)
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
        span = requested_range(request, info.st_size, etag)
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
    """The same answers as `send_file`, for storage without local files (S3)."""
    info = await storage.stat(key)
    if info is None:
        raise NotFound("No such file.")
    etag = f'"{info.etag}"'
    headers = {"Cache-Control": cache_control, "Content-Type": content_type}
    headers |= {"ETag": etag, "Accept-Ranges": "bytes"}
    if etag_matches(request.headers.get("If-None-Match"), etag):
        return web.Response(status=304, headers=headers)
    try:
        span = requested_range(request, info.size, etag)
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

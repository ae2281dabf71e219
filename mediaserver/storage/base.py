"""The storage seam: the `Storage` protocol every backend implements, its value types and errors.

Code above this seam addresses derived media by *key* only: a relative POSIX string such as
"ladders/42/720p/seg_00001.m4s", checked by `keys.validate_key`. It never builds a filesystem path
or a bucket URL itself. Backends: `local.LocalStorage` today; an S3 backend (boto3, multipart
uploads, presigned S3 / signed CloudFront URLs) later. Every method that can touch a disk or the
network is async; backends run blocking work in threads, never on the event loop.

Prefixes match at segment boundaries: the prefix "ladders/42" covers "ladders/42/720p/a.m4s" but not
"ladders/420/a.m4s" nor an object stored at exactly "ladders/42" (an S3 backend lists with
"ladders/42/").

Content types are derived from the key's extension by every backend (the local server when it
serves, the S3 backend when it uploads), so no method takes one.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from mediaserver.errors import OutOfSpace

CHUNK_SIZE = 256 * 1024
"""Size of the chunks `open_range` yields (the last one may be shorter)."""


class StorageError(Exception):
    """A storage operation failed; the message says which key and why (never a host path)."""


class ObjectNotFound(StorageError):
    """No object is stored under the key (or the prefix holds nothing to publish)."""


class InvalidKey(StorageError, ValueError):
    """The key or prefix is malformed or would leave the storage root; a caller bug or an attack."""


class StorageFull(StorageError, OutOfSpace):
    """The backend has no room (ENOSPC, quota); nothing was left behind under the key."""


class RangeNotSatisfiable(StorageError):
    """The requested range starts at or past the object's end; `size` allows a 416 reply."""

    def __init__(self, key: str, start: int, size: int) -> None:
        super().__init__(f"byte {start} is past the end of {key!r} ({size} bytes)")
        self.key = key
        self.start = start
        self.size = size


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """What is known about one stored object."""

    key: str
    size: int
    mtime: float
    """Last modification, seconds since the epoch (UTC)."""
    etag: str
    """Opaque, unquoted; changes whenever the content may have changed. Quote it for HTTP."""


class ObjectStream:
    """An opened byte range of one object: iterate for chunks, then close (or use `async with`).

    `start` is inclusive and `end` exclusive, as in Python slices, both already clamped to the
    object, so `length` is what a Content-Length / Content-Range header needs. Opening is what fails
    (ObjectNotFound, RangeNotSatisfiable), before any byte is sent.
    """

    def __init__(
        self,
        info: ObjectInfo,
        start: int,
        end: int,
        chunks: AsyncIterator[bytes],
        on_close: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.info = info
        self.start = start
        self.end = end
        self._chunks = chunks
        self._on_close = on_close
        self._closed = False

    @property
    def length(self) -> int:
        return self.end - self.start

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunks

    async def aclose(self) -> None:
        """Release what the backend holds open (file descriptor, HTTP body); idempotent."""
        if self._closed:
            return
        self._closed = True
        aclose = getattr(self._chunks, "aclose", None)
        try:
            if aclose is not None:
                await aclose()
        finally:
            if self._on_close is not None:
                await self._on_close()

    async def read_all(self) -> bytes:
        """The whole range in memory; for small objects (playlists, manifests) and tests only."""
        async with self:
            return b"".join([chunk async for chunk in self])

    async def __aenter__(self) -> ObjectStream:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


@runtime_checkable
class Storage(Protocol):
    """Where derived media (ladders, images, trickplay, subtitles) is kept."""

    async def put_file(self, key: str, src_path: Path) -> ObjectInfo:
        """Copy a local file in; atomic: readers see the old object or the whole new one."""
        ...

    async def put_stream(self, key: str, chunks: AsyncIterable[bytes]) -> ObjectInfo:
        """Store what the iterator yields, in constant memory; atomic.

        If the iterator raises (or the task is cancelled) nothing new is visible under the key and
        no temporary data is left behind.
        """
        ...

    async def put_bytes(self, key: str, data: bytes) -> ObjectInfo:
        """Store a small object; atomic."""
        ...

    async def open_range(self, key: str, start: int = 0, end: int | None = None) -> ObjectStream:
        """Open bytes [start, end) of an object; `end=None` or past the size means to the end.

        Raises ObjectNotFound, RangeNotSatisfiable when `start >= size` (except an empty range of
        an empty object), ValueError when `start < 0` or `end < start`. A reader that opened the
        object keeps reading the same version even if it is replaced meanwhile.
        """
        ...

    async def stat(self, key: str) -> ObjectInfo | None:
        """Size, mtime and etag of an object, or None when there is none."""
        ...

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str) -> None:
        """Remove one object; deleting what does not exist is not an error (as on S3)."""
        ...

    async def delete_prefix(self, prefix: str) -> int:
        """Remove every object under the prefix; return how many. An empty prefix is refused."""
        ...

    def list_prefix(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        """Every object under the prefix, recursively, in key order (UTF-8 bytes, as S3 lists).

        An async generator: `async for info in storage.list_prefix("ladders/42")`. Named so it
        does not shadow the builtin `list` inside class bodies.
        """
        ...

    async def publish_prefix(self, staging_prefix: str, final_prefix: str) -> None:
        """Make the tree written under `staging_prefix` the tree under `final_prefix`, at once.

        Contract: afterwards `final_prefix` holds exactly what staging held (same relative keys;
        objects of an older final tree that staging lacked are gone) and staging is empty. While
        it runs, a reader of `final_prefix` finds the old tree or the new one, possibly (where the
        backend cannot swap atomically) nothing for a moment, and never a mix or a partly written
        tree. Local storage swaps directories (renameat2 RENAME_EXCHANGE, else two renames); S3
        copies into a fresh version prefix and writes a small pointer object last, which reads
        go through. Per-request consistency only: a player that must not switch versions in the
        middle of playback is given a versioned final prefix ("ladders/42/v3") by the caller.
        """
        ...

    async def local_path(self, key: str) -> Path | None:
        """A filesystem path for sendfile, checked to be a regular file inside the root.

        None when the backend has no local files (S3); then use `url_for` or `open_range`.
        Raises ObjectNotFound when a local backend has no such object. Async because the check
        (symbolic links, existence) is disk I/O.
        """
        ...

    async def url_for(self, key: str, expires_in: int) -> str | None:
        """A URL a client can fetch the object from for `expires_in` seconds (presigned S3 or
        signed CloudFront), or None when the application must serve it itself (local)."""
        ...

    async def free_bytes(self) -> int | None:
        """Free space for /ready, or None when unknown or unbounded (S3)."""
        ...

    async def cleanup_temp(self, older_than_seconds: float = 3600) -> int:
        """Remove leftovers of interrupted writes older than this; return how many.

        Local: temporary files and half-deleted trees; S3: incomplete multipart uploads. Safe to
        run while other processes write, as long as the age exceeds the longest pause of a write.
        """
        ...

    async def close(self) -> None:
        """Release clients and pools (S3); called from the app's cleanup context."""
        ...

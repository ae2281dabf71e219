"""Local-disk storage: the embedded default.

Layout: `root/<key>` for objects and `root/.tmp/` for temporary files and trees being deleted, on
the same filesystem so that committing is one atomic rename. Every path is built by
`keys.key_to_path` and then refused if its realpath differs, i.e. if any existing component is a
symbolic link: reads then find nothing (ObjectNotFound, stat None), writes and deletes raise
InvalidKey. Nothing is ever read, written or deleted through a link, inside the root or out of it.

`local_paths` holds those checks and the mapping of OS errors; `local_trees` deletes and publishes
whole prefixes.
"""

from __future__ import annotations

import asyncio
import os
import stat as st_mode
from collections.abc import AsyncIterable, AsyncIterator, Callable
from pathlib import Path
from typing import IO

from . import _fs
from ._fs import run_blocking
from .base import (
    CHUNK_SIZE,
    InvalidKey,
    ObjectInfo,
    ObjectNotFound,
    ObjectStream,
    RangeNotSatisfiable,
    StorageError,
)
from .keys import key_to_path, validate_key, validate_prefix
from .local_paths import make_parents, no_links, object_info, storage_error
from .local_trees import delete_tree, publish_tree

TEMP_DIR = ".tmp"
# A tree replaced by publish_prefix is removed this long after the swap, so that a reader that
# opened it just before (a listing, a copy to a mirror) still finds it whole.
OLD_TREE_GRACE_SECONDS = 5.0
WRITE_BUFFER = 1024 * 1024  # put_stream gathers small chunks up to this before a write syscall


def _close_file(src: IO[bytes]) -> None:
    src.close()


class LocalStorage:
    """Objects as files under one root directory."""

    def __init__(self, root: Path | str) -> None:
        root = Path(root).expanduser()
        root.mkdir(parents=True, exist_ok=True)
        self.root = root.resolve(strict=True)
        self.tmp_dir = self.root / TEMP_DIR
        if self.tmp_dir.is_symlink():
            raise StorageError(f"{self.tmp_dir} must be a directory, not a symbolic link")
        self.tmp_dir.mkdir(exist_ok=True)
        self.old_tree_grace_seconds = OLD_TREE_GRACE_SECONDS
        self._old_trees: dict[Path, asyncio.Task[None]] = {}

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    # -- writing -------------------------------------------------------------------------------

    def _commit(self, tmp: _fs.TempFile, path: Path, key: str) -> ObjectInfo:
        st = tmp.finish()
        no_links(path, key)
        make_parents(path, key)
        os.replace(tmp.path, path)
        _fs.fsync_dir(path.parent)
        return object_info(key, st)

    async def _put_with(self, key: str, fill: Callable[[_fs.TempFile], None]) -> ObjectInfo:
        """Create a temp file, let `fill` write it (in a thread), commit it; all or nothing."""
        path = key_to_path(self.root, key)

        def work() -> ObjectInfo:
            tmp = _fs.TempFile(self.tmp_dir)
            try:
                fill(tmp)
                return self._commit(tmp, path, key)
            except BaseException:
                tmp.discard()
                raise

        try:
            return await run_blocking(work)
        except OSError as exc:
            raise storage_error(exc, "store", key) from exc

    async def put_bytes(self, key: str, data: bytes) -> ObjectInfo:
        return await self._put_with(key, lambda tmp: tmp.write(data))

    async def put_file(self, key: str, src_path: Path) -> ObjectInfo:
        # Opened here so that a missing source is the caller's FileNotFoundError, not ours; with
        # open_in_thread, a caller cancelled during the open leaves no descriptor behind.
        src = await _fs.open_in_thread(open, src_path, "rb", close=_close_file)

        def copy(tmp: _fs.TempFile) -> None:
            while block := src.read(WRITE_BUFFER):
                tmp.write(block)

        try:
            return await self._put_with(key, copy)
        finally:
            src.close()

    async def put_stream(self, key: str, chunks: AsyncIterable[bytes]) -> ObjectInfo:
        path = key_to_path(self.root, key)
        try:
            tmp = await run_blocking(_fs.TempFile, self.tmp_dir)
        except OSError as exc:
            raise storage_error(exc, "store", key) from exc
        try:
            buf = bytearray()
            async for chunk in chunks:  # errors of the caller's iterator propagate unchanged
                if not buf and len(chunk) >= WRITE_BUFFER:
                    await self._write(tmp, chunk, key)
                    continue
                buf += chunk
                if len(buf) >= WRITE_BUFFER:
                    await self._write(tmp, buf, key)
                    buf = bytearray()  # a new buffer: memory stays bounded by WRITE_BUFFER
            if buf:
                await self._write(tmp, buf, key)
            try:
                return await run_blocking(self._commit, tmp, path, key)
            except OSError as exc:
                raise storage_error(exc, "store", key) from exc
        except BaseException:
            await run_blocking(tmp.discard)
            raise

    async def _write(self, tmp: _fs.TempFile, data: bytes | bytearray, key: str) -> None:
        try:
            await run_blocking(tmp.write, data)
        except OSError as exc:
            raise storage_error(exc, "store", key) from exc

    # -- reading -------------------------------------------------------------------------------

    def _open_for_read(self, key: str) -> tuple[_fs.ReadHandle, os.stat_result]:
        path = key_to_path(self.root, key)
        no_links(path, key, ObjectNotFound)
        # O_NOFOLLOW closes the race with a link appearing after the check; O_NONBLOCK keeps a
        # FIFO planted in the root from blocking this thread forever.
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            fd = os.open(path, flags)
        except OSError as exc:
            if exc.errno in _fs.MISSING:
                raise ObjectNotFound(f"no object {key!r}") from None
            raise storage_error(exc, "read", key) from exc
        handle = _fs.ReadHandle(fd)
        st = os.fstat(fd)
        if not st_mode.S_ISREG(st.st_mode):
            handle.close()
            raise ObjectNotFound(f"no object {key!r}")
        return handle, st

    async def open_range(self, key: str, start: int = 0, end: int | None = None) -> ObjectStream:
        if start < 0 or (end is not None and end < start):
            raise ValueError(f"invalid byte range start={start} end={end}")
        handle, st = await run_blocking(self._open_for_read, key)
        size = st.st_size
        if start >= size and not (start == 0 and size == 0):
            handle.close()
            raise RangeNotSatisfiable(key, start, size)
        stop = size if end is None else min(end, size)
        chunks = self._chunks(handle, key, start, stop)
        return ObjectStream(object_info(key, st), start, stop, chunks, handle.aclose)

    async def _chunks(
        self, handle: _fs.ReadHandle, key: str, start: int, stop: int
    ) -> AsyncIterator[bytes]:
        pos = start
        try:
            while pos < stop:
                try:
                    data = await run_blocking(handle.pread, min(CHUNK_SIZE, stop - pos), pos)
                except OSError as exc:
                    raise storage_error(exc, "read", key) from exc
                if not data:  # objects are replaced, never truncated in place; refuse to spin
                    raise StorageError(f"{key!r} became shorter while being read")
                pos += len(data)
                yield data
        finally:
            handle.close()

    def _stat_sync(self, key: str) -> tuple[Path, os.stat_result] | None:
        path = key_to_path(self.root, key)
        if os.path.realpath(path) != str(path):
            return None
        try:
            st = os.lstat(path)
        except (FileNotFoundError, NotADirectoryError):
            return None
        return (path, st) if st_mode.S_ISREG(st.st_mode) else None

    async def stat(self, key: str) -> ObjectInfo | None:
        found = await run_blocking(self._stat_sync, key)
        return None if found is None else object_info(key, found[1])

    async def exists(self, key: str) -> bool:
        return await run_blocking(self._stat_sync, key) is not None

    async def local_path(self, key: str) -> Path | None:
        found = await run_blocking(self._stat_sync, key)
        if found is None:
            raise ObjectNotFound(f"no object {key!r}")
        return found[0]

    async def url_for(self, key: str, expires_in: int) -> str | None:
        validate_key(key)
        return None  # the application serves local objects itself

    # -- listing and deleting ------------------------------------------------------------------

    async def list_prefix(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        prefix = validate_prefix(prefix, allow_empty=True)
        start = self.root if not prefix else key_to_path(self.root, prefix)
        if await run_blocking(os.path.realpath, start) != str(start):
            return  # the prefix passes through a symbolic link: nothing to list
        fd = await run_blocking(_fs.open_dir, start)
        if fd is None:
            return
        try:
            async for info in self._walk(fd, prefix):
                yield info
        finally:
            os.close(fd)

    async def _walk(self, dir_fd: int, prefix: str) -> AsyncIterator[ObjectInfo]:
        # Subdirectories are opened relative to their parent's descriptor, not by path: a walk
        # stays inside the tree it started in even if publish_prefix swaps a newer one in.
        for name, st in await run_blocking(_fs.scan_dir, dir_fd):
            key = f"{prefix}/{name}" if prefix else name
            try:
                validate_key(key)  # skip what no key could name (".tmp", stray odd names)
            except InvalidKey:
                continue
            if st is not None:
                yield object_info(key, st)
                continue
            child = await run_blocking(_fs.open_dir, name, dir_fd)
            if child is None:
                continue
            try:
                async for info in self._walk(child, key):
                    yield info
            finally:
                os.close(child)

    def _delete_sync(self, key: str) -> None:
        path = key_to_path(self.root, key)
        no_links(path, key)
        try:
            os.unlink(path)
        except (FileNotFoundError, NotADirectoryError):
            pass
        except OSError:
            if not path.is_dir():  # a prefix is not an object: nothing to delete at this key
                raise

    async def delete(self, key: str) -> None:
        try:
            await run_blocking(self._delete_sync, key)
        except OSError as exc:
            raise storage_error(exc, "delete", key) from exc

    async def delete_prefix(self, prefix: str) -> int:
        prefix = validate_prefix(prefix)
        try:
            return await run_blocking(delete_tree, self.root, self.tmp_dir, prefix)
        except OSError as exc:
            raise storage_error(exc, "delete", prefix) from exc

    # -- publishing ----------------------------------------------------------------------------

    async def publish_prefix(self, staging_prefix: str, final_prefix: str) -> None:
        staging = validate_prefix(staging_prefix)
        final = validate_prefix(final_prefix)
        try:
            old = await run_blocking(publish_tree, self.root, self.tmp_dir, staging, final)
        except OSError as exc:
            raise storage_error(exc, "publish", final) from exc
        if old is not None:
            self._old_trees[old] = asyncio.create_task(self._remove_later(old))

    async def _remove_later(self, old: Path) -> None:
        try:
            await asyncio.sleep(self.old_tree_grace_seconds)
            await run_blocking(_fs.remove_tree, old)
        finally:
            self._old_trees.pop(old, None)

    # -- housekeeping --------------------------------------------------------------------------

    async def cleanup_temp(self, older_than_seconds: float = 3600) -> int:
        return await run_blocking(_fs.remove_older, self.tmp_dir, older_than_seconds)

    async def free_bytes(self) -> int | None:
        vfs = await run_blocking(os.statvfs, self.root)
        return vfs.f_bavail * vfs.f_frsize

    async def close(self) -> None:
        """Remove the replaced trees still waiting for their grace period, now."""
        pending = dict(self._old_trees)
        for task in pending.values():
            task.cancel()
        await asyncio.gather(*pending.values(), return_exceptions=True)
        for old in pending:
            await run_blocking(_fs.remove_tree, old)

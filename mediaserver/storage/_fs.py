"""Low-level file helpers for LocalStorage: cancellation-safe threads, temp files, swaps, walks.

Kept apart from local.py so that the backend reads as policy (keys, links, atomicity) and this
module as mechanism (descriptors, syscalls).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import errno
import functools
import os
import shutil
import stat as st_mode
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

# errno values that mean "nothing there to read" (ELOOP: the last component is a link).
MISSING = {errno.ENOENT, errno.ENOTDIR, errno.ELOOP}

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2

T = TypeVar("T")


async def run_blocking(fn: Callable[..., T], /, *args: Any) -> T:
    """asyncio.to_thread that, when cancelled, lets the thread finish before re-raising.

    A thread cannot be interrupted. If the caller went on to close a file descriptor the thread
    still uses, the number could be reused by another open() and the thread would then read or
    write someone else's file.
    """
    task = asyncio.ensure_future(asyncio.to_thread(fn, *args))
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        while not task.done():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait({task})
        if not task.cancelled():
            task.exception()  # retrieved: the cancellation is what the caller sees
        raise


async def open_in_thread(fn: Callable[..., T], /, *args: Any, close: Callable[[T], None]) -> T:
    """Run `fn`, which opens something, in a thread; if the caller is cancelled before it returns,
    `close` is called on what it opened instead of the descriptor leaking."""
    opening = asyncio.ensure_future(asyncio.to_thread(fn, *args))
    try:
        return await asyncio.shield(opening)
    except asyncio.CancelledError:
        opening.add_done_callback(functools.partial(_close_when_opened, close))
        raise


def _close_when_opened(close: Callable[[T], None], opening: asyncio.Future[T]) -> None:
    if not opening.cancelled() and opening.exception() is None:
        close(opening.result())


def write_all(fd: int, data: bytes | bytearray | memoryview) -> None:
    view = memoryview(data)
    pos = 0
    while pos < len(view):  # os.write may write less than asked
        pos += os.write(fd, view[pos:])


def fsync_dir(path: Path) -> None:
    """Make a rename in `path` durable; best effort (some filesystems refuse)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@functools.cache
def _renameat2() -> Any:
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap two existing paths (Linux renameat2); False where that is unsupported."""
    fn = _renameat2() if sys.platform.startswith("linux") else None
    if fn is None:
        return False
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err))


def remove_tree(path: Path) -> int:
    """Delete a tree that is already out of sight; return how many regular files it held."""
    count = 0
    for dirpath, _dirs, files in os.walk(path):  # does not follow links
        for name in files:
            with contextlib.suppress(OSError):
                count += st_mode.S_ISREG(os.lstat(os.path.join(dirpath, name)).st_mode)
    # Errors leave leftovers in .tmp, which cleanup_temp removes later.
    shutil.rmtree(path, ignore_errors=True)
    return count


def open_dir(path: Path | str, dir_fd: int | None = None) -> int | None:
    """A descriptor of a real directory (never a link to one), or None."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        return os.open(path, flags, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno in MISSING:
            return None
        raise


def scan_dir(dir_fd: int) -> list[tuple[str, os.stat_result | None]]:
    """Sorted (name, stat-or-None-for-directories) of one directory, links skipped."""
    out: list[tuple[str, os.stat_result | None]] = []
    with os.scandir(dir_fd) as entries:
        for entry in entries:
            with contextlib.suppress(FileNotFoundError):
                if entry.is_dir(follow_symlinks=False):
                    out.append((entry.name, None))
                elif entry.is_file(follow_symlinks=False):
                    out.append((entry.name, entry.stat(follow_symlinks=False)))
    # Sorting directories as "name/" makes a depth-first walk yield keys in UTF-8 byte order,
    # the order S3 lists in, so callers see the same order on every backend.
    out.sort(key=lambda e: os.fsencode(e[0]) + (b"/" if e[1] is None else b""))
    return out


def remove_older(directory: Path, older_than: float) -> int:
    """Remove the entries of `directory` untouched for `older_than` seconds; return how many."""
    cutoff = time.time() - older_than
    removed = 0
    with contextlib.suppress(FileNotFoundError), os.scandir(directory) as entries:
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            # ctime too: renaming a tree into .tmp does not touch its mtime.
            if max(st.st_mtime, st.st_ctime) > cutoff:
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
            removed += 1
    return removed


class TempFile:
    """A new file in the temporary area, committed by an atomic rename or discarded."""

    def __init__(self, tmp_dir: Path) -> None:
        self.path = tmp_dir / f"{uuid.uuid4().hex}.part"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        try:
            self.fd = os.open(self.path, flags, 0o666)
        except FileNotFoundError:  # the temporary area was removed under us: recreate it
            tmp_dir.mkdir(exist_ok=True)
            self.fd = os.open(self.path, flags, 0o666)

    def write(self, data: bytes | bytearray) -> None:
        write_all(self.fd, data)

    def finish(self) -> os.stat_result:
        """Flush to disk and close; the stat is that of the object about to be committed."""
        os.fsync(self.fd)
        st = os.fstat(self.fd)
        fd, self.fd = self.fd, -1
        os.close(fd)
        return st

    def discard(self) -> None:
        if self.fd >= 0:
            fd, self.fd = self.fd, -1
            os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


class ReadHandle:
    """A read-only descriptor shared by an ObjectStream and its chunk generator."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def pread(self, size: int, offset: int) -> bytes:
        return os.pread(self.fd, size, offset)

    def close(self) -> None:
        if self.fd >= 0:
            fd, self.fd = self.fd, -1
            os.close(fd)

    async def aclose(self) -> None:
        self.close()

    def __del__(self) -> None:  # a stream dropped without aclose() must not leak its descriptor
        self.close()

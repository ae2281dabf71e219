"""How local storage treats a path on disk: never through a symbolic link, parents made without
following one, OS errors told as the storage errors callers act on, and what a file's stat says
about its object."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from .base import InvalidKey, ObjectInfo, StorageError, StorageFull

_FULL = {errno.ENOSPC, errno.EDQUOT}
_CONFLICT = {errno.ENOTDIR, errno.EISDIR, errno.EEXIST, errno.ENOTEMPTY}


def storage_error(exc: OSError, action: str, key: str) -> StorageError:
    """Map an OSError to the storage error a caller can act on; host paths stay out of it."""
    if exc.errno in _FULL:
        return StorageFull(f"no space left to {action} {key!r}")
    if exc.errno in _CONFLICT:
        return StorageError(f"cannot {action} {key!r}: it conflicts with an existing object")
    return StorageError(f"cannot {action} {key!r}: {exc.strerror or type(exc).__name__}")


def object_info(key: str, st: os.stat_result) -> ObjectInfo:
    # The inode is part of the etag because every atomic replace makes a new one, even within
    # one mtime tick.
    etag = f"{st.st_ino:x}-{st.st_mtime_ns:x}-{st.st_size:x}"
    return ObjectInfo(key=key, size=st.st_size, mtime=st.st_mtime, etag=etag)


def no_links(path: Path, key: str, error: type[StorageError] = InvalidKey) -> None:
    """Refuse a path any existing component of which is a symbolic link."""
    if os.path.realpath(path) != str(path):
        raise error(f"storage key {key!r} passes through a symbolic link")


def make_parents(path: Path, key: str) -> None:
    parent = path.parent
    no_links(parent, key)  # before makedirs, which would follow a link out of the root
    try:
        os.makedirs(parent, exist_ok=True)
    except FileExistsError as exc:  # a component is a file: "a/b" exists, writing "a/b/c"
        raise storage_error(exc, "store", key) from None
    no_links(parent, key)

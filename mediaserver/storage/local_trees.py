"""Whole trees of local objects, swapped or removed with one rename so that readers never see
half of one: deleting a prefix, publishing a staged prefix in place of the final one."""

from __future__ import annotations

import contextlib
import os
import stat as st_mode
import uuid
from pathlib import Path

from . import _fs
from .base import InvalidKey, ObjectNotFound, StorageError
from .keys import is_within, key_to_path
from .local_paths import make_parents, no_links


def delete_tree(root: Path, tmp_dir: Path, prefix: str) -> int:
    """`LocalStorage.delete_prefix`'s work, blocking (run it in a thread)."""
    path = key_to_path(root, prefix)
    no_links(path, prefix)
    try:
        if not st_mode.S_ISDIR(os.lstat(path).st_mode):
            return 0
    except (FileNotFoundError, NotADirectoryError):
        return 0
    # Move the tree out of sight in one rename, so readers never see a half-deleted prefix.
    trash = tmp_dir / f"{uuid.uuid4().hex}.del"
    try:
        os.rename(path, trash)
    except FileNotFoundError:
        return 0
    return _fs.remove_tree(trash)


def publish_tree(root: Path, tmp_dir: Path, staging: str, final: str) -> Path | None:
    """`LocalStorage.publish_prefix`'s work, blocking (run it in a thread). Returns the previous
    tree, moved into `tmp_dir`, for the caller to remove (None when there was none)."""
    if is_within(staging, final) or is_within(final, staging) or staging == final:
        raise InvalidKey(f"cannot publish {staging!r} to {final!r}: the prefixes overlap")
    src = key_to_path(root, staging)
    dst = key_to_path(root, final)
    no_links(src, staging)
    no_links(dst, final)
    try:
        if not st_mode.S_ISDIR(os.lstat(src).st_mode):
            raise ObjectNotFound(f"nothing is staged under {staging!r}")
    except (FileNotFoundError, NotADirectoryError):
        raise ObjectNotFound(f"nothing is staged under {staging!r}") from None
    make_parents(dst, final)
    try:
        dst_mode: int | None = os.lstat(dst).st_mode
    except FileNotFoundError:
        dst_mode = None
    if dst_mode is not None and not st_mode.S_ISDIR(dst_mode):
        raise StorageError(f"cannot publish to {final!r}: an object is stored at that key")
    old = tmp_dir / f"{uuid.uuid4().hex}.old"
    if dst_mode is None:
        os.rename(src, dst)
    elif _fs.exchange(src, dst):
        os.rename(src, old)  # src now holds the previous tree
    else:
        # No atomic swap: readers briefly find nothing under final, never a mix.
        os.rename(dst, old)
        try:
            os.rename(src, dst)
        except OSError:
            with contextlib.suppress(OSError):
                os.rename(old, dst)
            raise
    _fs.fsync_dir(dst.parent)
    _fs.fsync_dir(src.parent)
    return old if old.exists() else None

"""Paths of media files: whether one lies inside a root, and how paths are stored as text.

Library files are addressed by database id; the stored path is checked against the library roots
before anything opens it (docs/security.md, path traversal). File names on Linux are bytes, so a
path that is not valid UTF-8 is stored as 'b64:' + its raw bytes and comes back unchanged.
"""

from __future__ import annotations

import base64
import os
import stat
from collections.abc import Iterable
from pathlib import Path

DB_ESCAPE_PREFIX = "b64:"  # real paths are absolute and start with "/", so this is unambiguous


def is_inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def root_of(path: str, roots: Iterable[str]) -> str | None:
    # Longest root first, though library roots never overlap.
    for root in sorted(roots, key=len, reverse=True):
        if is_inside(path, root):
            return root
    return None


def upload_folder(data_dir: Path, library_id: int) -> Path:
    """Where finished uploads for a library land (under the server's data folder)."""
    return Path(data_dir) / "uploads" / f"library-{int(library_id)}"


def library_roots(folders: Iterable[str], library_id: int, data_dir: Path) -> tuple[str, ...]:
    """A library's roots, the one definition every reader and the scan use: its folders (stored
    resolved) and its upload folder, resolved the same way (symlinks followed)."""
    return (*folders, os.path.realpath(upload_folder(data_dir, library_id)))


def file_inside(path: str, roots: Iterable[str]) -> str | None:
    """The real path of `path` when both it and its real path lie inside one root and it is a
    regular file; None otherwise (a symlink out of the library, a folder, a missing file).
    Blocking: call it in a thread."""
    root = root_of(path, roots)
    if root is None:
        return None
    real = os.path.realpath(path)
    if not is_inside(real, os.path.realpath(root)):
        return None
    try:
        info = os.stat(real)
    except OSError:
        return None
    return real if stat.S_ISREG(info.st_mode) else None


def to_db_path(path: str) -> str:
    """Text any database stores: as is when valid UTF-8, else 'b64:' + the raw bytes."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        raw = os.fsencode(path)
        return DB_ESCAPE_PREFIX + base64.urlsafe_b64encode(raw).decode("ascii")


def from_db_path(stored: str) -> str:
    """The OS path (with surrogate escapes) for a stored path."""
    if stored.startswith(DB_ESCAPE_PREFIX):
        return os.fsdecode(base64.urlsafe_b64decode(stored[len(DB_ESCAPE_PREFIX) :]))
    return stored


def display_path(path: str) -> str:
    """For people: undecodable bytes become U+FFFD, control characters visible escapes."""
    text = os.fsencode(path).decode("utf-8", "replace")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def stays_inside(path: str | os.PathLike[str], root: str) -> bool:
    """True when `path`, symlinks resolved, is inside `root`: sidecars never lead out of it."""
    return is_inside(os.path.realpath(path), root)

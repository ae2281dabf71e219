"""Listing the media files below library roots, safely.

- Iterative os.scandir walk (no recursion limit), entries in name order.
- Never leaves the roots: a symlink is followed only when its target resolves inside a root, and a
  folder reached twice (symlink loop, or two links to one folder) is walked once, by (st_dev,
  st_ino).
- Hidden and NAS system folders (.@__thumb, @eaDir, lost+found, .Trash, #recycle ...) are skipped.
- A folder that vanishes or cannot be read becomes a `WalkIssue` and the walk goes on; it is also
  listed in `incomplete`, so that a scan never declares the files below it missing on a hiccup.
- Names are whatever the OS returns for str paths: undecodable bytes arrive as surrogate escapes.
  `safe_paths.to_db_path` turns those into text any database can store, reversibly;
  `safe_paths.display_path` makes them safe to show.

Pure file-system code, blocking: call it in a thread.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from mediaserver.safe_paths import root_of

VIDEO_EXTENSIONS = frozenset(
    {
        ".3gp", ".asf", ".avi", ".divx", ".flv", ".m2ts", ".m4v", ".mkv", ".mov", ".mp4",
        ".mpeg", ".mpg", ".mts", ".ogm", ".ogv", ".ts", ".vob", ".webm", ".wmv",
    }
)  # fmt: skip
# Audio and other containers the probe opens, and that an upload may be stored as: listed and
# probed like videos, so each one ends as a title or as a failed file with its reason (an audio
# file has no video to show), never as nothing at all.
OTHER_MEDIA_EXTENSIONS = frozenset(
    {
        ".3g2", ".aac", ".ac3", ".aif", ".aiff", ".amr", ".ape", ".caf", ".dts", ".dv", ".eac3",
        ".flac", ".ivf", ".m2v", ".m4a", ".m4b", ".mj2", ".mka", ".mp2", ".mp3", ".mxf", ".nut",
        ".oga", ".ogg", ".opus", ".ra", ".rm", ".rmvb", ".thd", ".w64", ".wav", ".wma", ".wv",
    }
)  # fmt: skip
MEDIA_EXTENSIONS = VIDEO_EXTENSIONS | OTHER_MEDIA_EXTENSIONS
# Files whose change means the videos next to them need their metadata read again.
SIDECAR_EXTENSIONS = frozenset(
    {".nfo", ".srt", ".ass", ".ssa", ".vtt", ".sub", ".idx", ".jpg", ".jpeg", ".png", ".webp",
     ".tbn"}
)  # fmt: skip
SKIP_DIRS = frozenset(
    {
        "@eaDir", "@Recycle", "@Recently-Snapshot", "#recycle", "#snapshot", "lost+found",
        "$RECYCLE.BIN", "System Volume Information", "RECYCLER", "Thumbs",
    }
)  # fmt: skip


@dataclass(slots=True)
class Folder:
    path: str
    siblings: tuple[str, ...]
    # Newest mtime of .nfo / subtitle / image files here: newer than the last scan means the
    # videos of this folder are read again even when they did not change themselves.
    newest_sidecar_mtime: float = 0.0


@dataclass(slots=True)
class FoundFile:
    path: str
    root: str
    size: int
    mtime: float
    device: int
    inode: int
    folder: Folder

    @property
    def rel_path(self) -> PurePosixPath:
        return PurePosixPath(os.path.relpath(self.path, self.root))


@dataclass(slots=True)
class WalkIssue:
    path: str
    reason: str


@dataclass(slots=True)
class WalkResult:
    files: list[FoundFile] = field(default_factory=list)
    issues: list[WalkIssue] = field(default_factory=list)
    # Folders not fully listed (vanished, unreadable, unreadable roots).
    incomplete: list[str] = field(default_factory=list)
    # Paths asked for (partial scans) that do not exist: their records may be gone.
    gone: list[str] = field(default_factory=list)


def is_video_name(name: str) -> bool:
    return not name.startswith(".") and os.path.splitext(name)[1].lower() in VIDEO_EXTENSIONS


def is_media_name(name: str) -> bool:
    """A file the scan lists (and probes): a video, or audio or another container."""
    return not name.startswith(".") and os.path.splitext(name)[1].lower() in MEDIA_EXTENSIONS


def _is_sidecar_name(path: str) -> bool:
    return os.path.splitext(path)[1].lower() in SIDECAR_EXTENSIONS


def _skip_dir(name: str) -> bool:
    return name.startswith((".", "@__")) or name in SKIP_DIRS


def _folder_error(path: str, exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "folder vanished during the scan"
    if isinstance(exc, PermissionError):
        return "folder cannot be read: permission denied"
    if isinstance(exc, NotADirectoryError):
        return "folder was replaced by a file during the scan"
    return f"folder cannot be read: {exc.strerror or type(exc).__name__}"


class Walker:
    """One walk over some roots. `walk_all()` lists everything; `walk_paths()` only some paths."""

    def __init__(self, roots: Iterable[str]) -> None:
        self.roots = [os.path.realpath(r) for r in roots]
        self.result = WalkResult()
        self._visited: set[tuple[int, int]] = set()
        self._files: dict[str, FoundFile] = {}

    def walk_all(self) -> WalkResult:
        for root in self.roots:
            self._walk_tree(root, root)
        return self._done()

    def _done(self) -> WalkResult:
        self.result.files = list(self._files.values())
        return self.result

    def walk_paths(self, paths: Iterable[str]) -> WalkResult:
        """Only these paths (files or folders, as a file watcher reports them)."""
        seen: set[str] = set()
        for raw in paths:
            path = os.path.abspath(raw)
            root = root_of(path, self.roots)
            if root is None or path in seen:
                continue
            seen.add(path)
            try:
                st = os.stat(path)
            except FileNotFoundError:
                self.result.gone.append(path)
                if _is_sidecar_name(path):
                    self._refresh_folder(os.path.dirname(path), root)
                continue
            except OSError as exc:
                self._issue(path, _folder_error(path, exc))
                continue
            if not self._allowed(path, root):
                continue
            if stat.S_ISDIR(st.st_mode):
                self._walk_tree(path, root)
            elif is_media_name(os.path.basename(path)):
                folder = self._list_folder(os.path.dirname(path))
                if folder is not None:
                    self._add_file(path, root, st, folder)
            elif _is_sidecar_name(path):
                self._refresh_folder(os.path.dirname(path), root)
        return self._done()

    def _refresh_folder(self, path: str, root: str) -> None:
        """A sidecar changed: every video of its folder is read again (not walked below)."""
        if not os.path.isdir(path) or not self._allowed(path, root):
            return
        folder = self._list_folder(path)
        if folder is None:
            return
        folder.newest_sidecar_mtime = float("inf")
        for name in folder.siblings:
            if is_media_name(name):
                full = os.path.join(path, name)
                try:
                    st = os.stat(full)
                except OSError:
                    continue
                if stat.S_ISREG(st.st_mode) and self._allowed(full, root):
                    self._add_file(full, root, st, folder)

    # -- internals ------------------------------------------------------------------------------

    def _issue(self, path: str, reason: str) -> None:
        self.result.issues.append(WalkIssue(path, reason))

    def _allowed(self, path: str, root: str) -> bool:
        """False for a path whose real location is outside every root, or in a skipped folder."""
        rel = os.path.relpath(path, root)
        parts = [] if rel == "." else rel.split(os.sep)
        if any(_skip_dir(p) for p in parts):  # hidden names start with "." too
            return False
        if root_of(os.path.realpath(path), self.roots) is None:
            self._issue(path, "symlink leads outside the library folders; not followed")
            return False
        return True

    def _list_folder(self, path: str) -> Folder | None:
        try:
            with os.scandir(path) as it:
                names = tuple(sorted(e.name for e in it))
        except OSError as exc:
            self._issue(path, _folder_error(path, exc))
            self.result.incomplete.append(path)
            return None
        return Folder(path, names)

    def _walk_tree(self, top: str, root: str) -> None:
        try:
            st = os.stat(top)
        except OSError as exc:
            self._issue(top, _folder_error(top, exc))
            self.result.incomplete.append(top)
            return
        self._visited.add((st.st_dev, st.st_ino))
        stack = [top]
        while stack:
            folder_path = stack.pop()
            subdirs = self._walk_folder(folder_path, root)
            stack.extend(reversed(subdirs))

    def _walk_folder(self, path: str, root: str) -> list[str]:
        """List one folder: add its videos, return the subfolders to walk."""
        try:
            with os.scandir(path) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            self._issue(path, _folder_error(path, exc))
            self.result.incomplete.append(path)
            return []
        folder = Folder(path, tuple(e.name for e in entries))
        subdirs: list[str] = []
        for entry in entries:
            try:
                self._entry(entry, root, folder, subdirs)
            except FileNotFoundError:
                continue  # gone between listing and stat: nothing to record
            except OSError as exc:
                self._issue(entry.path, f"cannot be read: {exc.strerror or type(exc).__name__}")
        return subdirs

    def _entry(
        self, entry: os.DirEntry[str], root: str, folder: Folder, subdirs: list[str]
    ) -> None:
        name = entry.name
        if entry.is_symlink():
            target = os.path.realpath(entry.path)
            if root_of(target, self.roots) is None:
                self._issue(entry.path, "symlink leads outside the library folders; not followed")
                return
        is_dir = entry.is_dir()  # follows a symlink, now known to stay inside the roots
        if is_dir:
            if _skip_dir(name):
                return
            st = entry.stat()
            key = (st.st_dev, st.st_ino)
            if key in self._visited:
                self._issue(entry.path, "symlink loop: this folder was already scanned")
                return
            self._visited.add(key)
            subdirs.append(entry.path)
            return
        if name.startswith("."):
            return
        ext = os.path.splitext(name)[1].lower()
        if ext in MEDIA_EXTENSIONS:
            if entry.is_file():
                self._add_file(entry.path, root, entry.stat(), folder)
        elif ext in SIDECAR_EXTENSIONS:
            mtime = entry.stat().st_mtime
            if mtime > folder.newest_sidecar_mtime:
                folder.newest_sidecar_mtime = mtime

    def _add_file(self, path: str, root: str, st: os.stat_result, folder: Folder) -> None:
        # A path may be reached twice in one partial walk (its folder and itself): last wins.
        self._files[path] = FoundFile(
            path=path,
            root=root,
            size=st.st_size,
            mtime=st.st_mtime,
            device=st.st_dev,
            inode=st.st_ino,
            folder=folder,
        )

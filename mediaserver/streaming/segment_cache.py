"""The on-the-fly segment cache: files under `paths.cache_dir/live/`, bounded by a disk budget.

Layout (every part a number or a name from a fixed set, never request text):

    live/<media_file_id>/source.json               size + mtime of the source the files came from
    live/<media_file_id>/keyframes.json            the remux keyframe index
    live/<media_file_id>/<mode>-<variant>/<rung>/init.mp4, seg_00000.m4s ...

A source whose size or mtime changed has its whole folder dropped before anything is served
(`check_source`), so a replaced file never serves stale segments. Writes go to a temporary name
and are renamed into place, so a reader sees a whole segment or none. Eviction is LRU by last
access (kept in memory, seeded from the files' mtimes at start-up) down to `max_bytes`; init
segments and indexes are tiny and never evicted on their own.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
from collections import OrderedDict
from pathlib import Path

SEGMENT_PREFIX = "seg_"
LOW_WATER = 0.9  # evict down to this fraction of the budget, not just under it


class SegmentCache:
    """Thread-safe: encoder threads store, request handlers look up."""

    def __init__(self, cache_dir: Path, max_bytes: int) -> None:
        self.root = Path(cache_dir).resolve() / "live"
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._lru: OrderedDict[Path, int] = OrderedDict()  # segment path -> size, oldest first
        self._total = 0
        # Looked up and found / not found, since start (read by the metrics).
        self.hits = 0
        self.misses = 0
        self.root.mkdir(parents=True, exist_ok=True)
        self._scan()

    def _scan(self) -> None:
        found = []
        for path in self.root.glob(f"*/*/*/{SEGMENT_PREFIX}*.m4s"):
            try:
                st = path.stat()
            except OSError:
                continue
            found.append((st.st_mtime, path, st.st_size))
        for _mtime, path, size in sorted(found):
            self._lru[path] = size
            self._total += size

    # -- paths -----------------------------------------------------------------------------------

    def file_dir(self, media_file_id: int) -> Path:
        return self.root / str(int(media_file_id))

    def rung_dir(self, media_file_id: int, mode: str, variant: str, rung: str) -> Path:
        return self.file_dir(media_file_id) / f"{mode}-{variant}" / rung

    @staticmethod
    def segment_name(n: int) -> str:
        return f"{SEGMENT_PREFIX}{int(n):05d}.m4s"

    # -- source key ------------------------------------------------------------------------------

    def check_source(self, media_file_id: int, size: int, mtime: float) -> bool:
        """Make sure the cached files are from this version of the source; drops them when not.
        True when something was dropped. Synchronous (file system)."""
        folder = self.file_dir(media_file_id)
        marker = folder / "source.json"
        wanted = {"size": int(size), "mtime": float(mtime)}
        try:
            found = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            found = None
        if found == wanted:
            return False
        dropped = folder.exists()
        if dropped:
            self.drop_file(media_file_id)
        folder.mkdir(parents=True, exist_ok=True)
        self._write(marker, json.dumps(wanted).encode())
        return dropped

    def drop_file(self, media_file_id: int) -> None:
        folder = self.file_dir(media_file_id)
        with self._lock:
            for path in [p for p in self._lru if folder in p.parents]:
                self._total -= self._lru.pop(path)
        shutil.rmtree(folder, ignore_errors=True)

    # -- files -----------------------------------------------------------------------------------

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{threading.get_ident()}.tmp")
        with open(temp, "wb") as fh:
            fh.write(data)
        os.replace(temp, path)

    def store_init(self, folder: Path, data: bytes) -> None:
        path = folder / "init.mp4"
        if not path.exists():
            self._write(path, data)

    def store_segment(self, folder: Path, n: int, data: bytes) -> Path:
        path = folder / self.segment_name(n)
        self._write(path, data)
        with self._lock:
            old = self._lru.pop(path, None)
            self._total += len(data) - (old or 0)
            self._lru[path] = len(data)
        self.evict()
        return path

    def lookup(self, path: Path) -> Path | None:
        """The cached file, marked as just used; None when it is not there."""
        with self._lock:
            if path in self._lru:
                self._lru.move_to_end(path)
        found = path if path.is_file() else None
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found

    @property
    def total_bytes(self) -> int:
        return self._total

    def evict(self) -> int:
        """Remove least recently used segments until under the budget; how many went."""
        if self._total <= self.max_bytes:
            return 0
        victims = []
        with self._lock:
            target = self.max_bytes * LOW_WATER
            while self._lru and self._total > target:
                path, size = self._lru.popitem(last=False)
                self._total -= size
                victims.append(path)
        for path in victims:
            with contextlib.suppress(OSError):
                path.unlink()
        return len(victims)

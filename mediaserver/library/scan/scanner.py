"""Incremental library scans.

A scan walks the roots (in a thread), loads what the library knows in one query, and sorts every
video into: unchanged (same size and mtime: costs nothing), changed or returning (probed again),
moved (same device+inode, or same size+mtime as a file that vanished: keeps its row, so its title,
episode and watch history stay), new (probed), and vanished (marked missing). Probing, naming and
NFO reading run on a thread pool sized to the CPU count while the previous batch is written, so
the event loop never blocks; each batch of files is one transaction (SQLite has one writer).

A folder that cannot be listed never makes its files "missing": an unmounted disk must not empty
a library. A partial scan (`paths`, from the file watcher or an upload) looks only at those paths.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import sqlalchemy as sa

from mediaserver.config import Settings
from mediaserver.db.engine import Database
from mediaserver.library.libraries import Library, mark_scanned
from mediaserver.library.scan import store
from mediaserver.library.scan.analysis import Analysis, FolderCache, analyse
from mediaserver.library.scan.catalog_writer import CatalogWriter, WriteOutcome
from mediaserver.library.scan.store import KnownFile
from mediaserver.library.scan.walker import (
    FoundFile,
    Walker,
    WalkIssue,
    WalkResult,
)
from mediaserver.safe_paths import from_db_path, is_inside, library_roots, to_db_path

log = logging.getLogger(__name__)

BATCH = 200  # files per write transaction
Progress = Callable[[int, int, str], Awaitable[None]]
# Called after each committed batch with (library id, ids of files that are new or whose content
# changed and were read fine); packaging queues ladders from it.
FilesChanged = Callable[[int, list[int]], Awaitable[None]]


@dataclass(slots=True)
class ScanStats:
    library_id: int
    library_name: str = ""
    files: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    moved: int = 0
    removed: int = 0
    failed: int = 0
    issues: int = 0
    seconds: float = 0.0
    partial: bool = False
    failures: list[str] = field(default_factory=list)

    @property
    def files_per_second(self) -> float:
        return self.files / self.seconds if self.seconds > 0 else float(self.files)

    def summary(self) -> str:
        return (
            f"{self.files} files: {self.new} new, {self.changed} changed, {self.unchanged} "
            f"unchanged, {self.moved} moved, {self.removed} removed, {self.failed} failed, "
            f"{self.issues} issues in {self.seconds:.2f}s ({self.files_per_second:.0f} files/s)"
        )


@dataclass(slots=True)
class Work:
    found: FoundFile
    known: KnownFile | None
    probe: bool


class Scanner:
    """Scans libraries; one per process (it owns the probe thread pool)."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        threads = settings.library.scan_threads or os.cpu_count() or 2
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="scan")
        self._locks: dict[int, asyncio.Lock] = {}
        self.listeners: list[FilesChanged] = []

    def close(self) -> None:
        # Threads still probing finish their file; nobody waits for them.
        self._pool.shutdown(wait=False, cancel_futures=True)

    def roots(self, library: Library) -> list[str]:
        """The library's roots (its folders, and its upload folder when that exists)."""
        *folders, upload = library_roots(library.paths, library.id, self.settings.paths.data_dir)
        return [*folders, *([upload] if os.path.isdir(upload) else [])]

    async def scan(
        self,
        library: Library,
        paths: Sequence[str] | None = None,
        progress: Progress | None = None,
    ) -> ScanStats:
        """Scan the whole library, or only `paths` (files or folders inside its roots)."""
        lock = self._locks.setdefault(library.id, asyncio.Lock())
        async with lock:
            return await self._scan(library, paths, progress)

    async def _scan(
        self, library: Library, paths: Sequence[str] | None, progress: Progress | None
    ) -> ScanStats:
        started = time.time()
        clock = time.monotonic()
        stats = ScanStats(library.id, library.name, partial=paths is not None)
        roots = self.roots(library)
        walker = Walker(roots)
        if paths is None:
            walked = await asyncio.to_thread(walker.walk_all)
        else:
            walked = await asyncio.to_thread(walker.walk_paths, list(paths))
        known = await store.load_files(self.db, library.id)
        work, vanished, seen_ids, live = _classify(
            walked, known, library, paths, walker.roots, stats
        )
        writer = CatalogWriter(library.id, live)
        issues: list[WalkIssue] = list(walked.issues)
        stats.files = len(walked.files)
        done = stats.unchanged
        if progress is not None:
            await progress(done, stats.files, f"{done}/{stats.files} files")
        folders = FolderCache()
        batches = [work[i : i + BATCH] for i in range(0, len(work), BATCH)]
        pending = self._analyse(batches[0], library.kind, folders) if batches else None
        try:
            for i, batch in enumerate(batches):
                assert pending is not None
                analyses = await pending
                nxt = i + 1
                pending = (
                    self._analyse(batches[nxt], library.kind, folders)
                    if nxt < len(batches)
                    else None
                )
                await self._write(writer, batch, analyses, stats, issues)
                done += len(batch)
                if progress is not None:
                    await progress(done, stats.files, f"{done}/{stats.files} files")
        finally:
            if pending is not None:
                pending.cancel()
        now = time.time()
        async with self.db.write() as conn:
            await store.mark_missing(conn, [k.id for k in vanished], now)
            if paths is None:
                written = {w.known.id for w in work if w.known is not None}
                await store.touch_seen(conn, [i for i in seen_ids if i not in written], now)
            await store.refresh_visibility(conn, library.id, now)
            await store.record_issues(conn, library.id, issues, now)
            if paths is None:
                await store.clear_old_issues(conn, library.id, started)
        if paths is None:
            await mark_scanned(self.db, library.id, started)
        stats.removed = len(vanished)
        stats.issues = len(issues)
        stats.seconds = time.monotonic() - clock
        log.info("library %s (%s) scanned: %s", library.id, library.name, stats.summary())
        return stats

    def _analyse(
        self, batch: list[Work], kind: str, folders: FolderCache
    ) -> asyncio.Future[list[Analysis]]:
        loop = asyncio.get_running_loop()
        return asyncio.gather(
            *(
                loop.run_in_executor(self._pool, analyse, w.found, kind, w.probe, folders)
                for w in batch
            )
        )

    async def _write(
        self,
        writer: CatalogWriter,
        batch: list[Work],
        analyses: list[Analysis],
        stats: ScanStats,
        issues: list[WalkIssue],
    ) -> None:
        """One transaction for the batch; if the database refuses something, the batch is
        written again with a savepoint per file, so only the offending file is marked failed."""
        now = time.time()
        try:
            outcomes = await self._write_batch(writer, batch, analyses, now, safe=False)
        except sa.exc.SQLAlchemyError:
            log.warning("a batch could not be written at once; writing it file by file")
            writer.reset()
            outcomes = await self._write_batch(writer, batch, analyses, now, safe=True)
        await self._notify(
            writer.library_id,
            [o.file_id for w, o in zip(batch, outcomes, strict=True) if w.probe and o.ok],
        )
        for a, outcome in zip(analyses, outcomes, strict=True):
            issues.extend(a.issues)
            issues.extend(outcome.issues)
            if not outcome.ok:
                stats.failed += 1
                if len(stats.failures) < 20:
                    stats.failures.append(f"{a.found.path}: {a.error or 'not saved'}")

    async def _notify(self, library_id: int, file_ids: list[int | None]) -> None:
        ids = [i for i in file_ids if i is not None]
        if not ids:
            return
        for listener in list(self.listeners):
            try:
                await listener(library_id, ids)
            except Exception:  # a listener's trouble must not fail the scan
                log.exception("scan listener failed for library %s", library_id)

    async def _write_batch(
        self,
        writer: CatalogWriter,
        batch: list[Work],
        analyses: list[Analysis],
        now: float,
        *,
        safe: bool,
    ) -> list[WriteOutcome]:
        outcomes = []
        async with self.db.write() as conn:
            for w, a in zip(batch, analyses, strict=True):
                outcomes.append(await writer.write(conn, a, w.known, now, safe=safe))
            await writer.reindex(conn)
        return outcomes


def _classify(
    walked: WalkResult,
    known: dict[str, KnownFile],
    library: Library,
    paths: Sequence[str] | None,
    roots: list[str],
    stats: ScanStats,
) -> tuple[list[Work], list[KnownFile], set[int], set[int]]:
    """Sort found files into work (new, changed, moved, metadata refresh) and vanished records.

    Returns (work, vanished, ids of records seen, ids of titles with a file still in place).
    """
    since = library.last_scan_at or 0.0
    work: list[Work] = []
    new: list[FoundFile] = []
    seen: set[int] = set()
    for f in walked.files:
        k = known.get(to_db_path(f.path))
        if k is None:
            new.append(f)
            continue
        seen.add(k.id)
        same = k.size == f.size and k.mtime == f.mtime
        if same and k.status != "missing":
            if k.status == "ok" and f.folder.newest_sidecar_mtime > since:
                work.append(Work(f, k, probe=False))  # an NFO/subtitle/image next to it changed
            else:
                stats.unchanged += 1
        else:
            work.append(Work(f, k, probe=True))
            stats.changed += 1
    live = {k.title_id for k in known.values() if k.id in seen and k.title_id is not None}
    in_scope = _scope(walked, paths, roots)
    vanished = {
        k.id: k
        for k in known.values()
        if k.id not in seen and k.status != "missing" and in_scope(from_db_path(k.path))
    }
    by_inode = {(k.device, k.inode, k.size): k for k in vanished.values() if k.inode}
    by_stat: dict[tuple[int, float], list[KnownFile]] = {}
    for k in vanished.values():
        by_stat.setdefault((k.size, k.mtime), []).append(k)
    missing_by_full = {
        (k.device, k.inode, k.size, k.mtime): k
        for k in known.values()
        if k.status == "missing" and k.inode and k.id not in seen
    }
    others_by_inode = {
        (k.device, k.inode, k.size): k
        for k in known.values()
        if k.inode and k.status != "missing" and k.id not in seen and k.id not in vanished
    }
    for f in new:
        match = by_inode.get((f.device, f.inode, f.size))
        if match is None:
            same_stat = [k for k in by_stat.get((f.size, f.mtime), []) if k.id in vanished]
            match = same_stat[0] if len(same_stat) == 1 else None
        if match is None:
            match = missing_by_full.pop((f.device, f.inode, f.size, f.mtime), None)
        if match is None and paths is not None:
            # A partial scan may not have been told the old path: same inode and size, and
            # nothing left at the old path, is the same file moved.
            other = others_by_inode.get((f.device, f.inode, f.size))
            if other is not None and not os.path.lexists(from_db_path(other.path)):
                match = other
        if match is not None and match.id not in seen:
            vanished.pop(match.id, None)
            seen.add(match.id)
            stats.moved += 1
            changed = not (match.size == f.size and match.mtime == f.mtime)
            ok = match.status == "ok"
            work.append(Work(f, match, probe=changed or not ok))
            continue
        stats.new += 1
        work.append(Work(f, None, probe=True))
    return work, list(vanished.values()), seen, live


def _scope(
    walked: WalkResult, paths: Sequence[str] | None, roots: list[str]
) -> Callable[[str], bool]:
    """Which known paths this walk looked at, so their absence means they are gone."""
    incomplete = list(walked.incomplete)
    if paths is None:
        looked = list(roots)

        def covered(p: str) -> bool:
            # Under a root that was listed, or under no current root (a folder taken out of
            # the library): gone either way.
            return any(is_inside(p, r) for r in looked) or not any(is_inside(p, r) for r in roots)
    else:
        looked = [os.path.abspath(p) for p in paths]

        def covered(p: str) -> bool:
            return any(is_inside(p, r) for r in looked)

    def in_scope(p: str) -> bool:
        return covered(p) and not any(is_inside(p, bad) for bad in incomplete)

    return in_scope

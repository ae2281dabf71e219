"""File watching: changes under library folders become "library.scan" jobs within seconds.

`watchfiles.awatch` (inotify on Linux) watches every library root and upload folder. Changes are
debounced (DEBOUNCE_MS: a copy in progress settles first), grouped by library, deduplicated, and
enqueued as one partial scan per library with the changed paths; deleted and moved-away paths are
included, so the scan can mark them missing or recognise the move. When the libraries change, the
routes call `reload()` and the watch restarts over the new folders. A periodic full rescan
(`library.rescan_minutes`) is the safety net for what watching cannot see (network shares, events
lost while the server was down, inotify limits).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os

from aiohttp import web
from watchfiles import awatch

from mediaserver.config import Settings
from mediaserver.db.engine import Database
from mediaserver.jobs import JobRunner
from mediaserver.library.jobs import queue_scan
from mediaserver.library.libraries import Library, list_libraries
from mediaserver.safe_paths import library_roots, root_of, upload_folder

log = logging.getLogger(__name__)

DEBOUNCE_MS = 2000
RETRY_SECONDS = 30.0  # after the watch itself failed (a root vanished, inotify limit)


class LibraryWatcher:
    def __init__(self, db: Database, settings: Settings, runner: JobRunner) -> None:
        self.db = db
        self.settings = settings
        self.runner = runner
        self.debounce_ms = DEBOUNCE_MS
        self._reload = asyncio.Event()
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.watching: list[str] = []  # the roots watched now (for the admin page and tests)
        self._running_with: tuple[bool, int] | None = None  # (watch, rescan_minutes) started

    async def start(self) -> None:
        self._running_with = (self.settings.library.watch, self.settings.library.rescan_minutes)
        if self.settings.library.watch:
            self._tasks.append(asyncio.create_task(self._watch_loop(), name="library-watch"))
        if self.settings.library.rescan_minutes > 0:
            self._tasks.append(asyncio.create_task(self._rescan_loop(), name="library-rescan"))

    async def stop(self) -> None:
        self._stop.set()
        self._reload.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()

    async def settings_changed(self) -> None:
        """library.watch or rescan_minutes changed at run time: stop and start again."""
        library = self.settings.library
        if (library.watch, library.rescan_minutes) == self._running_with:
            return
        await self.stop()
        self._stop = asyncio.Event()
        self._reload = asyncio.Event()
        self.watching = []
        await self.start()

    def reload(self) -> None:
        """Libraries were added, changed or deleted: watch their current folders."""
        self._reload.set()

    # -- watching ---------------------------------------------------------------------------------

    async def _roots(self) -> dict[str, int]:
        """Existing folders to watch -> library id; upload folders are created here."""
        roots: dict[str, int] = {}
        for lib in await list_libraries(self.db):
            for folder in self._folders(lib):
                if os.path.isdir(folder):
                    roots[folder] = lib.id
        return roots

    def _folders(self, lib: Library) -> list[str]:
        data_dir = self.settings.paths.data_dir
        with contextlib.suppress(OSError):
            upload_folder(data_dir, lib.id).mkdir(parents=True, exist_ok=True)
        return list(library_roots(lib.paths, lib.id, data_dir))

    async def _watch_loop(self) -> None:
        while not self._stop.is_set():
            self._reload.clear()
            try:
                roots = await self._roots()
            except Exception:
                log.exception("file watching: cannot read the libraries; retrying")
                await self._pause(RETRY_SECONDS)
                continue
            self.watching = sorted(roots)
            if not roots:
                await self._reload.wait()
                continue
            try:
                await self._watch(roots)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("file watching stopped (%s); retrying in %ss", exc, RETRY_SECONDS)
                self.watching = []
                await self._pause(RETRY_SECONDS)

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._reload.wait(), seconds)

    async def _watch(self, roots: dict[str, int]) -> None:
        async for changes in awatch(
            *roots,
            stop_event=self._reload,
            debounce=self.debounce_ms,
            step=50,
            watch_filter=_not_hidden(list(roots)),
            recursive=True,
            ignore_permission_denied=True,
        ):
            await self._enqueue(roots, {path for _, path in changes})

    async def _enqueue(self, roots: dict[str, int], paths: set[str]) -> None:
        by_library: dict[int, set[str]] = {}
        for path in paths:
            root = root_of(path, roots)
            if root is not None:
                by_library.setdefault(roots[root], set()).add(path)
        for library_id, changed in by_library.items():
            try:
                await queue_scan(self.runner, library_id, sorted(changed))
            except Exception:
                log.exception("file watching: could not queue a scan of library %s", library_id)

    # -- periodic rescans -------------------------------------------------------------------------

    async def _rescan_loop(self) -> None:
        interval = self.settings.library.rescan_minutes * 60
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), interval)
            if self._stop.is_set():
                return
            try:
                for lib in await list_libraries(self.db):
                    # A scan of the library already under way covers this round.
                    await queue_scan(self.runner, lib.id, merge_running=True)
            except Exception:
                log.exception("periodic rescan: could not queue the scans")


def _not_hidden(roots: list[str]):  # noqa: ANN202 - a watchfiles filter callable
    """Skip hidden files and folders below a root (swap files, .DS_Store, .@__thumb ...)."""

    def keep(_change: object, path: str) -> bool:
        root = root_of(path, roots)
        if root is None:
            return False
        rel = os.path.relpath(path, root)
        return not any(part.startswith(".") for part in rel.split(os.sep) if part != ".")

    return keep


watcher_key: web.AppKey[LibraryWatcher] = web.AppKey("library_watcher")

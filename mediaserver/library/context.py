"""The library's app contexts: the scanner (its probe threads), the "library.scan" job handler
and the file watcher; and the hook other domains use to hear about changed files."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from mediaserver.config import Settings
from mediaserver.keys import config_key, db_key, jobs_key
from mediaserver.library.jobs import SCAN_JOB, make_scan_handler
from mediaserver.library.scan.scanner import FilesChanged, Scanner
from mediaserver.library.watcher import LibraryWatcher, watcher_key

scanner_key: web.AppKey[Scanner] = web.AppKey("library_scanner")


def on_files_changed(app: web.Application, listener: FilesChanged) -> Callable[[], None]:
    """Call `listener(library_id, media_file_ids)` after every committed scan batch with files
    that are new or whose content changed and were read fine. Returns the function that stops
    it; without a scanner (an app built without the library) nothing is ever called."""
    scanner = app.get(scanner_key)
    if scanner is None:
        return lambda: None
    scanner.listeners.append(listener)

    def stop() -> None:
        with contextlib.suppress(ValueError):
            scanner.listeners.remove(listener)

    return stop


async def scanner_ctx(app: web.Application) -> AsyncIterator[None]:
    """A job resource: the scanner (its probe threads) opens before the runner starts and outlives
    running scan jobs, which the runner stops first on shutdown."""
    scanner = Scanner(app[db_key], app[config_key])
    app[scanner_key] = scanner
    try:
        yield
    finally:
        scanner.close()


async def library_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx AFTER jobs_ctx: the "library.scan" handler and the file watcher."""
    settings, db = app[config_key], app[db_key]
    # Light: a new library looks empty until its scan ran, so it never waits behind encodes.
    app[jobs_key].register(SCAN_JOB, make_scan_handler(db, app[scanner_key]), lane="light")
    watcher = LibraryWatcher(db, settings, app[jobs_key])
    app[watcher_key] = watcher
    await watcher.start()
    try:
        yield
    finally:
        await watcher.stop()


async def library_settings_changed(app: web.Application, settings: Settings) -> None:
    watcher = app.get(watcher_key)
    if watcher is not None:
        await watcher.settings_changed()

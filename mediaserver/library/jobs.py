"""The "library.scan" job, scanning every library, and the library's app context.

Payload of "library.scan": {"library_id": int, "paths": [absolute paths, optional]}. Without
`paths` the whole library is scanned; with them, only those files and folders (what the file
watcher or an upload reports). A library deleted meanwhile ends the job quietly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from mediaserver.db.engine import Database
from mediaserver.errors import NotFound
from mediaserver.jobs import Handler, JobContext, JobPayloadError
from mediaserver.keys import config_key, db_key, jobs_key
from mediaserver.library.libraries import get_library, list_libraries
from mediaserver.library.scanner import Progress, Scanner, ScanStats

SCAN_JOB = "library.scan"
MAX_PATHS = 1000  # more changed paths than this: scan the whole library instead
PATH_MAX = 4096

scanner_key: web.AppKey[Scanner] = web.AppKey("library_scanner")


def scan_payload(library_id: int, paths: list[str] | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"library_id": library_id}
    if paths is not None and len(paths) <= MAX_PATHS:
        payload["paths"] = sorted(set(paths))
    return payload


def parse_payload(payload: Any) -> tuple[int, list[str] | None]:
    if not isinstance(payload, dict):
        raise JobPayloadError("library.scan needs an object payload")
    library_id = payload.get("library_id")
    if not isinstance(library_id, int) or isinstance(library_id, bool):
        raise JobPayloadError("library.scan needs an integer library_id")
    paths = payload.get("paths")
    if paths is None:
        return library_id, None
    if not isinstance(paths, list) or not all(
        isinstance(p, str) and p.startswith("/") and len(p) <= PATH_MAX and "\x00" not in p
        for p in paths
    ):
        raise JobPayloadError("library.scan paths must be a list of absolute paths")
    return library_id, paths[: MAX_PATHS * 10]


def make_scan_handler(db: Database, scanner: Scanner) -> Handler:
    """The handler for "library.scan" jobs."""

    async def scan_job(ctx: JobContext) -> None:
        library_id, paths = parse_payload(ctx.payload)
        try:
            library = await get_library(db, library_id)
        except NotFound:
            await ctx.progress(100, message="library no longer exists")
            return

        async def progress(done: int, total: int, message: str) -> None:
            ctx.raise_if_cancelled()
            await ctx.progress(100.0 * done / total if total else 0.0, message=message)

        stats = await scanner.scan(library, paths, progress)
        await ctx.progress(100, message=stats.summary()[:400])

    return scan_job


async def scan_all(
    db: Database, scanner: Scanner, name: str | None = None, progress: Progress | None = None
) -> list[ScanStats]:
    """Scan every library (or the one called `name`) in this process, one after another."""
    libs = await list_libraries(db)
    if name is not None:
        libs = [lib for lib in libs if lib.name == name]
        if not libs:
            raise NotFound(f"No library named '{name}'.")
    return [await scanner.scan(lib, None, progress) for lib in libs]


async def enqueue_scan(
    app: web.Application, library_id: int, paths: list[str] | None = None
) -> int:
    return await app[jobs_key].enqueue(SCAN_JOB, scan_payload(library_id, paths))


async def scanner_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx BEFORE jobs_ctx: the scanner (its probe threads) outlives running scan jobs,
    which the runner stops first on shutdown."""
    scanner = Scanner(app[db_key], app[config_key])
    app[scanner_key] = scanner
    try:
        yield
    finally:
        scanner.close()


async def library_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx AFTER jobs_ctx: the "library.scan" handler and the file watcher."""
    from mediaserver.library.watcher import LibraryWatcher, watcher_key

    settings, db = app[config_key], app[db_key]
    app[jobs_key].register(SCAN_JOB, make_scan_handler(db, app[scanner_key]))
    watcher = LibraryWatcher(db, settings, app[jobs_key])
    app[watcher_key] = watcher
    await watcher.start()
    try:
        yield
    finally:
        await watcher.stop()

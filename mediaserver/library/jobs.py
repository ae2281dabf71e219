"""The "library.scan" job: its payload, its handler, queuing it, and scanning in this process.

Payload of "library.scan": {"library_id": int, "paths": [absolute paths, optional]}. Without
`paths` the whole library is scanned; with them, only those files and folders (what the file
watcher or an upload reports). A library deleted meanwhile ends the job quietly.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mediaserver.config import Settings
from mediaserver.db.engine import Database
from mediaserver.errors import NotFound
from mediaserver.jobs import Handler, JobContext, JobPayloadError, JobRunner, Queued
from mediaserver.keys import jobs_key
from mediaserver.library.libraries import find_library, get_library, list_libraries
from mediaserver.library.scan.scanner import Progress, Scanner, ScanStats

SCAN_JOB = "library.scan"
MAX_PATHS = 1000  # more changed paths than this: scan the whole library instead
PATH_MAX = 4096


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
    if name is None:
        libs = await list_libraries(db)
    else:
        lib = await find_library(db, name)
        if lib is None:
            raise NotFound(f"No library named '{name}'.")
        libs = [lib]
    return [await scanner.scan(lib, None, progress) for lib in libs]


async def scan_now(
    db: Database, settings: Settings, name: str | None = None, progress: Progress | None = None
) -> list[ScanStats]:
    """`scan_all` with a scanner of its own, closed afterwards (`mediaserver scan`)."""
    scanner = Scanner(db, settings)
    try:
        return await scan_all(db, scanner, name, progress)
    finally:
        scanner.close()


async def queue_scan(
    runner: JobRunner,
    library_id: int,
    paths: list[str] | None = None,
    *,
    merge_running: bool = False,
) -> Queued:
    """Queue a scan, unless the same scan is already waiting (or, with `merge_running`, under
    way): then that one. A second "scan this library" merges into a running scan; changed paths
    and changed folders only into a queued one, since a running scan may have passed them."""
    payload = scan_payload(library_id, paths)
    return await runner.enqueue_once(SCAN_JOB, payload, merge_running=merge_running)


async def enqueue_scan(
    app: web.Application,
    library_id: int,
    paths: list[str] | None = None,
    *,
    merge_running: bool = False,
) -> Queued:
    return await queue_scan(app[jobs_key], library_id, paths, merge_running=merge_running)

"""Figures that cost a query or a system call, read at most every TTL seconds in the background
so a scrape never waits on them: the job queue's depth and the free space of each folder."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import time
from dataclasses import dataclass

import sqlalchemy as sa
from aiohttp import web

from mediaserver.db.catalog_schema import libraries
from mediaserver.db.schema import jobs
from mediaserver.keys import config_key, db_key, jobs_key

log = logging.getLogger(__name__)

TTL = 10.0  # seconds a snapshot is served before a fresh one is read


@dataclass(frozen=True, slots=True)
class QueueDepth:
    job_type: str
    lane: str
    state: str  # "queued" | "running"
    count: int


@dataclass(frozen=True, slots=True)
class DiskFree:
    folder: str  # "data", "cache", "storage", "library:<name>"
    path: str
    free: int
    total: int


@dataclass(frozen=True, slots=True)
class Snapshot:
    taken_at: float  # monotonic
    queue: tuple[QueueDepth, ...]
    disks: tuple[DiskFree, ...]


class Snapshotter:
    """Serves the latest snapshot; a scrape that finds it older than TTL starts a refresh and
    is answered with the one it has. The first is read at start-up (`start`), so a scrape waits
    only when it comes before that one is done."""

    def __init__(self, app: web.Application, ttl: float = TTL) -> None:
        self.app = app
        self.ttl = ttl
        self.latest: Snapshot | None = None
        self._task: asyncio.Task[None] | None = None

    def age(self) -> float:
        return time.monotonic() - self.latest.taken_at if self.latest else 0.0

    def start(self) -> None:
        """Read the first snapshot in the background."""
        self._task = asyncio.create_task(self._refresh_quietly())

    async def ensure(self) -> None:
        running = self._task is not None and not self._task.done()
        if self.latest is None:
            if running:
                await asyncio.shield(self._task)
            if self.latest is None:
                await self.refresh()  # the start-up read failed: this scrape says why
        elif self.age() > self.ttl and not running:
            self._task = asyncio.create_task(self._refresh_quietly())

    async def _refresh_quietly(self) -> None:
        try:
            await self.refresh()
        except Exception as exc:  # the old figures stay; the next scrape tries again
            log.warning("metrics: could not read the job queue or disk figures: %s", exc)

    async def refresh(self) -> None:
        queue, folders = await self._read_database()
        disks = await asyncio.to_thread(_disks, folders)
        self.latest = Snapshot(time.monotonic(), queue, disks)

    async def _read_database(self) -> tuple[tuple[QueueDepth, ...], list[tuple[str, str]]]:
        # The status index makes this cheap however many finished jobs the table holds.
        stmt = (
            sa.select(jobs.c.type, jobs.c.status, sa.func.count())
            .where(jobs.c.status.in_(("queued", "running")))
            .group_by(jobs.c.type, jobs.c.status)
        )
        async with self.app[db_key].read() as conn:
            rows = (await conn.execute(stmt)).all()
            libs = (await conn.execute(sa.select(libraries.c.name, libraries.c.paths))).all()
        runner = self.app.get(jobs_key)
        queue = tuple(
            QueueDepth(t, runner.lane(t) if runner else "heavy", status, int(n))
            for t, status, n in sorted(rows)
        )
        paths = self.app[config_key].paths
        folders = [("data", str(paths.data_dir)), ("cache", str(paths.cache_dir))]
        folders.append(("storage", str(self.app[config_key].storage_root)))
        for name, lib_paths in libs:
            folders.extend((f"library:{name}", str(p)) for p in lib_paths or [])
        return queue, folders

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def _disks(folders: list[tuple[str, str]]) -> tuple[DiskFree, ...]:
    found = []
    for folder, path in folders:
        try:
            usage = shutil.disk_usage(path)
        except OSError:
            continue  # a library folder that is offline: no figure rather than a wrong one
        found.append(DiskFree(folder, path, usage.free, usage.total))
    return tuple(found)

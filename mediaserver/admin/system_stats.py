"""The machine as the dashboard shows it: CPU and memory (the system's and this process's), free
space per folder, and what the media takes on disk.

Everything that touches the file system runs in a thread. Free space and CPU are cheap and read
for every snapshot; what the media takes needs a walk of the published ladders, so it is measured
at most every USAGE_SECONDS and shared by every watcher.
"""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import time
from pathlib import Path

import psutil
import sqlalchemy as sa
from aiohttp import web

from mediaserver.admin.dashboard import FolderSpace, LibraryUsage, MachineNow, StorageUsage
from mediaserver.db.catalog_schema import libraries, media_files
from mediaserver.db.engine import Database
from mediaserver.http.disk_space import NEARLY_FULL_BYTES
from mediaserver.keys import config_key, db_key, storage_key
from mediaserver.streaming import live_cache_bytes

USAGE_SECONDS = 30.0
LADDERS_PREFIX = "ladders"


@functools.cache
def _process() -> psutil.Process:
    # One Process object for the whole run: cpu_percent() measures since its previous call.
    return psutil.Process()


def read_machine() -> MachineNow:
    """Blocking (reads /proc): call it in a thread. CPU figures are since the previous call."""
    memory = psutil.virtual_memory()
    process = _process()
    with process.oneshot():
        process_cpu = process.cpu_percent(None)
        rss = process.memory_info().rss
    return MachineNow(
        cpu_percent=psutil.cpu_percent(None),
        memory_percent=memory.percent,
        memory_used_bytes=memory.total - memory.available,
        memory_total_bytes=memory.total,
        process_cpu_percent=process_cpu,
        process_memory_bytes=rss,
        cpus=os.cpu_count() or 1,
    )


def folder_space(label: str, path: Path, min_free: int) -> FolderSpace:
    """Blocking (statvfs): call it in a thread."""
    try:
        usage = shutil.disk_usage(path)
    except OSError:
        return FolderSpace(label, str(path), None, None, low=False)
    low = usage.free < max(min_free, NEARLY_FULL_BYTES)
    return FolderSpace(label, str(path), usage.free, usage.total, low=low)


async def library_roots(db: Database) -> list[tuple[int, str, list[str]]]:
    async with db.read() as conn:
        rows = (
            await conn.execute(
                sa.select(libraries.c.id, libraries.c.name, libraries.c.paths).order_by(
                    libraries.c.name
                )
            )
        ).all()
    return [(row.id, row.name, [str(p) for p in row.paths or []]) for row in rows]


async def read_folders(app: web.Application) -> tuple[FolderSpace, ...]:
    """Free space of the data, cache and storage folders and of every library root."""
    settings = app[config_key]
    paths = settings.paths
    folders: list[tuple[str, Path]] = [
        ("Data folder", paths.data_dir),
        ("Cache folder", paths.cache_dir),
    ]
    if settings.storage.backend == "local":
        folders.append(("Storage", settings.storage_root))
    for _, name, roots in await library_roots(app[db_key]):
        folders += [(f"Library {name}", Path(root)) for root in roots]

    def measure() -> tuple[FolderSpace, ...]:
        return tuple(folder_space(label, p, paths.min_free_bytes) for label, p in folders)

    return await asyncio.to_thread(measure)


async def _library_usage(db: Database) -> tuple[LibraryUsage, ...]:
    present = media_files.c.removed_at.is_(None)
    async with db.read() as conn:
        rows = (
            await conn.execute(
                sa.select(
                    libraries.c.id,
                    libraries.c.name,
                    sa.func.count(media_files.c.id),
                    sa.func.coalesce(sa.func.sum(media_files.c.size), 0),
                )
                .select_from(
                    libraries.outerjoin(
                        media_files, (media_files.c.library_id == libraries.c.id) & present
                    )
                )
                .group_by(libraries.c.id, libraries.c.name)
                .order_by(libraries.c.name)
            )
        ).all()
    return tuple(LibraryUsage(row[0], row[1], int(row[2]), int(row[3])) for row in rows)


async def _ladders_bytes(app: web.Application) -> int:
    # The storage lists in threads (local disk) or pages of an object listing (S3).
    total = 0
    async for info in app[storage_key].list_prefix(LADDERS_PREFIX):
        total += info.size
    return total


class UsageCache:
    """What the media takes, measured at most every USAGE_SECONDS, one measurement at a time."""

    def __init__(self, max_age: float = USAGE_SECONDS) -> None:
        self.max_age = max_age
        self._value: StorageUsage | None = None
        self._lock = asyncio.Lock()

    async def get(self, app: web.Application) -> StorageUsage:
        async with self._lock:
            now = time.time()
            value = self._value
            if value is None or now - value.measured_at >= self.max_age:
                value = StorageUsage(
                    libraries=await _library_usage(app[db_key]),
                    ladders_bytes=await _ladders_bytes(app),
                    live_cache_bytes=0,
                    measured_at=now,
                )
                self._value = value
        # The on-the-fly cache keeps its own total in memory: always current.
        return StorageUsage(
            value.libraries, value.ladders_bytes, live_cache_bytes(app), value.measured_at
        )

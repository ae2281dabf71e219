"""Whether the data and cache folders are (nearly) full, for the banner on the admin pages.

Checked in a thread every CHECK_SECONDS, never while a page renders. A folder with less free
space than `paths.min_free_bytes` (what /ready also requires of the data folder), or than
NEARLY_FULL_BYTES, is reported; the report goes away by itself once space has been freed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from aiohttp import web

from mediaserver.config import Settings
from mediaserver.http.templating import add_page_context
from mediaserver.keys import config_key

log = logging.getLogger(__name__)

CHECK_SECONDS = 30.0
NEARLY_FULL_BYTES = 256 << 20  # reported below this even where paths.min_free_bytes is lower


class DiskSpace:
    """The latest check: one sentence per folder that is (nearly) full."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.problems: tuple[str, ...] = ()

    def check(self) -> tuple[str, ...]:
        """Blocking (statvfs): call it in a thread."""
        paths = self.settings.paths
        folders = {"data folder": paths.data_dir, "cache folder": paths.cache_dir}
        found = (_problem(name, folder, paths.min_free_bytes) for name, folder in folders.items())
        return tuple(problem for problem in found if problem is not None)


def _problem(name: str, folder: Path, min_free: int) -> str | None:
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return None  # a folder not made yet has nothing to fill; /ready reports it missing
    if free >= max(min_free, NEARLY_FULL_BYTES):
        return None
    if free < 2**20:
        return f"The disk is full: the {name} ({folder}) has no space left."
    needs = f", less than the {_size(min_free)} it needs" if free < min_free else ""
    return f"The disk is nearly full: the {name} ({folder}) has {_size(free)} free{needs}."


def _size(n: int) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n // 2**20} MiB"


disk_space_key: web.AppKey[DiskSpace] = web.AppKey("disk_space")


async def disk_space_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: checks at start, then every CHECK_SECONDS until shutdown."""
    space = app[disk_space_key]

    async def watch() -> None:
        while True:
            try:
                space.problems = await asyncio.to_thread(space.check)
            except Exception:  # a failed check must not stop the next ones
                log.exception("could not check the free disk space")
            await asyncio.sleep(CHECK_SECONDS)

    task = asyncio.create_task(watch(), name="disk-space")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def disk_space_context(request: web.Request) -> dict[str, Any]:
    space = request.app.get(disk_space_key)
    return {"disk_space_problems": space.problems if space is not None else ()}


def setup_disk_space(app: web.Application) -> None:
    """The check, and `disk_space_problems` for every page (the admin pages show it)."""
    app[disk_space_key] = DiskSpace(app[config_key])
    app.cleanup_ctx.append(disk_space_ctx)
    add_page_context(app, disk_space_context)

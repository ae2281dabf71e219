"""Start-up cleanup: what a crashed or killed packaging job left behind (its work folder under
data_dir/work/<job id>, its staging prefix "staging/<job id>/") is removed once no worker runs
that job any more."""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path

from mediaserver.config import Settings
from mediaserver.db.engine import Database
from mediaserver.packaging import store
from mediaserver.packaging.paths import STAGING_ROOT, staging_prefix
from mediaserver.storage.base import Storage

log = logging.getLogger(__name__)

WORK_DIR = "work"


def work_root(settings: Settings) -> Path:
    """Where packaging jobs work: one folder per job, named by its id."""
    return Path(settings.paths.data_dir) / WORK_DIR


async def cleanup_leftovers(db: Database, storage: Storage, settings: Settings) -> int:
    """Remove work folders and staging prefixes of jobs no worker is running now (a crash or
    kill -9 left them). Folders of jobs that still hold a live lease, another process's on the
    same data folder, are left alone. Returns how many were removed."""
    root = work_root(settings)
    local = await asyncio.to_thread(_job_dirs, root)
    staged: set[int] = set()
    async for info in storage.list_prefix(STAGING_ROOT):
        part = info.key.split("/", 2)[1]
        if part.isdigit():
            staged.add(int(part))
    live = await store.live_job_ids(db, set(local) | staged)
    removed = 0
    for job_id in sorted(set(local) - live):
        await asyncio.to_thread(shutil.rmtree, root / local[job_id], True)
        removed += 1
    for job_id in sorted(staged - live):
        await storage.delete_prefix(staging_prefix(job_id))
        removed += 1
    if removed:
        log.info("removed %d leftover packaging folder(s) of jobs that are not running", removed)
    return removed


def _job_dirs(root: Path) -> dict[int, str]:
    try:
        return {int(p.name): p.name for p in root.iterdir() if p.name.isdigit() and p.is_dir()}
    except FileNotFoundError:
        return {}

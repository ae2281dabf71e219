"""Reconciliation: queue "media.package" for every file that should have a ladder and has none.

The scanner's hook queues packaging when a scan commits, but a crash between the commit and the
enqueue loses the job, and `mediaserver scan` runs without the hook. Instead of more hooks, the
database is compared with what should be: at server start-up and after a CLI scan, every media
file that is readable, not removed, not an extra and in a preencode or hybrid library gets a job
unless its ladder is current or a queued/running "media.package" job already covers it.

A ladder is current when it was published from the file's present size and mtime (rows from
before those were recorded count when published after the file was last probed). A failed ladder
is left alone until the file changes, so a file that cannot be packaged is not retried forever.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa

from mediaserver.catalog import playable_file
from mediaserver.db.catalog_schema import libraries, media_files
from mediaserver.db.engine import Database
from mediaserver.db.packaging_schema import ladders
from mediaserver.db.schema import jobs
from mediaserver.jobs import queue
from mediaserver.packaging import store
from mediaserver.packaging.store import PACKAGED_POLICIES

log = logging.getLogger(__name__)

PACKAGE_JOB = "media.package"

Enqueue = Callable[[str, Any], Awaitable[int]]


async def reconcile_packaging(db: Database, *, enqueue: Enqueue | None = None) -> int:
    """Queue packaging of the files that need a ladder and have no job; return how many.

    `enqueue(type, payload)` defaults to writing the job straight into the database (the CLI,
    which has no runner; a server's runner picks it up); a server passes its runner's."""
    add = enqueue or functools.partial(queue.enqueue, db)
    wanted = await files_needing_ladder(db)
    covered = await _files_with_active_job(db)
    queued = 0
    for media_file_id in wanted:
        if media_file_id in covered:
            continue
        # As enqueue_package: the row says "queued" before the job exists.
        await store.set_status(db, media_file_id, "queued")
        await add(PACKAGE_JOB, {"media_file_id": media_file_id})
        queued += 1
    if queued:
        log.info("reconcile: queued packaging of %d file(s) without a current ladder", queued)
    return queued


async def files_needing_ladder(db: Database) -> list[int]:
    """Ids of packaged-policy files whose ladder is missing, stale or lost its job, by id."""
    mf, ld = media_files, ladders
    stmt = (
        sa.select(
            mf.c.id,
            mf.c.size,
            mf.c.mtime,
            mf.c.probed_at,
            ld.c.media_file_id.label("ladder_file_id"),
            ld.c.status,
            ld.c.source_size,
            ld.c.source_mtime,
            ld.c.storage_prefix,
            ld.c.published_at,
            ld.c.updated_at,
        )
        .join(libraries, libraries.c.id == mf.c.library_id)
        .outerjoin(ld, ld.c.media_file_id == mf.c.id)
        .where(*playable_file(), libraries.c.policy.in_(PACKAGED_POLICIES))
        .order_by(mf.c.id)
    )
    async with db.read() as conn:
        rows = (await conn.execute(stmt)).all()
    return [r.id for r in rows if _needs_ladder(r)]


def _needs_ladder(r: Any) -> bool:
    if r.ladder_file_id is None:
        return True
    probed = r.probed_at or 0.0
    if r.status == "failed":  # failed on this version of the file: wait until it changes
        return r.updated_at < probed
    if r.status != "ready" or r.storage_prefix is None or r.published_at is None:
        return True  # queued or running without a job (checked by the caller): the job was lost
    if r.source_size is not None and r.source_mtime is not None:
        return (r.source_size, r.source_mtime) != (r.size, r.mtime)
    return r.published_at < probed


async def _files_with_active_job(db: Database) -> set[int]:
    """Media file ids of queued or running "media.package" jobs. The payload is compared here,
    not in SQL, which keeps it the same on SQLite and PostgreSQL."""
    async with db.read() as conn:
        payloads = await conn.execute(
            sa.select(jobs.c.payload).where(
                jobs.c.type == PACKAGE_JOB, jobs.c.status.in_(("queued", "running"))
            )
        )
        found = set()
        for (payload,) in payloads:
            file_id = payload.get("media_file_id") if isinstance(payload, dict) else None
            if isinstance(file_id, int) and not isinstance(file_id, bool):
                found.add(file_id)
    return found

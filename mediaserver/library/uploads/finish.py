"""Finishing uploads (the `upload.finish` job) and housekeeping (expiry, orphans, stalls)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from mediaserver.db.catalog_schema import uploads
from mediaserver.db.engine import Database
from mediaserver.errors import DISK_FULL, is_disk_full
from mediaserver.library.uploads import files as uf
from mediaserver.library.uploads.store import (
    DONE,
    FAILED,
    PROCESSING,
    RECEIVING,
    Enqueue,
    UploadError,
    UploadLimits,
    fail_upload,
    refuse_upload,
    update_upload,
    upload_by_id,
    upload_from_row,
)
from mediaserver.library.uploads.tus import complete, open_locked

log = logging.getLogger(__name__)

ORPHAN_GRACE_SECONDS = 3600.0  # a partial file without a row is removed after this long
STALLED_SECONDS = 600.0  # a complete upload that was never handed to the finishing job
LOCK_WAIT_SECONDS = 60.0


async def _lock_patiently(path: Path) -> uf.OpenPartial:
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            return uf.OpenPartial(path)
        except uf.Locked:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)


async def finish_upload(
    db: Database,
    limits: UploadLimits,
    upload_id: int,
    extension: str,
    scan: Callable[[int, Path], Awaitable[Any]],
    progress: Callable[[float], Awaitable[None]] | None = None,
) -> None:
    """The finishing job: fsync, SHA-256, place in the library's upload folder, queue a scan.

    Safe to run again after a crash at any point: the chosen name is stored before the hard
    link is made, and a link that already points at this partial file is recognised.
    """
    upload = await upload_by_id(db, upload_id)
    if upload is None or upload.status not in (RECEIVING, PROCESSING):
        return
    path = limits.files.partial(upload.token)
    try:
        part = await _lock_patiently(path)
    except FileNotFoundError:
        await update_upload(db, upload.id, status=FAILED, error="its data was lost on the server")
        return
    try:
        await asyncio.to_thread(part.sync)
        done = [0]
        hashing = asyncio.ensure_future(
            asyncio.to_thread(uf.file_sha256, path, lambda n: done.__setitem__(0, n))
        )
        while not hashing.done():
            await asyncio.wait({hashing}, timeout=0.5)
            if progress is not None and upload.length:
                await progress(90.0 * done[0] / upload.length)
        digest = hashing.result()
        folder = limits.files.library_dir(upload.library_id)
        target = folder / upload.filename if upload.filename else None
        if not (target and target.exists() and os.path.samefile(target, path)):
            target = None
            while target is None:
                name = uf.final_name(upload.filename, extension, lambda n: (folder / n).exists())
                await update_upload(db, upload.id, filename=name, sha256=digest)  # before the link
                with contextlib.suppress(FileExistsError):
                    target = uf.place_file(path, folder, name)
        await scan(upload.library_id, target)
        await update_upload(
            db, upload.id, status=DONE, sha256=digest, filename=target.name, error=None
        )
        limits.files.remove(upload.token)
        if progress is not None:
            await progress(100.0)
    finally:
        part.close()


async def give_up(db: Database, limits: UploadLimits, upload_id: int, exc: BaseException) -> None:
    """The finishing job failed for the last time: the upload fails with the reason and its
    library's issues page lists it, rather than the upload staying "processing" for ever."""
    upload = await upload_by_id(db, upload_id)
    if upload is None or upload.status not in (RECEIVING, PROCESSING):
        return
    why = DISK_FULL if is_disk_full(exc) else str(exc) or type(exc).__name__
    try:
        await refuse_upload(db, limits, upload, f"it could not be added to the library: {why}")
    except Exception as trouble:  # the job's own error is the one to report
        log.warning("upload %s: could not record its failure: %s", upload_id, trouble)


async def sweep(db: Database, limits: UploadLimits, finish: Enqueue, keep_finished: float) -> int:
    """Housekeeping at start and then periodically; returns how many things it cleaned.

    Expired uploads lose their data (the row stays as failed, so its token answers 410);
    rows finished more than `keep_finished` seconds ago are purged; partial files without a
    row are removed; a complete upload that never reached the finishing job (crash in between)
    is handed to it again.
    """
    now = time.time()
    cleaned = 0
    async with db.read() as conn:
        rows = (
            await conn.execute(
                sa.select(uploads).where(uploads.c.status.in_([RECEIVING, PROCESSING]))
            )
        ).all()
    active = {r.token for r in rows}
    for upload in map(upload_from_row, rows):
        if upload.status == RECEIVING and upload.expires_at <= now:
            try:
                part = open_locked(limits, upload)
            except UploadError:
                continue  # someone is writing to it right now: not expired after all
            except FileNotFoundError:
                part = None
            try:
                hours = limits.expire_seconds / 3600
                await fail_upload(
                    db, limits, upload, f"expired: no data arrived for {hours:g} hours"
                )
                cleaned += 1
            finally:
                if part is not None:
                    part.close()
        elif (
            upload.status == RECEIVING
            and upload.length is not None
            and upload.offset == upload.length
            and upload.updated_at < now - STALLED_SECONDS
        ):
            with contextlib.suppress(UploadError):
                await complete(db, limits, upload, finish)
                cleaned += 1
    for token in limits.files.tokens_on_disk():
        path = limits.files.partial(token)
        with contextlib.suppress(FileNotFoundError):
            if token not in active and path.stat().st_mtime < now - ORPHAN_GRACE_SECONDS:
                path.unlink()
                cleaned += 1
    async with db.write() as conn:
        result = await conn.execute(
            uploads.delete()
            .where(uploads.c.status.in_([DONE, FAILED]))
            .where(uploads.c.updated_at < now - keep_finished)
        )
        cleaned += result.rowcount or 0
    return cleaned

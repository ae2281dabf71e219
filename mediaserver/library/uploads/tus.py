"""tus 1.0 uploads: creation, appends at checked offsets, termination, expiration, completion.

Plain async functions over the database and the partial files; the HTTP side is
`routes`. Every change to an upload's bytes happens while holding the partial file's
flock (see `files.OpenPartial`), so two requests, or a request and the finishing job, can
never write the same upload at once, in this process or another one on the same disk.

Offsets and crashes. The order is: write the bytes, then commit the new offset. A process that
dies in between (kill -9) leaves a partial file *longer* than the stored offset, never shorter,
because the written bytes are in the page cache whatever happens to the process. Whenever an
upload is opened, `_reconcile` makes file and row agree on min(file size, stored offset) and
truncates the file to it; the client then resends from the offset HEAD reports. So both
directions are safe: extra bytes the server never acknowledged are dropped, and a file shorter
than the stored offset (the machine itself crashed before the page cache reached the disk, with
`uploads.fsync` off) simply moves the offset back. With `uploads.fsync` on, each PATCH is
fdatasync'ed before its offset is committed: the acknowledged offset then survives power loss
too, at the cost of the disk's synchronous write speed. The finishing job always fdatasyncs
before it computes the SHA-256 and calls the upload done.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import errno
import hashlib
import logging
import secrets
import shutil
import time
from collections.abc import AsyncIterable
from pathlib import Path

import sqlalchemy as sa

from mediaserver.db.catalog_schema import libraries, uploads
from mediaserver.db.engine import Database
from mediaserver.jobs.context import uninterrupted
from mediaserver.library.uploads import files as uf
from mediaserver.library.uploads.store import (
    FAILED,
    PROCESSING,
    RECEIVING,
    Enqueue,
    NotMedia,
    NoVideo,
    Upload,
    UploadError,
    UploadLimits,
    refuse_upload,
    update_upload,
    upload_by_id,
)
from mediaserver.media.probe import MediaRejected, probe_file
from mediaserver.storage.base import StorageFull

log = logging.getLogger(__name__)


# -- creation ---------------------------------------------------------------------------------


async def create_upload(
    db: Database,
    limits: UploadLimits,
    user_id: int,
    *,
    length: int | None,
    metadata: dict[str, str],
) -> Upload:
    """A new upload (length None: deferred). Raises UploadError for anything the caller must fix."""
    if length is not None and length > limits.max_bytes:
        raise UploadError(
            413, f"The file is {length} bytes; this server accepts at most {limits.max_bytes}."
        )
    raw_library = metadata.get("library_id", "").strip()
    if not (raw_library.isascii() and raw_library.isdigit() and len(raw_library) < 10):
        raise UploadError(400, "Say which library the file is for (Upload-Metadata library_id).")
    library_id = int(raw_library)
    now = time.time()
    async with db.read() as conn:
        exists = await conn.scalar(sa.select(libraries.c.id).where(libraries.c.id == library_id))
        unfinished = await conn.scalar(
            sa.select(sa.func.count())
            .select_from(uploads)
            .where(uploads.c.user_id == user_id, uploads.c.status == RECEIVING)
            .where(uploads.c.expires_at > now)
        )
    if exists is None:
        raise UploadError(400, f"There is no library with id {library_id}.")
    if unfinished >= limits.max_unfinished_per_user:
        raise UploadError(
            429, f"You have {unfinished} unfinished uploads; finish or delete some first."
        )
    limits.root.mkdir(parents=True, exist_ok=True)
    if length is not None and shutil.disk_usage(limits.root).free < length:
        raise StorageFull(f"{length} bytes do not fit on the upload disk")
    token = secrets.token_urlsafe(24)
    filename = uf.clean_filename(metadata.get("filename") or metadata.get("name") or "")
    limits.files.create(token)  # before the row, so a row never points at nothing
    try:
        async with db.write() as conn:
            result = await conn.execute(
                uploads.insert().values(
                    token=token,
                    user_id=user_id,
                    library_id=library_id,
                    filename=filename,
                    length=length,
                    offset_bytes=0,
                    client_metadata=metadata,
                    status=RECEIVING,
                    created_at=now,
                    updated_at=now,
                    expires_at=now + limits.expire_seconds,
                )
            )
            upload_id = result.inserted_primary_key[0]
    except BaseException:
        limits.files.remove(token)
        raise
    upload = await upload_by_id(db, upload_id)
    assert upload is not None
    return upload


# -- appending --------------------------------------------------------------------------------


def open_locked(limits: UploadLimits, upload: Upload) -> uf.OpenPartial:
    try:
        return uf.OpenPartial(limits.files.partial(upload.token))
    except uf.Locked:
        raise UploadError(
            423, "Another request is writing to this upload; retry shortly."
        ) from None


async def _lost(db: Database, upload: Upload) -> UploadError:
    """The partial file vanished (deleted by hand, lost disk): the upload cannot go on."""
    await update_upload(db, upload.id, status=FAILED, error="its data was lost on the server")
    return UploadError(410, "The data of this upload is gone from the server; start again.")


async def _open_or_fail(db: Database, limits: UploadLimits, upload: Upload) -> uf.OpenPartial:
    try:
        return open_locked(limits, upload)
    except FileNotFoundError:
        raise await _lost(db, upload) from None


async def _reconcile(db: Database, part: uf.OpenPartial, upload: Upload) -> Upload:
    """Under the lock: make the file and the stored offset agree (see the module docstring)."""
    fresh = await upload_by_id(db, upload.id) or upload
    size = part.size()
    if size == fresh.offset:
        return fresh
    good = min(size, fresh.offset)
    log.warning(
        "upload %s: file has %d bytes, row says %d; using %d", fresh.id, size, fresh.offset, good
    )
    part.truncate(good)
    await update_upload(db, fresh.id, offset_bytes=good)
    return dataclasses.replace(fresh, offset=good)


async def current(db: Database, limits: UploadLimits, upload: Upload) -> Upload:
    """The upload as HEAD reports it: reconciled unless a writer holds it right now."""
    if upload.status != RECEIVING:
        return upload
    try:
        part = open_locked(limits, upload)
    except UploadError:
        return upload  # being written: the stored offset is what has been acknowledged
    except FileNotFoundError:
        raise await _lost(db, upload) from None
    try:
        return await _reconcile(db, part, upload)
    finally:
        part.close()


async def append(
    db: Database,
    limits: UploadLimits,
    upload: Upload,
    *,
    offset: int,
    body: AsyncIterable[bytes],
    content_length: int | None,
    checksum: str | None,
    upload_length: int | None,
    finish: Enqueue,
) -> Upload:
    """Write one PATCH (or creation-with-upload) body at `offset`; return the updated upload."""
    if upload.status != RECEIVING:
        raise UploadError(409, "This upload is already complete.")
    expected: tuple[str, bytes] | None = None
    if checksum is not None:
        try:
            expected = uf.parse_checksum(checksum)
        except ValueError as exc:
            raise UploadError(400, f"Upload-Checksum: {exc}") from None
    part = await _open_or_fail(db, limits, upload)
    try:
        upload = await _reconcile(db, part, upload)
        if offset != upload.offset:
            raise UploadError(
                409,
                f"Upload-Offset is {offset} but the server has {upload.offset} bytes of this "
                "upload; ask with HEAD and continue from there.",
            )
        length = _settle_length(limits, upload, upload_length)
        room = (length if length is not None else limits.max_bytes) - offset
        if content_length is not None and content_length > room:
            raise UploadError(413, _too_long(upload, length, limits))
        hasher = hashlib.new(expected[0]) if expected else None
        try:
            await uf.stream_to_file(part, body, room, hasher)
        except uf.BodyTooLong:
            part.truncate(offset)  # nothing of a request that overruns is kept
            raise UploadError(413, _too_long(upload, length, limits)) from None
        except uf.WriteFailed as exc:
            part.truncate(offset)
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise StorageFull("no space left for uploads") from None
            raise
        except (uf.BodyInterrupted, asyncio.CancelledError) as exc:
            # The client went away: keep what arrived (tus resumes from it), unless the chunk
            # had a checksum, which can no longer be verified.
            kept = await uninterrupted(
                _keep(db, limits, part, upload, offset, length, keep=not expected)
            )
            if length is not None and kept.offset == length:  # all of it did arrive
                with contextlib.suppress(UploadError):
                    await uninterrupted(complete(db, limits, kept, finish))
            if isinstance(exc, asyncio.CancelledError):
                raise
            raise UploadError(400, f"The request body ended early ({exc}).") from None
        if expected and hasher is not None and hasher.digest() != expected[1]:
            part.truncate(offset)
            raise UploadError(460, f"The {expected[0]} checksum of the chunk does not match.")
        upload = await _keep(db, limits, part, upload, offset, length, keep=True)
        if length is not None and upload.offset == length:
            upload = await complete(db, limits, upload, finish)
        return upload
    finally:
        part.close()


def _settle_length(limits: UploadLimits, upload: Upload, declared: int | None) -> int | None:
    if declared is None:
        return upload.length
    if upload.length is not None and declared != upload.length:
        raise UploadError(400, "Upload-Length is already set and cannot change.")
    if declared > limits.max_bytes:
        raise UploadError(413, f"This server accepts files up to {limits.max_bytes} bytes.")
    if declared < upload.offset:
        raise UploadError(400, "Upload-Length is smaller than what was already received.")
    return declared


def _too_long(upload: Upload, length: int | None, limits: UploadLimits) -> str:
    if length is None:
        return f"This server accepts files up to {limits.max_bytes} bytes."
    return f"The body goes past the declared Upload-Length ({length} bytes); nothing was kept."


async def _keep(
    db: Database,
    limits: UploadLimits,
    part: uf.OpenPartial,
    upload: Upload,
    offset: int,
    length: int | None,
    *,
    keep: bool,
) -> Upload:
    """Commit what is in the file after `offset` (or drop it); the offset is stored last."""
    if not keep:
        part.truncate(offset)
    new_offset = part.size()
    if limits.fsync and new_offset != offset:
        await asyncio.to_thread(part.sync)
    now = time.time()
    values = {"offset_bytes": new_offset, "length": length, "updated_at": now}
    values["expires_at"] = now + limits.expire_seconds
    await update_upload(db, upload.id, **values)
    return dataclasses.replace(
        upload, offset=new_offset, length=length, updated_at=now, expires_at=values["expires_at"]
    )


def _sniff(path: Path) -> str:
    """What the file really is: its right extension, or NotMedia with the reason."""
    if path.stat().st_size == 0:
        raise NotMedia("the file is empty")
    try:
        probe = probe_file(path)
    except MediaRejected as exc:
        raise NotMedia(str(getattr(exc, "reason", exc))) from None
    if not probe.has_video:
        # Libraries hold videos: audio alone (or a cover picture) would never become a title.
        raise NoVideo("it has no video stream (audio only or cover art only)")
    return probe.extension


async def complete(db: Database, limits: UploadLimits, upload: Upload, finish: Enqueue) -> Upload:
    """All bytes are in: refuse non-media at once, queue the rest (SHA-256, placing, scanning)."""
    try:
        extension = await asyncio.to_thread(_sniff, limits.files.partial(upload.token))
    except NotMedia as exc:
        await refuse_upload(db, limits, upload, f"not a video file: {exc.reason}")
        name = f"'{upload.filename}'" if upload.filename else "The file"
        what = "a video" if isinstance(exc, NoVideo) else "a video or audio file"
        raise UploadError(
            422, f"{name} is not {what} this server can read ({exc.reason}). It was not kept."
        ) from None
    # Queue first, then mark: a crash in between leaves a queued job that still finishes it.
    await finish(upload.id, extension)
    await update_upload(db, upload.id, status=PROCESSING)
    return dataclasses.replace(upload, status=PROCESSING)


async def abandon(db: Database, limits: UploadLimits, upload: Upload) -> None:
    """An upload whose creation request was refused after its row was made: its data and row go,
    unless it already failed (kept, so the uploads page says why)."""
    current = await upload_by_id(db, upload.id)
    if current is not None and current.status == RECEIVING:
        with contextlib.suppress(UploadError):  # 423: another request holds it; it expires
            await terminate(db, limits, current)


async def terminate(db: Database, limits: UploadLimits, upload: Upload) -> None:
    """tus termination: the partial data and the row go (a finished file stays in its library)."""
    if upload.status == PROCESSING:
        raise UploadError(409, "This upload is being finished; it can no longer be cancelled.")
    part: uf.OpenPartial | None = None
    with contextlib.suppress(FileNotFoundError):
        part = open_locked(limits, upload)
    try:
        limits.files.remove(upload.token)
        async with db.write() as conn:
            await conn.execute(uploads.delete().where(uploads.c.id == upload.id))
    finally:
        if part is not None:
            part.close()

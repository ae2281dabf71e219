"""The uploads' app context (the finishing job), their housekeeping chore, and what the
endpoints share with them: the limits from settings and how a finished upload is queued."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from mediaserver.jobs import JobContext, PermanentJobError
from mediaserver.keys import config_key, db_key, jobs_key
from mediaserver.library.jobs import queue_scan
from mediaserver.library.uploads.finish import finish_upload, give_up, sweep
from mediaserver.library.uploads.store import Enqueue, UploadLimits

BASE = "/api/v1/uploads"
FINISH_JOB = "upload.finish"


def limits_of(app: web.Application) -> UploadLimits:
    return UploadLimits.from_settings(app[config_key])


def finisher(app: web.Application) -> Enqueue:
    """Queue the job that checksums, places and scans a fully received upload."""

    async def finish(upload_id: int, extension: str) -> None:
        await app[jobs_key].enqueue(FINISH_JOB, {"upload_id": upload_id, "extension": extension})

    return finish


async def sweep_uploads(app: web.Application) -> int:
    """Housekeeping: expired uploads, orphaned partial files, stalled finishes, and rows
    finished more than housekeeping.keep_finished_uploads_days ago."""
    days = app[config_key].housekeeping.keep_finished_uploads_days
    return await sweep(app[db_key], limits_of(app), finisher(app), days * 86400)


async def uploads_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx (after jobs_ctx): registers the finishing job."""
    db, runner = app[db_key], app[jobs_key]
    limits = limits_of(app)

    async def scan(library_id: int, path: Path) -> None:
        await queue_scan(runner, library_id, [str(path)])

    async def finish_job(ctx: JobContext) -> None:
        payload = ctx.payload
        upload_id = int(payload["upload_id"])
        try:
            await finish_upload(
                db, limits, upload_id, str(payload["extension"]), scan, ctx.progress
            )
        except Exception as exc:
            if ctx.job.attempts >= ctx.job.max_attempts or isinstance(exc, PermanentJobError):
                await give_up(db, limits, upload_id, exc)  # no later try: say why, now
            raise

    runner.register(FINISH_JOB, finish_job, lane="light")
    yield

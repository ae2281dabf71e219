"""How the runner sees one job through: runs its handler, heartbeats its lease meanwhile, and
records the outcome (succeeded; failed, to run again later or for good; cancelled)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from mediaserver.errors import DISK_FULL, is_disk_full
from mediaserver.jobs import queue
from mediaserver.jobs.context import CANCEL, LOST, SHUTDOWN, JobCancelled, JobContext, uninterrupted
from mediaserver.jobs.errors import PermanentJobError
from mediaserver.jobs.model import Job, heartbeat_seconds

if TYPE_CHECKING:
    from mediaserver.jobs.runner import Handler, JobRunner

# The runner's logger, as before this code moved here: log settings that name it still apply.
log = logging.getLogger("mediaserver.jobs.runner")


async def supervise(runner: JobRunner, ctx: JobContext, handler: Handler) -> None:
    job = ctx.job
    runner.events.publish(job)
    task: asyncio.Task[None] = asyncio.create_task(_call(handler, ctx))
    ctx._task = task
    beat = asyncio.create_task(_heartbeat(runner, ctx))
    try:
        await asyncio.wait({task})
    except asyncio.CancelledError:
        task.cancel()  # never leave a handler running unsupervised
        raise
    finally:
        beat.cancel()
        ctx._close()
    try:
        await _settle(runner, ctx, task)
    except Exception:
        # Unrecorded outcome: the lease expires and the job runs again; nothing is lost.
        log.exception("job %s: could not record its outcome", job.id)


async def _heartbeat(runner: JobRunner, ctx: JobContext) -> None:
    lease_seconds = runner.settings.lease_seconds
    last_ok = time.monotonic()
    while True:
        # Every few seconds, not once a lease: the admin tells a dead worker by its silence.
        await asyncio.sleep(heartbeat_seconds(runner.settings))
        try:
            ok = await uninterrupted(
                queue.heartbeat(runner.db, ctx.job.id, runner.owner_id, lease_seconds)
            )
        except Exception as exc:
            log.warning("job %s: heartbeat failed: %s", ctx.job.id, exc)
            # Past this point another worker may take the job: stop before it does.
            if time.monotonic() - last_ok > lease_seconds * 0.8:
                ctx._stop(LOST)
                return
            continue
        last_ok = time.monotonic()
        if not ok:
            await runner._lease_problem(ctx)
            return


async def _settle(runner: JobRunner, ctx: JobContext, task: asyncio.Task[None]) -> None:
    job = ctx.job
    if ctx.stop_reason == SHUTDOWN:
        return  # stop() releases it to the queue
    if ctx.stop_reason == LOST:
        log.warning("job %s (%s): lease lost; handler stopped", job.id, job.type)
        return
    exc = None if task.cancelled() else task.exception()
    stopped = ctx.stop_reason == CANCEL and (task.cancelled() or exc is not None)
    if stopped or isinstance(exc, JobCancelled):
        result = await queue.finish_cancelled(runner.db, job.id, runner.owner_id)
    elif task.cancelled():
        result = await _fail(runner, job, "interrupted")
    elif is_disk_full(exc):
        # Nobody's mistake, and it passes once space is freed (even behind an error
        # that looks permanent): a line, and a later attempt.
        log.warning("job %s (%s) stopped: %s; it runs again later", job.id, job.type, DISK_FULL)
        result = await _fail(runner, job, DISK_FULL)
    elif isinstance(exc, PermanentJobError):
        # It would only fail the same way again: no retry, and no traceback (nothing in the
        # code went wrong); the reason is the job's error for people to read.
        log.warning("job %s (%s) failed for good: %s", job.id, job.type, exc)
        result = await _fail(runner, job, str(exc) or type(exc).__name__, final=True)
    elif exc is not None:
        log.error("job %s (%s) failed", job.id, job.type, exc_info=exc)
        result = await _fail(runner, job, str(exc) or type(exc).__name__)
    else:
        # The handler's last word (a scan's summary) even if it came right before the end;
        # never a step it reported on the way, which the stored message may still hold.
        message = ctx._final_message()
        result = await queue.complete(runner.db, job.id, runner.owner_id, message=message)
    if result is not None:
        runner.events.publish(result)
        runner.settled(result)


async def _fail(runner: JobRunner, job: Job, error: str, *, final: bool = False) -> Job | None:
    return await queue.fail(
        runner.db, job.id, runner.owner_id, error, runner.settings.retry_base_seconds, final=final
    )


async def _call(handler: Handler, ctx: JobContext) -> None:
    await handler(ctx)

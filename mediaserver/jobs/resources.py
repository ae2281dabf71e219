"""What the jobs seam adds to the application: job resources, and the cleanup context that opens
them around the process's runner."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from mediaserver.config import Settings
from mediaserver.jobs.events import JobEvents
from mediaserver.jobs.housekeeping import HOUSEKEEPING_JOB, housekeeping_handler
from mediaserver.jobs.model import lost_after
from mediaserver.jobs.runner import JobRunner
from mediaserver.keys import config_key, db_key, job_events_key, jobs_key

JobResource = Callable[[web.Application], AsyncIterator[None]]
job_resources_key: web.AppKey[list[JobResource]] = web.AppKey("job_resources")


def add_job_resource(app: web.Application, resource: JobResource) -> None:
    """Something job handlers use (a cleanup-context style generator, such as the scanner's probe
    threads): opened before the runner starts and closed after it has stopped, so no running
    handler ever finds it closed."""
    app.setdefault(job_resources_key, []).append(resource)


async def jobs_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: the process's runner in app[jobs_key], its events in app[job_events_key].

    The job resources domains added open first and close last. Domains register their handlers
    from their own contexts, after this one; a handler may arrive after start() (the runner only
    leases types it has a handler for). Housekeeping, with what domains added to it, is queued
    at start and then every housekeeping.interval_minutes."""
    settings = app[config_key]
    async with contextlib.AsyncExitStack() as resources:
        for resource in app.get(job_resources_key, []):
            await resources.enter_async_context(contextlib.asynccontextmanager(resource)(app))
        events = JobEvents()
        runner = JobRunner(app[db_key], settings.jobs, events)
        app[jobs_key] = runner
        app[job_events_key] = events
        runner.register(HOUSEKEEPING_JOB, housekeeping_handler(app), lane="light")
        runner.schedule(HOUSEKEEPING_JOB, settings.housekeeping.interval_minutes * 60)
        await runner.start()
        try:
            yield
        finally:
            await runner.stop(timeout=settings.server.shutdown_timeout)
            events.close()


def jobs_settings_changed(app: web.Application, settings: Settings) -> None:
    """The runner reads its (live) JobSettings each round; what it copied is refreshed here and
    it looks for work at once, so a higher concurrency fills its new slots now."""
    runner = app.get(jobs_key)
    if runner is None:
        return
    runner.events.lost_after = lost_after(settings.jobs)
    # A runner started with concurrency 0 (a web-only instance) never began its loop.
    if runner._loop_task is None and not runner._stopping and settings.jobs.concurrency > 0:
        runner._loop_task = asyncio.create_task(runner._loop(), name="job-runner")
    runner.wake()

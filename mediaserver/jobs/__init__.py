"""Durable job queue in the database: leases, heartbeats, retries, progress, cancellation.

`model` says what a job is (statuses, `Job`, payload checks); `queue` holds the plain functions
over a Database; `runner` runs handlers for one process, each given a `context.JobContext`, and
`supervision` sees each job through; `resources` opens the runner, and what its handlers use,
with the application; `events` pushes changes to the live admin UI; `housekeeping` is the
periodic job domains add their purges to.
"""

import functools

from aiohttp import web

from mediaserver.http.live_settings import on_settings_change
from mediaserver.jobs.context import JobCancelled, JobContext
from mediaserver.jobs.errors import PermanentJobError
from mediaserver.jobs.events import JobEvents, Subscription, job_event
from mediaserver.jobs.housekeeping import Purge, add_housekeeping, purge_finished_jobs
from mediaserver.jobs.model import Job, JobPayloadError, Queued
from mediaserver.jobs.resources import add_job_resource, jobs_ctx, jobs_settings_changed
from mediaserver.jobs.routes import routes
from mediaserver.jobs.runner import Handler, JobRunner
from mediaserver.jobs.subjects import JobSubject, register_job_subjects

__all__ = [
    "Handler",
    "Job",
    "JobCancelled",
    "JobContext",
    "JobEvents",
    "JobPayloadError",
    "JobRunner",
    "JobSubject",
    "PermanentJobError",
    "Purge",
    "Queued",
    "Subscription",
    "add_housekeeping",
    "add_job_resource",
    "job_event",
    "jobs_ctx",
    "register_job_subjects",
    "setup",
]


def setup(app: web.Application) -> None:
    """The runner (a cleanup context other domains' contexts come after), its admin page and API.

    What handlers use and must outlive them is added with `add_job_resource`; what housekeeping
    purges, with `add_housekeeping` (finished jobs are this seam's own)."""
    app.router.add_routes(routes)
    app.cleanup_ctx.append(jobs_ctx)
    on_settings_change(app, functools.partial(jobs_settings_changed, app))
    add_housekeeping(app, "finished jobs", purge_finished_jobs)

"""Durable job queue in the database: leases, heartbeats, retries, progress, cancellation.

`model` says what a job is (statuses, `Job`, payload checks); `queue` holds the plain functions
over a Database; `runner` runs handlers for one process, each given a `context.JobContext`;
`events` pushes changes to the live admin UI.
"""

from aiohttp import web

from mediaserver.jobs.context import JobCancelled, JobContext
from mediaserver.jobs.events import JobEvents, Subscription, job_event
from mediaserver.jobs.model import Job, JobPayloadError
from mediaserver.jobs.routes import routes
from mediaserver.jobs.runner import Handler, JobRunner, add_job_resource, jobs_ctx

__all__ = [
    "Handler",
    "Job",
    "JobCancelled",
    "JobContext",
    "JobEvents",
    "JobPayloadError",
    "JobRunner",
    "Subscription",
    "add_job_resource",
    "job_event",
    "jobs_ctx",
    "setup",
]


def setup(app: web.Application) -> None:
    """The runner (a cleanup context other domains' contexts come after), its admin page and API.

    What handlers use and must outlive them is added with `add_job_resource`."""
    app.router.add_routes(routes)
    app.cleanup_ctx.append(jobs_ctx)

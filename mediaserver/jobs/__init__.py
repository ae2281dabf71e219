"""Durable job queue in the database: leases, heartbeats, retries, progress, cancellation.

`queue` holds the plain functions over a Database; `runner` runs handlers for one process;
`events` pushes changes to the live admin UI.
"""

from mediaserver.jobs.events import JobEvents, Subscription, job_event
from mediaserver.jobs.queue import Job, JobPayloadError
from mediaserver.jobs.runner import Handler, JobCancelled, JobContext, JobRunner, jobs_ctx

__all__ = [
    "Handler",
    "Job",
    "JobCancelled",
    "JobContext",
    "JobEvents",
    "JobPayloadError",
    "JobRunner",
    "Subscription",
    "job_event",
    "jobs_ctx",
]

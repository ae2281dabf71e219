"""Durable job queue in the database: leases, heartbeats, retries, progress, cancellation.

`model` says what a job is (statuses, `Job`, payload checks); `queue` holds the plain functions
over a Database; `runner` runs handlers for one process, each given a `context.JobContext`;
`events` pushes changes to the live admin UI.
"""

from mediaserver.jobs.context import JobCancelled, JobContext
from mediaserver.jobs.events import JobEvents, Subscription, job_event
from mediaserver.jobs.model import Job, JobPayloadError
from mediaserver.jobs.runner import Handler, JobRunner, jobs_ctx

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

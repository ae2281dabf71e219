"""The durable job queue: plain async functions over a `Database`, no web code.

Life of a job: queued -> running (leased by one owner, who heartbeats) -> succeeded | failed |
cancelled. A running job goes back to queued when its handler fails and attempts remain, when its
lease expires (the worker died), or when its worker shuts down gracefully.

An attempt is counted when a job is leased, not when it fails: a job that crashes its worker every
time (kill -9, out of memory) still runs out of attempts instead of looping forever. A graceful
release gives the attempt back, because the job itself did nothing wrong.

Every change to a running job is guarded by `lease_owner = owner AND status = 'running'`, so a
worker that lost its lease can never overwrite what the new owner does.

All writes go through `db.write()`: on SQLite that serialises writers in-process, so "database is
locked" never happens; on PostgreSQL leasing uses FOR UPDATE SKIP LOCKED, so workers on several
machines share one queue without taking the same job.
"""

from mediaserver.jobs.queue.adding import enqueue, enqueue_if_due, enqueue_once
from mediaserver.jobs.queue.leases import (
    complete,
    fail,
    finish_cancelled,
    heartbeat,
    lease,
    release_owned,
    requeue_expired,
    set_progress,
)
from mediaserver.jobs.queue.manage import cancel, get, list_jobs, purge_finished, retry

__all__ = [
    "cancel",
    "complete",
    "enqueue",
    "enqueue_if_due",
    "enqueue_once",
    "fail",
    "finish_cancelled",
    "get",
    "heartbeat",
    "lease",
    "list_jobs",
    "purge_finished",
    "release_owned",
    "requeue_expired",
    "retry",
    "set_progress",
]

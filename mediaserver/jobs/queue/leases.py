"""A worker's side of the queue: leasing due jobs, heartbeats and progress while it holds them,
and how a lease ends (succeeded, failed or retried with backoff, cancelled, released at shutdown,
expired when the worker died)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from mediaserver.db.engine import Database
from mediaserver.db.schema import jobs
from mediaserver.jobs.model import (
    CANCELLED,
    ERROR_MAX,
    FAILED,
    MESSAGE_MAX,
    OWNER_MAX,
    QUEUED,
    RUNNING,
    SUCCEEDED,
    WORKER_LOST,
    Job,
    cut,
    job_from_row,
    progress_fields,
)
from mediaserver.jobs.queue.statements import RELEASE, clock, owned, update_one


async def lease(
    db: Database,
    owner: str,
    types: Iterable[str],
    limit: int,
    lease_seconds: float,
    *,
    now: float | None = None,
) -> list[Job]:
    """Take up to `limit` due jobs of `types` for `owner`, best priority first."""
    types = list(types)
    if limit <= 0 or not types:
        return []
    if len(owner) > OWNER_MAX:
        raise ValueError(f"lease owner must be at most {OWNER_MAX} characters")
    t = clock(now)
    pick = (
        sa.select(jobs.c.id)
        .where(jobs.c.status == QUEUED, jobs.c.run_after <= t, jobs.c.type.in_(types))
        .order_by(jobs.c.priority.desc(), jobs.c.run_after, jobs.c.id)
        .limit(limit)
    )
    if db.is_postgres:
        # Rows another worker is leasing right now are skipped, not waited for.
        pick = pick.with_for_update(skip_locked=True)
    async with db.write() as conn:
        ids = list((await conn.execute(pick)).scalars())
        if not ids:
            return []
        stmt = (
            jobs.update()
            .where(jobs.c.id.in_(ids), jobs.c.status == QUEUED)
            .values(
                status=RUNNING,
                lease_owner=owner,
                lease_expires_at=t + lease_seconds,
                attempts=jobs.c.attempts + 1,
                started_at=t,
                updated_at=t,
                progress=0,
                fps=None,
                eta_seconds=None,
                message="",
            )
            .returning(*jobs.c)
        )
        rows = (await conn.execute(stmt)).all()
    return sorted((job_from_row(r) for r in rows), key=lambda j: (-j.priority, j.run_after, j.id))


async def heartbeat(
    db: Database, job_id: int, owner: str, lease_seconds: float, *, now: float | None = None
) -> bool:
    """Extend the lease. False means stop: the lease was lost or cancel was requested."""
    t = clock(now)
    return await _touch(db, job_id, owner, lease_expires_at=t + lease_seconds, updated_at=t)


async def set_progress(
    db: Database,
    job_id: int,
    owner: str,
    percent: float,
    fps: float | None = None,
    eta: float | None = None,
    message: str = "",
    *,
    now: float | None = None,
) -> bool:
    """Store progress (see `progress_fields`). False means stop, as for `heartbeat`."""
    fields = progress_fields(percent, fps, eta, message)
    return await _touch(db, job_id, owner, **fields, updated_at=clock(now))


async def _touch(db: Database, job_id: int, owner: str, **values: Any) -> bool:
    """Update a job this owner holds; True if it still does and no cancel is pending."""
    stmt = (
        jobs.update()
        .where(owned(job_id, owner))
        .values(**values)
        .returning(jobs.c.cancel_requested)
    )
    async with db.write() as conn:
        row = (await conn.execute(stmt)).first()
    return row is not None and not row.cancel_requested


async def complete(
    db: Database, job_id: int, owner: str, *, message: str | None = None, now: float | None = None
) -> Job | None:
    """Mark the job succeeded (with its last message, if given); None if this owner no longer
    holds it."""
    t = clock(now)
    last = {} if message is None else {"message": cut(message, MESSAGE_MAX)}
    stmt = (
        jobs.update()
        .where(owned(job_id, owner))
        .values(
            **last,
            status=SUCCEEDED,
            progress=100,
            eta_seconds=0,
            error=None,
            finished_at=t,
            updated_at=t,
            **RELEASE,
        )
    )
    return await update_one(db, stmt)


async def fail(
    db: Database,
    job_id: int,
    owner: str,
    error: str,
    retry_base: float,
    *,
    final: bool = False,
    now: float | None = None,
) -> Job | None:
    """Requeue with backoff `retry_base * 2**(attempts-1)` while attempts remain, else failed;
    `final` fails it now (a failure that would only repeat itself).

    A job whose cancellation was requested ends cancelled: the user asked for it to stop.
    None if this owner no longer holds the job.
    """
    t = clock(now)
    current = sa.select(jobs.c.attempts, jobs.c.max_attempts, jobs.c.cancel_requested).where(
        owned(job_id, owner)
    )
    if db.is_postgres:
        current = current.with_for_update()
    async with db.write() as conn:
        row = (await conn.execute(current)).first()
        if row is None:
            return None
        if row.cancel_requested:
            status, run_after, finished_at = CANCELLED, t, t
        elif row.attempts < row.max_attempts and not final:
            # attempts counts this run already, so the first retry waits retry_base.
            status, run_after, finished_at = QUEUED, t + _backoff(retry_base, row.attempts), None
        else:
            status, run_after, finished_at = FAILED, t, t
        stmt = (
            jobs.update()
            .where(owned(job_id, owner))
            .values(
                status=status,
                error=cut(error, ERROR_MAX),
                run_after=run_after,
                finished_at=finished_at,
                updated_at=t,
                **RELEASE,
            )
            .returning(*jobs.c)
        )
        updated = (await conn.execute(stmt)).first()
    return job_from_row(updated) if updated is not None else None


def _backoff(retry_base: float, attempts: int) -> float:
    # Capped exponent: a job with max_attempts in the hundreds must not overflow a float.
    return retry_base * 2 ** min(max(attempts - 1, 0), 30)


async def finish_cancelled(
    db: Database, job_id: int, owner: str, *, now: float | None = None
) -> Job | None:
    """The runner stopped a handler whose job was cancelled: record it as cancelled."""
    t = clock(now)
    stmt = (
        jobs.update()
        .where(owned(job_id, owner))
        .values(status=CANCELLED, finished_at=t, updated_at=t, **RELEASE)
    )
    return await update_one(db, stmt)


async def release_owned(db: Database, owner: str, *, now: float | None = None) -> list[Job]:
    """Graceful shutdown: this owner's running jobs go back to queued, attempt not counted.

    Jobs whose cancellation was requested end cancelled instead of running again. run_after is
    left alone: the job was due when leased, so another worker may take it at once.
    """
    t = clock(now)
    stmt = (
        jobs.update()
        .where(jobs.c.status == RUNNING, jobs.c.lease_owner == owner)
        .values(
            status=sa.case((jobs.c.cancel_requested, CANCELLED), else_=QUEUED),
            attempts=sa.case((jobs.c.attempts > 0, jobs.c.attempts - 1), else_=0),
            finished_at=sa.case((jobs.c.cancel_requested, t), else_=None),
            updated_at=t,
            **RELEASE,
        )
        .returning(*jobs.c)
    )
    async with db.write() as conn:
        return [job_from_row(r) for r in (await conn.execute(stmt)).all()]


async def requeue_expired(db: Database, now: float | None = None) -> list[Job]:
    """Running jobs whose lease expired (their worker died) go back to queued.

    The attempt the dead worker used stays counted; a job out of attempts becomes failed with
    "worker lost", and a job whose cancellation was requested becomes cancelled. No backoff:
    the job already waited out the lease.
    """
    t = clock(now)
    out_of_attempts = jobs.c.attempts >= jobs.c.max_attempts
    stmt = (
        jobs.update()
        .where(jobs.c.status == RUNNING, jobs.c.lease_expires_at < t)
        .values(
            status=sa.case(
                (jobs.c.cancel_requested, CANCELLED), (out_of_attempts, FAILED), else_=QUEUED
            ),
            error=sa.case((jobs.c.cancel_requested, jobs.c.error), else_=WORKER_LOST),
            finished_at=sa.case((sa.or_(jobs.c.cancel_requested, out_of_attempts), t), else_=None),
            updated_at=t,
            **RELEASE,
        )
        .returning(*jobs.c)
    )
    async with db.write() as conn:
        return [job_from_row(r) for r in (await conn.execute(stmt)).all()]

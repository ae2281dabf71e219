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

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.db.engine import Database
from mediaserver.db.schema import jobs
from mediaserver.jobs.model import (
    CANCELLED,
    DEFAULT_MAX_ATTEMPTS,
    ERROR_MAX,
    FAILED,
    FINISHED,
    MESSAGE_MAX,
    OWNER_MAX,
    QUEUED,
    RUNNING,
    STATUSES,
    SUCCEEDED,
    WORKER_LOST,
    Job,
    Queued,
    check_payload,
    check_type,
    cut,
    job_from_row,
    payload_text,
    progress_fields,
)


def _now(now: float | None) -> float:
    return time.time() if now is None else now


def _owned(job_id: int, owner: str) -> sa.ColumnElement[bool]:
    return sa.and_(jobs.c.id == job_id, jobs.c.status == RUNNING, jobs.c.lease_owner == owner)


_RELEASE = {"lease_owner": None, "lease_expires_at": None}


async def _update_one(db: Database, stmt: sa.Update) -> Job | None:
    async with db.write() as conn:
        row = (await conn.execute(stmt.returning(*jobs.c))).first()
    return job_from_row(row) if row is not None else None


async def enqueue(
    db: Database,
    type: str,
    payload: Any,
    *,
    priority: int = 0,
    max_attempts: int | None = None,
    run_after: float | None = None,
    now: float | None = None,
) -> int:
    """Add a job; return its id. Higher priority runs first; run_after delays it."""
    row = _new_row(type, payload, priority, max_attempts, _now(now), run_after)
    async with db.write() as conn:
        return await _insert(conn, row)


async def enqueue_once(
    db: Database,
    type: str,
    payload: Any,
    *,
    merge_running: bool = True,
    priority: int = 0,
    max_attempts: int | None = None,
    run_after: float | None = None,
    now: float | None = None,
) -> Queued:
    """`enqueue`, unless a job of the same type and payload is queued (or running, with
    `merge_running`): then that job, brought forward to `run_after` if it was due later.

    Merge into a running job only where the work it is doing covers what was asked (a second
    "scan this library"); where a change may have come after it started, merge only into a
    queued one, which has not looked yet.
    """
    t = _now(now)
    row = _new_row(type, payload, priority, max_attempts, t, run_after)
    statuses = (QUEUED, RUNNING) if merge_running else (QUEUED,)
    async with db.write() as conn:
        same = await _same_work(conn, db, row, statuses)
        if same is None:
            return Queued(await _insert(conn, row), QUEUED, merged=False)
        if same.status == QUEUED:
            await conn.execute(
                jobs.update()
                .where(jobs.c.id == same.id, jobs.c.run_after > row["run_after"])
                .values(run_after=row["run_after"], updated_at=t)
            )
        return Queued(same.id, same.status, merged=True)


async def enqueue_if_due(
    db: Database, type: str, every: float, *, now: float | None = None
) -> Queued | None:
    """Queue a job of a periodic `type` (empty payload) when none is queued or running and the
    last one finished at least `every` seconds ago (or none ever did); else None. Several
    instances may call this at once: one queues, the others find its job."""
    t = _now(now)
    row = _new_row(type, {}, 0, None, t, None)
    async with db.write() as conn:
        if await _same_work(conn, db, row, (QUEUED, RUNNING)) is not None:
            return None
        last = (
            await conn.execute(
                sa.select(sa.func.max(jobs.c.finished_at)).where(
                    jobs.c.type == type, jobs.c.status.in_(FINISHED)
                )
            )
        ).scalar()
        if last is not None and last + every > t:
            return None
        return Queued(await _insert(conn, row), QUEUED, merged=False)


def _new_row(
    type: str,
    payload: Any,
    priority: int,
    max_attempts: int | None,
    t: float,
    run_after: float | None,
) -> dict[str, Any]:
    check_type(type)
    attempts = DEFAULT_MAX_ATTEMPTS if max_attempts is None else max_attempts
    if attempts < 1:
        raise ValueError(f"max_attempts must be at least 1, got {attempts}")
    return {
        "type": type,
        "payload": check_payload(payload),
        "status": QUEUED,
        "priority": priority,
        "max_attempts": attempts,
        "run_after": t if run_after is None else run_after,
        "created_at": t,
        "updated_at": t,
    }


async def _insert(conn: AsyncConnection, row: dict[str, Any]) -> int:
    result = await conn.execute(jobs.insert().values(**row).returning(jobs.c.id))
    return int(result.scalar_one())


async def _same_work(
    conn: AsyncConnection, db: Database, row: dict[str, Any], statuses: tuple[str, ...]
) -> sa.Row | None:
    """The oldest job of the row's type and payload in one of `statuses`, inside the caller's
    write transaction (on SQLite that is BEGIN IMMEDIATE, one writer at a time)."""
    text = payload_text(row["payload"])
    if db.is_postgres:
        # Instances queueing the same work at once take turns: the second finds the first's job.
        key = sa.func.hashtextextended(f"{row['type']}\n{text}", 0)
        await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))
    query = (
        sa.select(jobs.c.id, jobs.c.status)
        .where(
            jobs.c.type == row["type"],
            jobs.c.status.in_(statuses),
            sa.cast(jobs.c.payload, sa.Text) == sa.literal(text, sa.Text),
        )
        .order_by(jobs.c.id)
        .limit(1)
    )
    return (await conn.execute(query)).first()


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
    t = _now(now)
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
    t = _now(now)
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
    return await _touch(db, job_id, owner, **fields, updated_at=_now(now))


async def _touch(db: Database, job_id: int, owner: str, **values: Any) -> bool:
    """Update a job this owner holds; True if it still does and no cancel is pending."""
    stmt = (
        jobs.update()
        .where(_owned(job_id, owner))
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
    t = _now(now)
    last = {} if message is None else {"message": cut(message, MESSAGE_MAX)}
    stmt = (
        jobs.update()
        .where(_owned(job_id, owner))
        .values(
            **last,
            status=SUCCEEDED,
            progress=100,
            eta_seconds=0,
            error=None,
            finished_at=t,
            updated_at=t,
            **_RELEASE,
        )
    )
    return await _update_one(db, stmt)


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
    t = _now(now)
    current = sa.select(jobs.c.attempts, jobs.c.max_attempts, jobs.c.cancel_requested).where(
        _owned(job_id, owner)
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
            .where(_owned(job_id, owner))
            .values(
                status=status,
                error=cut(error, ERROR_MAX),
                run_after=run_after,
                finished_at=finished_at,
                updated_at=t,
                **_RELEASE,
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
    t = _now(now)
    stmt = (
        jobs.update()
        .where(_owned(job_id, owner))
        .values(status=CANCELLED, finished_at=t, updated_at=t, **_RELEASE)
    )
    return await _update_one(db, stmt)


async def cancel(db: Database, job_id: int, *, now: float | None = None) -> Job | None:
    """Queued -> cancelled at once; running -> cancel_requested (its runner stops it).

    Returns the job as it is afterwards (unchanged if it had already finished), None if unknown.
    """
    t = _now(now)
    queued = (
        jobs.update()
        .where(jobs.c.id == job_id, jobs.c.status == QUEUED)
        .values(status=CANCELLED, finished_at=t, updated_at=t)
    )
    running = (
        jobs.update()
        .where(jobs.c.id == job_id, jobs.c.status == RUNNING)
        .values(cancel_requested=True, updated_at=t)
    )
    async with db.write() as conn:
        for stmt in (queued, running):
            row = (await conn.execute(stmt.returning(*jobs.c))).first()
            if row is not None:
                return job_from_row(row)
        row = (await conn.execute(jobs.select().where(jobs.c.id == job_id))).first()
    return job_from_row(row) if row is not None else None


async def retry(db: Database, job_id: int, *, now: float | None = None) -> Job | None:
    """Failed or cancelled -> queued with a fresh set of attempts. None if not retryable."""
    t = _now(now)
    stmt = (
        jobs.update()
        .where(jobs.c.id == job_id, jobs.c.status.in_((FAILED, CANCELLED)))
        .values(
            status=QUEUED,
            attempts=0,
            run_after=t,
            cancel_requested=False,
            progress=0,
            fps=None,
            eta_seconds=None,
            message="",
            error=None,
            started_at=None,
            finished_at=None,
            updated_at=t,
            **_RELEASE,
        )
    )
    return await _update_one(db, stmt)


async def release_owned(db: Database, owner: str, *, now: float | None = None) -> list[Job]:
    """Graceful shutdown: this owner's running jobs go back to queued, attempt not counted.

    Jobs whose cancellation was requested end cancelled instead of running again. run_after is
    left alone: the job was due when leased, so another worker may take it at once.
    """
    t = _now(now)
    stmt = (
        jobs.update()
        .where(jobs.c.status == RUNNING, jobs.c.lease_owner == owner)
        .values(
            status=sa.case((jobs.c.cancel_requested, CANCELLED), else_=QUEUED),
            attempts=sa.case((jobs.c.attempts > 0, jobs.c.attempts - 1), else_=0),
            finished_at=sa.case((jobs.c.cancel_requested, t), else_=None),
            updated_at=t,
            **_RELEASE,
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
    t = _now(now)
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
            **_RELEASE,
        )
        .returning(*jobs.c)
    )
    async with db.write() as conn:
        return [job_from_row(r) for r in (await conn.execute(stmt)).all()]


async def get(db: Database, job_id: int) -> Job | None:
    async with db.read() as conn:
        row = (await conn.execute(jobs.select().where(jobs.c.id == job_id))).first()
    return job_from_row(row) if row is not None else None


async def list_jobs(
    db: Database, status: str | Sequence[str] | None = None, limit: int = 100
) -> list[Job]:
    """Newest first, optionally only the given status(es)."""
    wanted = [status] if isinstance(status, str) else list(status or ())
    unknown = [s for s in wanted if s not in STATUSES]
    if unknown:
        raise ValueError(f"unknown job status {unknown[0]!r}; expected one of {STATUSES}")
    query = jobs.select().order_by(jobs.c.id.desc()).limit(max(0, limit))
    if wanted:
        query = query.where(jobs.c.status.in_(wanted))
    async with db.read() as conn:
        return [job_from_row(r) for r in (await conn.execute(query)).all()]


async def purge_finished(db: Database, older_than: float) -> int:
    """Delete jobs that finished before `older_than` (epoch seconds); return how many."""
    stmt = jobs.delete().where(jobs.c.status.in_(FINISHED), jobs.c.finished_at < older_than)
    async with db.write() as conn:
        return (await conn.execute(stmt)).rowcount or 0

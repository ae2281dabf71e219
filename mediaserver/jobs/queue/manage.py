"""Looking jobs up, and what people do to them from the admin page and API: cancel, retry,
purge the finished ones."""

from __future__ import annotations

from collections.abc import Sequence

from mediaserver.db.engine import Database
from mediaserver.db.schema import jobs
from mediaserver.jobs.model import (
    CANCELLED,
    FAILED,
    FINISHED,
    QUEUED,
    RUNNING,
    STATUSES,
    Job,
    job_from_row,
)
from mediaserver.jobs.queue.statements import RELEASE, clock, update_one


async def cancel(db: Database, job_id: int, *, now: float | None = None) -> Job | None:
    """Queued -> cancelled at once; running -> cancel_requested (its runner stops it).

    Returns the job as it is afterwards (unchanged if it had already finished), None if unknown.
    """
    t = clock(now)
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
    t = clock(now)
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
            **RELEASE,
        )
    )
    return await update_one(db, stmt)


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

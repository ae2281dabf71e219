"""Adding jobs to the queue: always, only once for the same work, or when a periodic one is due."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.db.engine import Database
from mediaserver.db.schema import jobs
from mediaserver.jobs.model import (
    DEFAULT_MAX_ATTEMPTS,
    FINISHED,
    QUEUED,
    RUNNING,
    Queued,
    check_payload,
    check_type,
    payload_text,
)
from mediaserver.jobs.queue.statements import clock


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
    row = _new_row(type, payload, priority, max_attempts, clock(now), run_after)
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
    t = clock(now)
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
    t = clock(now)
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

"""What the queue's statements share: the clock, the lease owner's guard, clearing a lease, and
updating one row."""

from __future__ import annotations

import time

import sqlalchemy as sa

from mediaserver.db.engine import Database
from mediaserver.db.schema import jobs
from mediaserver.jobs.model import RUNNING, Job, job_from_row


def clock(now: float | None) -> float:
    return time.time() if now is None else now


def owned(job_id: int, owner: str) -> sa.ColumnElement[bool]:
    return sa.and_(jobs.c.id == job_id, jobs.c.status == RUNNING, jobs.c.lease_owner == owner)


RELEASE = {"lease_owner": None, "lease_expires_at": None}


async def update_one(db: Database, stmt: sa.Update) -> Job | None:
    async with db.write() as conn:
        row = (await conn.execute(stmt.returning(*jobs.c))).first()
    return job_from_row(row) if row is not None else None

"""Counts for the admin dashboard: people and keys from the accounts face, and jobs by status
with one aggregate query of our own on the shared jobs table (the jobs seam has no count)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from mediaserver.accounts import AccountCounts, account_counts
from mediaserver.db.engine import Database
from mediaserver.db.schema import jobs

JOB_STATES = ("queued", "running", "failed")


@dataclass(frozen=True, slots=True)
class JobCounts:
    queued: int
    running: int
    failed: int


@dataclass(frozen=True, slots=True)
class DashboardCounts:
    accounts: AccountCounts
    jobs: JobCounts


async def job_counts(db: Database) -> JobCounts:
    async with db.read() as conn:
        rows = (
            await conn.execute(
                sa.select(jobs.c.status, sa.func.count())
                .where(jobs.c.status.in_(JOB_STATES))
                .group_by(jobs.c.status)
            )
        ).all()
    by_status = dict.fromkeys(JOB_STATES, 0) | {status: n for status, n in rows}
    return JobCounts(by_status["queued"], by_status["running"], by_status["failed"])


async def dashboard_counts(db: Database) -> DashboardCounts:
    return DashboardCounts(await account_counts(db), await job_counts(db))

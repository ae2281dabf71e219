"""Counts for the admin dashboard: a few cheap aggregate queries, nothing cached."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import sqlalchemy as sa

from mediaserver.db.engine import Database
from mediaserver.db.schema import api_keys, jobs, sessions, users

JOB_STATES = ("queued", "running", "failed")


@dataclass(frozen=True, slots=True)
class DashboardCounts:
    users: int
    admins: int
    disabled_users: int
    active_sessions: int
    api_keys: int
    jobs: dict[str, int] = field(default_factory=dict)


async def dashboard_counts(db: Database) -> DashboardCounts:
    now = time.time()
    async with db.read() as conn:
        user_row = (
            await conn.execute(
                sa.select(
                    sa.func.count(),
                    sa.func.count().filter(users.c.role == "admin"),
                    sa.func.count().filter(users.c.disabled.is_(True)),
                ).select_from(users)
            )
        ).one()
        active = (
            await conn.execute(
                sa.select(sa.func.count())
                .select_from(sessions)
                .where(sessions.c.revoked_at.is_(None), sessions.c.expires_at > now)
            )
        ).scalar_one()
        keys = (
            await conn.execute(
                sa.select(sa.func.count())
                .select_from(api_keys)
                .where(api_keys.c.revoked_at.is_(None))
            )
        ).scalar_one()
        job_rows = (
            await conn.execute(
                sa.select(jobs.c.status, sa.func.count())
                .where(jobs.c.status.in_(JOB_STATES))
                .group_by(jobs.c.status)
            )
        ).all()
    by_status = dict.fromkeys(JOB_STATES, 0) | {status: n for status, n in job_rows}
    return DashboardCounts(user_row[0], user_row[1], user_row[2], active, keys, by_status)

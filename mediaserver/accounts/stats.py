"""How many people, signed-in devices and API keys there are, for the admin dashboard."""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa

from mediaserver.db.engine import Database
from mediaserver.db.schema import api_keys, sessions, users


@dataclass(frozen=True, slots=True)
class AccountCounts:
    users: int
    admins: int
    disabled_users: int
    active_sessions: int
    api_keys: int


async def account_counts(db: Database) -> AccountCounts:
    """A few cheap aggregate queries, nothing cached."""
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
    return AccountCounts(user_row[0], user_row[1], user_row[2], active, keys)

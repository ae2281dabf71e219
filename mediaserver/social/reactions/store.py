"""Reaction and moment queries. Each reaction bumps its second's count in `reaction_seconds` in
the same transaction, so the strip is one GROUP BY over at most one row per second of runtime."""

from __future__ import annotations

import time

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.db.catalog_schema import media_files
from mediaserver.db.schema import profiles
from mediaserver.db.social_reactions_schema import moments, reaction_seconds, reactions
from mediaserver.db.upsert import dialect_insert
from mediaserver.social.reactions.records import Moment

m = moments.c


def now() -> float:
    return time.time()


async def duration_of(conn: AsyncConnection, media_file_id: int) -> float | None:
    query = sa.select(media_files.c.duration_seconds).where(media_files.c.id == media_file_id)
    return (await conn.execute(query)).scalar_one_or_none()


async def recent(conn: AsyncConnection, table: sa.Table, profile_id: int, since: float
                 ) -> tuple[int, float]:  # fmt: skip
    """How many rows of `table` the profile made since `since`, and when the first was."""
    query = sa.select(sa.func.count(), sa.func.min(table.c.created_at)).where(
        table.c.profile_id == profile_id, table.c.created_at >= since
    )
    count, first = (await conn.execute(query)).one()
    return int(count), float(first or since)


async def add_reaction(conn: AsyncConnection, profile_id: int, media_file_id: int, second: int,
                       emoji: str, at: float) -> bool:  # fmt: skip
    """Store the reaction and count it; False (nothing changed) when it repeats one already
    stored for this profile, emoji and second."""
    stmt = (
        dialect_insert(conn, reactions)
        .values(
            profile_id=profile_id,
            media_file_id=media_file_id,
            second=second,
            emoji=emoji,
            created_at=at,
        )
        .on_conflict_do_nothing(index_elements=["media_file_id", "second", "profile_id", "emoji"])
    )
    if (await conn.execute(stmt.returning(reactions.c.id))).first() is None:
        return False
    bump = dialect_insert(conn, reaction_seconds).values(
        media_file_id=media_file_id, second=second, count=1
    )
    await conn.execute(bump.on_conflict_do_update(
        index_elements=["media_file_id", "second"],
        set_={"count": reaction_seconds.c.count + 1},
    ))  # fmt: skip
    return True


async def bucket_counts(conn: AsyncConnection, media_file_id: int, bucket_seconds: float,
                        buckets: int) -> list[int]:  # fmt: skip
    """Reactions per bucket of `bucket_seconds`, the last bucket taking anything beyond."""
    # Cast so both dialects return integers, and SQLite divides as floats.
    index = sa.cast(sa.func.floor(sa.cast(reaction_seconds.c.second, sa.Float) / bucket_seconds),
                    sa.Integer)  # fmt: skip
    query = (
        sa.select(index.label("b"), sa.func.sum(reaction_seconds.c.count))
        .where(reaction_seconds.c.media_file_id == media_file_id)
        .group_by(index)
    )
    counts = [0] * buckets
    for b, total in (await conn.execute(query)).all():
        counts[min(max(int(b), 0), buckets - 1)] += int(total)
    return counts


def _moment(row: sa.Row, profile_id: int) -> Moment:
    return Moment(
        id=row.id, media_file_id=row.media_file_id, profile_id=row.profile_id, author=row.name,
        avatar=row.avatar, position=row.position_seconds, text=row.text,
        created_at=row.created_at, mine=row.profile_id == profile_id,
    )  # fmt: skip


def _select() -> sa.Select:
    return sa.select(moments, profiles.c.name, profiles.c.avatar).join(
        profiles, profiles.c.id == m.profile_id
    )


async def moments_of(conn: AsyncConnection, media_file_id: int, profile_id: int, limit: int
                     ) -> list[Moment]:  # fmt: skip
    """A file's moments in playback order (the newest `limit` when there are more)."""
    newest = _select().where(m.media_file_id == media_file_id).order_by(m.id.desc()).limit(limit)
    rows = sorted((await conn.execute(newest)).all(), key=lambda r: (r.position_seconds, r.id))
    return [_moment(r, profile_id) for r in rows]


async def one_moment(conn: AsyncConnection, moment_id: int, profile_id: int) -> Moment | None:
    row = (await conn.execute(_select().where(m.id == moment_id))).first()
    return None if row is None else _moment(row, profile_id)


async def add_moment(conn: AsyncConnection, values: dict) -> int:
    return (await conn.execute(sa.insert(moments).values(values).returning(m.id))).scalar_one()


async def delete_moment(conn: AsyncConnection, moment_id: int) -> None:
    await conn.execute(sa.delete(moments).where(m.id == moment_id))


async def last_second(conn: AsyncConnection, media_file_id: int) -> int:
    query = sa.select(sa.func.max(reaction_seconds.c.second)).where(
        reaction_seconds.c.media_file_id == media_file_id
    )
    return int((await conn.execute(query)).scalar_one() or 0)

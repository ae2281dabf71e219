"""Roll raw progress heartbeats up into analytics_reach (how far each play got) and
analytics_positions (heartbeats per hundredth of each file), and prune old raw heartbeats.

Heartbeats are only ever appended, so the rollup adds what arrived after the watermark
"heartbeat_id" and moves the watermark in the same transaction: a re-run adds nothing twice.
Pruning never removes a heartbeat that is not rolled up yet.
"""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.analytics.rollup_plays import day_of
from mediaserver.analytics.state import get_mark, set_mark_in
from mediaserver.db.analytics_schema import analytics_positions, analytics_reach, play_heartbeats
from mediaserver.db.catalog_schema import media_files
from mediaserver.db.engine import Database
from mediaserver.db.upsert import dialect_insert
from mediaserver.db.viewer_schema import plays

MARK = "heartbeat_id"
CHUNK = 200_000  # heartbeats per transaction (SQLite holds its write lock for each)
PRUNE_BATCH = 50_000
BUCKETS = 100


def _bucket(db: Database, position: Any, duration: Any) -> sa.ColumnElement[Any]:
    share = position * BUCKETS / duration
    return sa.cast(share, sa.Integer) if db.is_sqlite else sa.func.floor(share)


def _greatest(db: Database, a: Any, b: Any) -> sa.ColumnElement[Any]:
    return sa.func.max(a, b) if db.is_sqlite else sa.func.greatest(a, b)


def _least(db: Database, a: Any, b: Any) -> sa.ColumnElement[Any]:
    return sa.func.min(a, b) if db.is_sqlite else sa.func.least(a, b)


async def _roll_chunk(db: Database, conn: AsyncConnection, lo: int, hi: int) -> None:
    """Add heartbeats lo < id <= hi, aggregated and merged by the database itself
    (INSERT ... SELECT ... ON CONFLICT: no rows travel through Python)."""
    hb = play_heartbeats
    in_chunk = sa.and_(hb.c.id > lo, hb.c.id <= hi)
    day = day_of(db, plays.c.started_at)
    reach = (
        sa.select(
            hb.c.play_id,
            day.label("day"),
            plays.c.media_file_id,
            plays.c.profile_id,
            sa.func.max(hb.c.position_seconds),
            sa.func.count(),
        )
        .select_from(hb)
        .join(plays, plays.c.id == hb.c.play_id)
        .where(in_chunk)
        .group_by(hb.c.play_id, plays.c.started_at, plays.c.media_file_id, plays.c.profile_id)
    )
    insert = dialect_insert(conn, analytics_reach).from_select(
        ["play_id", "day", "media_file_id", "profile_id", "max_position", "heartbeats"], reach
    )
    await conn.execute(
        insert.on_conflict_do_update(
            index_elements=[analytics_reach.c.play_id],
            set_={
                "max_position": _greatest(
                    db, analytics_reach.c.max_position, insert.excluded.max_position
                ),
                "heartbeats": analytics_reach.c.heartbeats + insert.excluded.heartbeats,
            },
        )
    )
    # The hundredth of the file each heartbeat falls in, 0..99 (a position past the probed
    # duration counts in the last one).
    share = _bucket(db, hb.c.position_seconds, media_files.c.duration_seconds)
    bucket = _greatest(db, 0, _least(db, BUCKETS - 1, share))
    positions = (
        sa.select(day.label("day"), plays.c.media_file_id, bucket.label("bucket"), sa.func.count())
        .select_from(hb)
        .join(plays, plays.c.id == hb.c.play_id)
        .join(media_files, media_files.c.id == plays.c.media_file_id)
        .where(in_chunk, media_files.c.duration_seconds > 0)
        # By position: the same expressions again would carry fresh bound parameters, which
        # PostgreSQL does not recognise as the selected ones.
        .group_by(sa.text("1"), sa.text("2"), sa.text("3"))
    )
    insert = dialect_insert(conn, analytics_positions).from_select(
        ["day", "media_file_id", "bucket", "heartbeats"], positions
    )
    await conn.execute(
        insert.on_conflict_do_update(
            index_elements=[
                analytics_positions.c.day,
                analytics_positions.c.media_file_id,
                analytics_positions.c.bucket,
            ],
            set_={"heartbeats": analytics_positions.c.heartbeats + insert.excluded.heartbeats},
        )
    )
    await set_mark_in(conn, MARK, float(hi))


async def roll_up_heartbeats(db: Database) -> int:
    """Add the heartbeats that arrived since the last run; returns how many were read."""
    mark = int(await get_mark(db, MARK))
    async with db.read() as conn:
        top = (await conn.execute(sa.select(sa.func.max(play_heartbeats.c.id)))).scalar()
    if top is None or top <= mark:
        return 0
    lo = mark
    while lo < top:
        hi = min(lo + CHUNK, int(top))
        async with db.write() as conn:
            await _roll_chunk(db, conn, lo, hi)
        lo = hi
    return int(top) - mark


async def prune_heartbeats(db: Database, keep_days: float, now: float | None = None) -> int:
    """Delete raw heartbeats older than `keep_days` that are rolled up; returns how many."""
    now = time.time() if now is None else now
    cutoff = now - keep_days * 86400
    mark = int(await get_mark(db, MARK))
    hb = play_heartbeats
    removed = 0
    while True:
        async with db.write() as conn:
            ids = (
                sa.select(hb.c.id)
                .where(hb.c.at < cutoff, hb.c.id <= mark)
                .order_by(hb.c.id)
                .limit(PRUNE_BATCH)
                .scalar_subquery()
            )
            result = await conn.execute(hb.delete().where(hb.c.id.in_(ids)))
            count = result.rowcount or 0
        removed += count
        if count < PRUNE_BATCH:
            return removed

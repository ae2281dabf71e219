"""Hand-made plays and heartbeats roll up into the expected hourly and daily figures, once."""

from __future__ import annotations

import sqlalchemy as sa

from mediaserver.analytics.filters import Filters
from mediaserver.analytics.retention import retention
from mediaserver.analytics.rollup_heartbeats import prune_heartbeats, roll_up_heartbeats
from mediaserver.analytics.rollup_plays import roll_up_plays
from mediaserver.analytics.state import set_mark
from mediaserver.db.analytics_schema import (
    analytics_daily,
    analytics_hourly,
    analytics_reach,
    analytics_rungs,
    analytics_ttff_daily,
    play_heartbeats,
)
from mediaserver.db.viewer_schema import plays
from tests.analytics.events import IPHONE, add_play, add_viewers, count
from tests.catalog.player_helpers import build_catalog

DAY0 = 1_793_577_600.0  # 2026-11-02 00:00 UTC, a Monday
NOW = DAY0 + 3 * 86400


async def _hourly(db) -> list[tuple]:
    h = analytics_hourly
    async with db.read() as conn:
        rows = await conn.execute(
            sa.select(
                h.c.hour, h.c.profile_id, h.c.device, h.c.browser, h.c.method,
                h.c.plays, h.c.seconds_watched, h.c.completed, h.c.fatal_errors,
            ).order_by(h.c.hour, h.c.profile_id)
        )  # fmt: skip
        return [tuple(r) for r in rows]


async def _seed(db):
    cat = await build_catalog(db)
    (u1, p1), (u2, p2) = await add_viewers(db, 2, DAY0)
    # Two plays of Heat (100 s) in the 20:00 hour on day 0 by p1 (desktop Chrome), one complete;
    # one on the phone by p2 at 21:00 that failed; one on day 1.
    await add_play(db, user_id=u1, profile_id=p1, media_file_id=cat.heat,
                   started_at=DAY0 + 20 * 3600 + 60, watched=95, position=95, beats_every=10,
                   rungs=["720p", "1080p"])  # fmt: skip
    await add_play(
        db,
        user_id=u1,
        profile_id=p1,
        media_file_id=cat.heat,
        started_at=DAY0 + 20 * 3600 + 600,
        watched=30,
        position=30,
        ttff_ms=1800,
        beats_every=10,
    )
    await add_play(db, user_id=u2, profile_id=p2, media_file_id=cat.heat, client=IPHONE,
                   method="transcode", started_at=DAY0 + 21 * 3600, watched=5, position=5,
                   fatal="decode error", ttff_ms=None)  # fmt: skip
    await add_play(db, user_id=u2, profile_id=p2, media_file_id=cat.paddington,
                   started_at=DAY0 + 86400 + 3600, watched=200, position=200)  # fmt: skip
    return cat, (u1, p1), (u2, p2)


async def test_plays_roll_up_by_hour_and_day(db) -> None:
    cat, (_u1, p1), (_u2, p2) = await _seed(db)
    assert await roll_up_plays(db, keep_plays_days=90, now=NOW) == 2
    assert await _hourly(db) == [
        (DAY0 + 20 * 3600, p1, "desktop", "chrome", "ladder", 2, 125.0, 1, 0),
        (DAY0 + 21 * 3600, p2, "phone", "safari", "transcode", 1, 5.0, 0, 1),
        (DAY0 + 86400 + 3600, p2, "desktop", "chrome", "ladder", 1, 200.0, 1, 0),
    ]
    async with db.read() as conn:
        daily = (
            await conn.execute(
                sa.select(
                    analytics_daily.c.day,
                    analytics_daily.c.device,
                    analytics_daily.c.plays,
                    analytics_daily.c.viewers,
                ).order_by(analytics_daily.c.day, analytics_daily.c.device)
            )  # fmt: skip
        ).all()
        ttff = (
            await conn.execute(
                sa.select(analytics_ttff_daily.c.bucket_ms, analytics_ttff_daily.c.plays)
                .where(analytics_ttff_daily.c.day == DAY0)
                .order_by(analytics_ttff_daily.c.bucket_ms)
            )
        ).all()
        rungs = (
            await conn.execute(
                sa.select(analytics_rungs.c.rung, analytics_rungs.c.plays)
                .where(analytics_rungs.c.day == DAY0)
                .order_by(analytics_rungs.c.rung)
            )
        ).all()
    assert [tuple(r) for r in daily] == [
        (DAY0, "desktop", 2, 1),
        (DAY0, "phone", 1, 1),
        (DAY0 + 86400, "desktop", 1, 1),
    ]
    assert [tuple(r) for r in ttff] == [(500, 1), (2000, 1)]
    assert [tuple(r) for r in rungs] == [("1080p", 1), ("720p", 3)]


async def test_a_rerun_counts_nothing_twice_and_later_reports_replace_earlier(db) -> None:
    await _seed(db)
    await roll_up_plays(db, keep_plays_days=90, now=NOW)
    before = await _hourly(db)
    await roll_up_plays(db, keep_plays_days=90, now=NOW)  # nothing new since
    await set_mark(db, "plays_updated_at", 0.0)  # everything again
    await roll_up_plays(db, keep_plays_days=90, now=NOW)
    assert await _hourly(db) == before
    # The phone play reports more watching later: its hour is rebuilt, not added to.
    async with db.write() as conn:
        await conn.execute(
            plays.update()
            .where(plays.c.client == IPHONE)
            .values(seconds_watched=50.0, updated_at=NOW - 10)
        )
    await roll_up_plays(db, keep_plays_days=90, now=NOW + 3600)
    after = await _hourly(db)
    assert after[1][5:7] == (1, 50.0)
    assert len(after) == len(before)


async def test_heartbeats_roll_up_once_and_old_ones_are_pruned(db) -> None:
    await _seed(db)
    # 10 + 4 heartbeats (every 10 s to 95 s plus the pause at 95; 0..30).
    assert await count(db, play_heartbeats) == 15
    assert await roll_up_heartbeats(db) == 15
    assert await roll_up_heartbeats(db) == 0
    async with db.read() as conn:
        reach = (
            await conn.execute(
                sa.select(analytics_reach.c.max_position, analytics_reach.c.heartbeats).order_by(
                    analytics_reach.c.max_position
                )
            )
        ).all()
    assert [tuple(r) for r in reach] == [(30.0, 4), (95.0, 11)]
    # Keep one day: all of them are older than that at NOW, and all are rolled up.
    assert await prune_heartbeats(db, keep_days=1, now=NOW) == 15
    assert await count(db, play_heartbeats) == 0
    assert await count(db, analytics_reach) == 2  # the rollup stays


async def test_heartbeats_not_rolled_up_are_never_pruned(db) -> None:
    await _seed(db)
    assert await prune_heartbeats(db, keep_days=1, now=NOW) == 0
    assert await count(db, play_heartbeats) == 15


async def test_retention_marks_the_drop_off_where_viewers_stopped(db) -> None:
    cat = await build_catalog(db)
    viewers = await add_viewers(db, 20, DAY0)
    # Paddington runs 200 s: 12 of 20 viewers (60%) stop at 80 s (40%), the rest watch it all.
    for i, (user_id, profile_id) in enumerate(viewers):
        end = 80.0 if i < 12 else 200.0
        await add_play(
            db,
            user_id=user_id,
            profile_id=profile_id,
            media_file_id=cat.paddington,
            started_at=DAY0 + i * 60,
            watched=end,
            position=end,
            beats_every=10,
        )
    await roll_up_heartbeats(db)
    found = await retention(db, Filters(start=DAY0, end=DAY0 + 86400), cat.paddington)
    assert found is not None and found.viewers == 20
    assert found.dropoffs[0][0] == 40 and found.dropoffs[0][1] == 60.0
    shares = dict((r[0], r[2]) for r in found.curve.rows)
    assert shares[40] == 100.0 and shares[41] == 40.0 and shares[100] == 40.0

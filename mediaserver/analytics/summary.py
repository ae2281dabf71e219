"""Today and this week at a glance (plays, hours watched, unique viewers, new titles), each beside
the same stretch of the period before, for the admin dashboard.

Read from the rollups (plays per hour, viewers per day and per hour) up to the hour the plays are
rolled up to, and from the raw plays (indexed by start) after it, so what started a minute ago
already counts and no count reads more than the plays since the last rollup (a play's minutes
watched since then are added at the next rollup). Periods are UTC: today since 00:00, this week
since Monday 00:00; each is compared with the period before up to the same moment (yesterday until
this time of day, last week until this weekday and time).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.analytics.rollup_plays import HOUR
from mediaserver.analytics.rollup_plays import MARK as PLAYS_MARK
from mediaserver.analytics.state import get_mark
from mediaserver.db.analytics_schema import analytics_hourly, analytics_hours, analytics_viewer_days
from mediaserver.db.catalog_schema import titles
from mediaserver.db.engine import Database
from mediaserver.db.viewer_schema import plays
from mediaserver.keys import db_key

DAY = 86400.0
WEEK = 7 * DAY
# 1970-01-01 was a Thursday; Monday 00:00 UTC weeks start 4 days into the epoch's week.
WEEK_OFFSET = 4 * DAY


@dataclass(frozen=True, slots=True)
class Figures:
    plays: int
    hours_watched: float
    unique_viewers: int
    new_titles: int


@dataclass(frozen=True, slots=True)
class Period:
    """A period's figures and those of the period before, up to the same moment."""

    label: str
    start: float
    end: float
    current: Figures
    previous: Figures


@dataclass(frozen=True, slots=True)
class PeriodSummary:
    today: Period
    week: Period


def day_start(at: float) -> float:
    return at - at % DAY


def week_start(at: float) -> float:
    return at - (at - WEEK_OFFSET) % WEEK


async def _distinct_profiles(conn: AsyncConnection, query: sa.Select) -> set[int]:
    return set((await conn.execute(query.distinct())).scalars())


async def _figures(db: Database, start: float, end: float, rolled: float) -> Figures:
    """A period's figures: whole hours before `rolled` (up to where the plays are rolled up)
    from the rollups, the rest from the raw plays."""
    cut = max(start, min(end - end % HOUR, rolled - rolled % HOUR))
    whole_days = max(start, cut - cut % DAY)
    V, T, H = analytics_viewer_days, analytics_hours, analytics_hourly
    async with db.read() as conn:
        rolled_plays, rolled_seconds = (
            await conn.execute(
                sa.select(
                    sa.func.coalesce(sa.func.sum(T.c.plays), 0),
                    sa.func.coalesce(sa.func.sum(T.c.seconds_watched), 0.0),
                ).where(T.c.hour >= start, T.c.hour < cut)
            )
        ).one()
        raw_plays, raw_seconds = (
            await conn.execute(
                sa.select(
                    sa.func.count(), sa.func.coalesce(sa.func.sum(plays.c.seconds_watched), 0.0)
                ).where(plays.c.started_at >= cut, plays.c.started_at < end)
            )
        ).one()
        viewers = (
            await _distinct_profiles(
                conn, sa.select(V.c.profile_id).where(V.c.day >= start, V.c.day < whole_days)
            )
            | await _distinct_profiles(
                conn, sa.select(H.c.profile_id).where(H.c.hour >= whole_days, H.c.hour < cut)
            )
            | await _distinct_profiles(
                conn,
                sa.select(plays.c.profile_id).where(
                    plays.c.started_at >= cut, plays.c.started_at < end
                ),
            )
        )
        new_titles = (
            await conn.execute(
                sa.select(sa.func.count()).where(
                    titles.c.added_at >= start,
                    titles.c.added_at < end,
                    titles.c.removed_at.is_(None),
                )
            )
        ).scalar_one()
    return Figures(
        plays=int(rolled_plays) + int(raw_plays),
        hours_watched=round((float(rolled_seconds) + float(raw_seconds)) / 3600, 1),
        unique_viewers=len(viewers),
        new_titles=int(new_titles),
    )


async def period_summary(db: Database, now: float | None = None) -> PeriodSummary:
    now = time.time() if now is None else now
    today, week = day_start(now), week_start(now)
    rolled = await get_mark(db, PLAYS_MARK)
    return PeriodSummary(
        today=Period(
            "Today",
            today,
            now,
            await _figures(db, today, now, rolled),
            await _figures(db, today - DAY, now - DAY, rolled),
        ),
        week=Period(
            "This week",
            week,
            now,
            await _figures(db, week, now, rolled),
            await _figures(db, week - WEEK, now - WEEK, rolled),
        ),
    )


async def summary_today_and_week(app: web.Application) -> PeriodSummary:
    """Plays, hours watched, unique viewers and new titles today and this week, with the period
    before each (see the module docstring for the periods)."""
    return await period_summary(app[db_key])

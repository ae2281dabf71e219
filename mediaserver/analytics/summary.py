"""Today and this week at a glance (plays, hours watched, unique viewers, new titles), each beside
the same stretch of the period before, for the admin dashboard.

Read from the raw plays (indexed by start), so what started a minute ago already counts; two
weeks of plays are few enough for that. Periods are UTC: today since 00:00, this week since
Monday 00:00; each is compared with the period before up to the same moment (yesterday until
this time of day, last week until this weekday and time).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa
from aiohttp import web

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


async def _figures(db: Database, start: float, end: float) -> Figures:
    async with db.read() as conn:
        row = (
            await conn.execute(
                sa.select(
                    sa.func.count(),
                    sa.func.coalesce(sa.func.sum(plays.c.seconds_watched), 0.0),
                    sa.func.count(sa.distinct(plays.c.profile_id)),
                ).where(plays.c.started_at >= start, plays.c.started_at < end)
            )
        ).one()
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
        plays=int(row[0]),
        hours_watched=round(float(row[1]) / 3600, 1),
        unique_viewers=int(row[2]),
        new_titles=int(new_titles),
    )


async def period_summary(db: Database, now: float | None = None) -> PeriodSummary:
    now = time.time() if now is None else now
    today, week = day_start(now), week_start(now)
    return PeriodSummary(
        today=Period(
            "Today",
            today,
            now,
            await _figures(db, today, now),
            await _figures(db, today - DAY, now - DAY),
        ),
        week=Period(
            "This week",
            week,
            now,
            await _figures(db, week, now),
            await _figures(db, week - WEEK, now - WEEK),
        ),
    )


async def summary_today_and_week(app: web.Application) -> PeriodSummary:
    """Plays, hours watched, unique viewers and new titles today and this week, with the period
    before each (see the module docstring for the periods)."""
    return await period_summary(app[db_key])

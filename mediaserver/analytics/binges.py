"""Binge sessions: a profile watching episodes of one series in a row (gaps under 2 hours),
read from the sessions the rollup stored, or found over the hourly rows where a filter needs
them."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from mediaserver.analytics import long_range
from mediaserver.analytics.filters import Filters, conditions
from mediaserver.analytics.rollup_binges import BINGE_EPISODES, BINGE_GAP
from mediaserver.analytics.rollup_plays import day_of
from mediaserver.analytics.tables import Column, Table, as_date, as_hours
from mediaserver.db.analytics_schema import analytics_hourly
from mediaserver.db.catalog_schema import titles
from mediaserver.db.engine import Database
from mediaserver.db.schema import profiles, users

H = analytics_hourly


async def binges(db: Database, f: Filters) -> Table:
    """Sessions of a profile watching episodes of one series in a row (gaps under 2 hours).

    The database splits each profile's hours of a series into sessions (a window over the rows,
    a new session after each long gap) and counts them, so only the binges come back: a year of
    hourly rows is too many to send to Python. Without a library, device, browser or method
    filter, or with one of device, browser or method, the sessions the rollup stored are read
    instead (whole sessions starting in the range)."""
    if long_range.binges_usable(f):
        return _binges_table(await long_range.binges(db, f))
    key = (H.c.profile_id, H.c.title_id)
    gap = H.c.hour - sa.func.lag(H.c.hour).over(partition_by=key, order_by=H.c.hour)
    rows_in = (
        sa.select(
            *key,
            H.c.user_id,
            H.c.hour,
            H.c.media_file_id,
            H.c.seconds_watched,
            sa.case((sa.or_(gap.is_(None), gap > BINGE_GAP), 1), else_=0).label("starts"),
        )
        .join(titles, titles.c.id == H.c.title_id)
        .join(profiles, profiles.c.id == H.c.profile_id)
        .join(users, users.c.id == H.c.user_id)
        .where(*conditions(H, f, "hour"), titles.c.kind == "series")
        .subquery()
    )
    r = rows_in.c
    numbered = sa.select(
        r.profile_id,
        r.title_id,
        r.user_id,
        r.hour,
        r.media_file_id,
        r.seconds_watched,
        sa.func.sum(r.starts)
        .over(partition_by=(r.profile_id, r.title_id), order_by=r.hour)
        .label("session"),
    ).subquery()
    n = numbered.c
    episodes_in = sa.func.count(sa.distinct(n.media_file_id)).label("episodes")
    start = sa.func.min(n.hour).label("start")
    found = (
        sa.select(
            n.profile_id,
            n.title_id,
            sa.func.min(n.user_id).label("user_id"),
            start,
            episodes_in,
            sa.func.sum(n.seconds_watched).label("seconds"),
        )
        .group_by(n.profile_id, n.title_id, n.session)
        .having(episodes_in >= BINGE_EPISODES)
        .order_by(episodes_in.desc(), day_of(db, start), n.profile_id, n.title_id, start)
        .limit(50)
        .subquery()
    )
    async with db.read() as conn:
        rows = (
            await conn.execute(
                sa.select(
                    users.c.username,
                    profiles.c.name,
                    titles.c.title,
                    found.c.start,
                    found.c.episodes,
                    found.c.seconds,
                )
                .select_from(found)
                .join(titles, titles.c.id == found.c.title_id)
                .join(profiles, profiles.c.id == found.c.profile_id)
                .join(users, users.c.id == found.c.user_id)
                .order_by(
                    found.c.episodes.desc(),
                    day_of(db, found.c.start),
                    found.c.profile_id,
                    found.c.title_id,
                    found.c.start,
                )
            )
        ).all()
    return _binges_table(rows)


def _binges_table(rows: Any) -> Table:
    return Table(
        "binges",
        "Binge sessions (3+ episodes of a series in a row)",
        (
            Column("user", "User"),
            Column("profile", "Profile"),
            Column("series", "Series"),
            Column("day", "Day", "date"),
            Column("episodes", "Episodes", "int"),
            Column("hours", "Hours", "hours"),
        ),
        [(u, p, t, as_date(float(at)), int(eps), as_hours(sec)) for u, p, t, at, eps, sec in rows],
    )

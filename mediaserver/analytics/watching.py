"""Watching: plays, hours and viewers over time, top titles and series with their completion
and the weekday x hour heatmap; all from the rollups (binge sessions and the history are in
binges.py and history.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from mediaserver.analytics import long_range
from mediaserver.analytics.filters import DAY, Filters, conditions
from mediaserver.analytics.rollup_plays import day_of
from mediaserver.analytics.tables import Column, Table, as_date, as_hours
from mediaserver.db.analytics_schema import analytics_daily, analytics_hourly
from mediaserver.db.catalog_schema import titles
from mediaserver.db.engine import Database

H = analytics_hourly
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
TOP = 15


def _share(part: Any, whole: Any) -> float:
    return round(100 * float(part or 0) / float(whole), 1) if whole else 0.0


async def over_time(db: Database, f: Filters) -> Table:
    """Plays, hours watched and unique viewers per day of the range."""
    day = day_of(db, H.c.hour).label("day")
    viewers = await long_range.viewers_per_day(db, f) if long_range.usable(f) else None
    async with db.read() as conn:
        if viewers is None:
            viewers = dict(
                (
                    await conn.execute(
                        sa.select(day, sa.func.count(sa.distinct(H.c.profile_id)))
                        .where(*conditions(H, f, "hour"))
                        .group_by(day)
                    )
                ).all()
            )
        if f.fine:
            source, when = H, day
        else:  # the daily cells are far fewer rows over a long range
            source, when = analytics_daily, analytics_daily.c.day.label("day")
        rows = (
            await conn.execute(
                sa.select(when, sa.func.sum(source.c.plays), sa.func.sum(source.c.seconds_watched))
                .where(*conditions(source, f, "hour" if source is H else "day"))
                .group_by(when)
            )
        ).all()
    found = {float(r[0]): (int(r[1]), as_hours(r[2])) for r in rows}
    viewers = {float(k): v for k, v in viewers.items()}
    out = []
    at = f.start
    while at < f.end:
        plays, hours = found.get(at, (0, 0.0))
        out.append((as_date(at), plays, hours, viewers.get(at, 0)))
        at += DAY
    return Table(
        "over_time",
        "Plays, hours and viewers per day",
        (
            Column("day", "Day", "date"),
            Column("plays", "Plays", "int"),
            Column("hours", "Hours watched", "hours"),
            Column("viewers", "Unique viewers", "int"),
        ),
        out,
    )


async def totals(db: Database, f: Filters) -> dict[str, float]:
    """The range's plays, hours, unique viewers and completion, for the headline cards."""
    if long_range.usable(f):
        return _totals(await long_range.totals(db, f))
    async with db.read() as conn:
        row = (
            await conn.execute(
                sa.select(
                    sa.func.coalesce(sa.func.sum(H.c.plays), 0),
                    sa.func.coalesce(sa.func.sum(H.c.seconds_watched), 0),
                    sa.func.count(sa.distinct(H.c.profile_id)),
                    sa.func.coalesce(sa.func.sum(H.c.completed), 0),
                ).where(*conditions(H, f, "hour"))
            )
        ).one()
    return _totals(tuple(row))


def _totals(row: tuple[Any, ...]) -> dict[str, float]:
    """(plays, seconds, viewers, completed) as the headline cards show them."""
    return {
        "plays": int(row[0]),
        "hours": as_hours(row[1]),
        "viewers": int(row[2]),
        "completion": _share(row[3], row[0]),
    }


async def top_titles(db: Database, f: Filters, kind: str) -> Table:
    """The most watched movies (kind "movie") or series, by hours, with their completion rate."""
    return (await top_titles_of(db, f, (kind,)))[0]


async def top_titles_of(db: Database, f: Filters, kinds: tuple[str, ...]) -> list[Table]:
    """top_titles for several kinds, from one pass over the rollups where they allow it."""
    if long_range.usable(f):
        found = await long_range.top_titles(db, f, kinds, TOP)
        return [_top_table(kind, found[kind]) for kind in kinds]
    hours = sa.func.sum(H.c.seconds_watched).label("seconds")
    tables = []
    for kind in kinds:
        async with db.read() as conn:
            rows = await conn.execute(
                sa.select(
                    titles.c.id,
                    titles.c.title,
                    sa.func.sum(H.c.plays),
                    hours,
                    sa.func.count(sa.distinct(H.c.profile_id)),
                    sa.func.sum(H.c.completed),
                )
                .join(titles, titles.c.id == H.c.title_id)
                .where(*conditions(H, f, "hour"), titles.c.kind == kind)
                .group_by(titles.c.id, titles.c.title)
                .order_by(hours.desc(), titles.c.id)
                .limit(TOP)
            )
            tables.append(_top_table(kind, list(rows)))
    return tables


def _top_table(kind: str, rows: list[Any]) -> Table:
    return Table(
        "top_movies" if kind == "movie" else "top_series",
        "Top movies" if kind == "movie" else "Top series",
        (
            Column("title", "Title"),
            Column("plays", "Plays", "int"),
            Column("hours", "Hours watched", "hours"),
            Column("viewers", "Viewers", "int"),
            Column("completion", "Completion %", "percent"),
        ),
        [(r[1], int(r[2]), as_hours(r[3]), int(r[4]), _share(r[5], r[2])) for r in rows],
        links=[{"title": r[0]} for r in rows],
        note="Completion: plays that reached 90% of the file.",
    )


async def heatmap(db: Database, f: Filters) -> Table:
    """Plays by weekday and hour of day (UTC)."""
    if long_range.usable(f):
        rows = await long_range.plays_by_hour(db, f)
    else:
        async with db.read() as conn:
            rows = await conn.execute(
                sa.select(H.c.hour, sa.func.sum(H.c.plays))
                .where(*conditions(H, f, "hour"))
                .group_by(H.c.hour)
            )
            rows = list(rows)
    grid = [[0] * 24 for _ in WEEKDAYS]
    for hour, plays in rows:
        at = dt.datetime.fromtimestamp(float(hour), dt.UTC)
        grid[at.weekday()][at.hour] += int(plays)
    return Table(
        "heatmap",
        "When people watch (plays by weekday and hour, UTC)",
        (Column("weekday", "Weekday"), *(Column(f"h{h}", f"{h:02d}", "int") for h in range(24))),
        [(WEEKDAYS[d], *grid[d]) for d in range(7)],
    )

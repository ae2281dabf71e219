"""Watching: plays, hours and viewers over time, top titles and series with their completion,
the weekday x hour heatmap, binge sessions and each user's history; all from the rollups."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from mediaserver.analytics import long_range
from mediaserver.analytics.filters import DAY, Filters, conditions
from mediaserver.analytics.rollup_plays import HOUR, day_of
from mediaserver.analytics.tables import Column, Table
from mediaserver.db.analytics_schema import analytics_daily, analytics_hourly
from mediaserver.db.catalog_schema import episodes, media_files, titles
from mediaserver.db.engine import Database
from mediaserver.db.schema import profiles, users

H = analytics_hourly
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
BINGE_EPISODES = 3  # episodes of one series in a row that make a binge
BINGE_GAP = 2 * HOUR  # a longer pause ends the session
TOP = 15


def _hours(seconds: Any) -> float:
    return round(float(seconds or 0) / 3600, 1)


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
    found = {float(r[0]): (int(r[1]), _hours(r[2])) for r in rows}
    viewers = {float(k): v for k, v in viewers.items()}
    out = []
    at = f.start
    while at < f.end:
        plays, hours = found.get(at, (0, 0.0))
        out.append((_date(at), plays, hours, viewers.get(at, 0)))
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


def _date(at: float) -> str:
    return dt.datetime.fromtimestamp(at, dt.UTC).date().isoformat()


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
        "hours": _hours(row[1]),
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
        [(r[1], int(r[2]), _hours(r[3]), int(r[4]), _share(r[5], r[2])) for r in rows],
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


async def binges(db: Database, f: Filters) -> Table:
    """Sessions of a profile watching episodes of one series in a row (gaps under 2 hours).

    The database splits each profile's hours of a series into sessions (a window over the rows,
    a new session after each long gap) and counts them, so only the binges come back: a year of
    hourly rows is too many to send to Python. Without a library, device, browser or method
    filter the sessions the rollup stored are read instead (whole sessions starting in the
    range)."""
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
        [(u, p, t, _date(float(at)), int(eps), _hours(sec)) for u, p, t, at, eps, sec in rows],
    )


async def history(db: Database, f: Filters, limit: int = 200) -> Table:
    """What was watched, newest first, by hour started (as Tautulli lists a user's history)."""
    label = sa.case(
        (
            episodes.c.id.is_not(None),
            titles.c.title
            + " · S"
            + sa.cast(episodes.c.season_number, sa.String)
            + "E"
            + sa.cast(episodes.c.episode_number, sa.String),
        ),
        else_=titles.c.title,
    )
    async with db.read() as conn:
        rows = (
            await conn.execute(
                sa.select(
                    H.c.hour,
                    users.c.username,
                    profiles.c.name,
                    label,
                    H.c.device,
                    H.c.browser,
                    H.c.method,
                    H.c.plays,
                    H.c.seconds_watched,
                    H.c.completed,
                    H.c.title_id,
                    H.c.user_id,
                )
                .select_from(H)
                .outerjoin(users, users.c.id == H.c.user_id)
                .outerjoin(profiles, profiles.c.id == H.c.profile_id)
                .outerjoin(media_files, media_files.c.id == H.c.media_file_id)
                .outerjoin(episodes, episodes.c.id == media_files.c.episode_id)
                .outerjoin(titles, titles.c.id == H.c.title_id)
                .where(*conditions(H, f, "hour"))
                .order_by(H.c.hour.desc(), H.c.id.desc())
                .limit(limit)
            )
        ).all()
    return Table(
        "history",
        "History",
        (
            Column("when", "Started (UTC hour)", "time"),
            Column("user", "User"),
            Column("profile", "Profile"),
            Column("title", "Title"),
            Column("device", "Device"),
            Column("browser", "Browser"),
            Column("method", "Method"),
            Column("plays", "Plays", "int"),
            Column("minutes", "Minutes watched", "float"),
            Column("completed", "Completed", "int"),
        ),
        [
            (
                dt.datetime.fromtimestamp(float(r[0]), dt.UTC).strftime("%Y-%m-%d %H:00"),
                r[1] or "(deleted)",
                r[2] or "(deleted)",
                r[3] or "(removed)",
                r[4],
                r[5],
                r[6],
                int(r[7]),
                round(float(r[8]) / 60, 1),
                int(r[9]),
            )
            for r in rows
        ],
        links=[{"title": r[10], "user": r[11]} for r in rows],
    )

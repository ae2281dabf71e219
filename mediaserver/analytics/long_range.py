"""The analytics tables read from the compact rollups (viewers per day, plays per hour, files per
day / week / month, binge sessions), so a year answers as fast as a week.

Used where the filters allow it (`usable`): a title, user or profile filter, or two of device,
browser and method at once, need the hourly rows, which the caller reads instead. One device,
browser or method reads that value's rows of the per-title periods, viewers per day and plays
per hour (`cut`). Unique viewers are not additive: a range's are counted from the viewers per
day, and those of the few titles and files shown from their own hourly (or per-play) rows, found
by index.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from mediaserver.analytics.filters import Filters, conditions
from mediaserver.analytics.periods import in_range, rows_in_range
from mediaserver.db.analytics_schema import (
    analytics_binges,
    analytics_daily,
    analytics_file_periods,
    analytics_hour_cells,
    analytics_hourly,
    analytics_hours,
    analytics_reach,
    analytics_title_periods,
    analytics_viewer_cells,
    analytics_viewer_days,
)
from mediaserver.db.catalog_schema import titles
from mediaserver.db.engine import Database
from mediaserver.db.schema import profiles, users

V = analytics_viewer_days
P = analytics_file_periods
T = analytics_title_periods
B = analytics_binges
CUTS = ("device", "browser", "method")


def cut(f: Filters) -> tuple[str, str] | None:
    """The device, browser or method filtered on as (dimension, value); ("", "") for none; None
    for more than one (only the hourly rows have them together)."""
    set_ = [(name, getattr(f, name)) for name in CUTS if getattr(f, name) is not None]
    if len(set_) > 1:
        return None
    return set_[0] if set_ else ("", "")


def usable(f: Filters) -> bool:
    """Whether the compact rollups answer these filters (a range, a library, and at most one of
    device, browser and method)."""
    return f.fine is False and cut(f) is not None


def _library(table: sa.Table, f: Filters) -> list[sa.ColumnElement[bool]]:
    return [] if f.library is None else [table.c.library_id == f.library]


def _cut(table: sa.Table, f: Filters) -> list[sa.ColumnElement[bool]]:
    """The conditions on a table keyed by (dimension, value) for the filter's cut."""
    dimension, value = cut(f) or ("", "")
    return [table.c.dimension == dimension, table.c.value == value]


def _viewer_days(f: Filters) -> tuple[sa.Table, list[sa.ColumnElement[bool]]]:
    """Who watched per day: all plays, or those on the filter's device, browser or method."""
    table = V if cut(f) == ("", "") else analytics_viewer_cells
    conds = [table.c.day >= f.start, table.c.day < f.end, *_library(table, f)]
    return table, conds if table is V else [*_cut(table, f), *conds]


async def viewers_per_day(db: Database, f: Filters) -> dict[float, int]:
    table, conds = _viewer_days(f)
    day_viewers = sa.func.count(sa.distinct(table.c.profile_id))
    async with db.read() as conn:
        rows = await conn.execute(
            sa.select(table.c.day, day_viewers).where(*conds).group_by(table.c.day)
        )
        return {float(day): int(n) for day, n in rows}


async def totals(db: Database, f: Filters) -> tuple[Any, ...]:
    """(plays, seconds watched, unique viewers, completed) of the range."""
    D = analytics_daily
    in_days = conditions(D, f, "day")  # the daily cells have the device, browser and method
    table, conds = _viewer_days(f)
    async with db.read() as conn:
        plays, seconds, completed = (
            await conn.execute(
                sa.select(
                    sa.func.coalesce(sa.func.sum(D.c.plays), 0),
                    sa.func.coalesce(sa.func.sum(D.c.seconds_watched), 0),
                    sa.func.coalesce(sa.func.sum(D.c.completed), 0),
                ).where(*in_days)
            )
        ).one()
        viewers = (
            await conn.execute(
                sa.select(sa.func.count(sa.distinct(table.c.profile_id))).where(*conds)
            )
        ).scalar_one()
    return plays, seconds, viewers, completed


async def top_titles(
    db: Database, f: Filters, kinds: tuple[str, ...], limit: int
) -> dict[str, list[tuple[Any, ...]]]:
    """Per kind, (title id, title, plays, seconds, viewers, completed) of the most watched
    titles: one pass over the title periods for all kinds (a page shows movies and series)."""
    rows = rows_in_range(
        T,
        f.start,
        f.end,
        [T.c.title_id, T.c.plays, T.c.seconds_watched, T.c.completed],
        *_cut(T, f),
        *_library(T, f),
    ).c
    per_title = (
        sa.select(
            rows.title_id,
            sa.func.sum(rows.plays).label("plays"),
            sa.func.sum(rows.seconds_watched).label("seconds"),
            sa.func.sum(rows.completed).label("completed"),
        )
        .group_by(rows.title_id)
        .subquery()
    )
    t = per_title.c
    found: dict[str, list[tuple[Any, ...]]] = {kind: [] for kind in kinds}
    async with db.read() as conn:
        rows = await conn.execute(
            sa.select(titles.c.kind, titles.c.id, titles.c.title, t.plays, t.seconds, t.completed)
            .join(titles, titles.c.id == t.title_id)
            .where(titles.c.kind.in_(kinds))
        )
        for row in rows:
            found[row[0]].append(tuple(row[1:]))
        for listed in found.values():
            listed.sort(key=lambda r: (-float(r[3] or 0), r[0]))
            del listed[limit:]
        H = analytics_hourly
        shown = [r[0] for listed in found.values() for r in listed]
        viewers = dict(
            (
                await conn.execute(
                    sa.select(H.c.title_id, sa.func.count(sa.distinct(H.c.profile_id)))
                    .where(H.c.title_id.in_(shown), *conditions(H, f, "hour"))
                    .group_by(H.c.title_id)
                )
            ).all()
        )
    return {
        kind: [(r[0], r[1], r[2], r[3], viewers.get(r[0], 0), r[4]) for r in listed]
        for kind, listed in found.items()
    }


async def top_files(db: Database, f: Filters, limit: int) -> list[tuple[int, int, int]]:
    """(media file id, plays, viewers with heartbeats) of the most played files."""
    plays = sa.func.sum(P.c.plays).label("plays")
    conds = [in_range(P, f.start, f.end), *_library(P, f)]
    if f.title is not None:
        conds.append(P.c.title_id == f.title)
    R = analytics_reach
    async with db.read() as conn:
        rows = (
            await conn.execute(
                sa.select(P.c.media_file_id, plays)
                .where(*conds)
                .group_by(P.c.media_file_id)
                .order_by(plays.desc(), P.c.media_file_id)
                .limit(limit)
            )
        ).all()
        viewers = dict(
            (
                await conn.execute(
                    sa.select(R.c.media_file_id, sa.func.count(sa.distinct(R.c.profile_id)))
                    .where(
                        R.c.media_file_id.in_([r[0] for r in rows]),
                        R.c.day >= f.start,
                        R.c.day < f.end,
                    )
                    .group_by(R.c.media_file_id)
                )
            ).all()
        )
    return [(int(r[0]), int(r[1]), int(viewers.get(r[0], 0))) for r in rows]


async def plays_by_hour(db: Database, f: Filters) -> list[tuple[float, int]]:
    table = analytics_hours if cut(f) == ("", "") else analytics_hour_cells
    conds = [table.c.hour >= f.start, table.c.hour < f.end, *_library(table, f)]
    if table is analytics_hour_cells:
        conds += _cut(table, f)
    async with db.read() as conn:
        rows = await conn.execute(
            sa.select(table.c.hour, sa.func.sum(table.c.plays)).where(*conds).group_by(table.c.hour)
        )
        return [(float(h), int(n)) for h, n in rows]


def binges_usable(f: Filters) -> bool:
    """Binge sessions are stored per profile, user and series, over all plays or one device,
    browser or method's; a library or two of those filters need the hours."""
    return f.library is None and cut(f) is not None


async def binges(db: Database, f: Filters, limit: int = 50) -> list[tuple[Any, ...]]:
    """(user, profile, series, start, episodes, seconds) of the range's longest binges."""
    conds = [*_cut(B, f), B.c.day >= f.start, B.c.day < f.end]
    for name in ("profile", "user", "title"):
        value = getattr(f, name)
        if value is not None:
            conds.append(B.c[f"{name}_id"] == value)
    async with db.read() as conn:
        rows = await conn.execute(
            sa.select(
                users.c.username,
                profiles.c.name,
                titles.c.title,
                B.c.start,
                B.c.episodes,
                B.c.seconds_watched,
            )
            .select_from(B)
            .join(titles, titles.c.id == B.c.title_id)
            .join(profiles, profiles.c.id == B.c.profile_id)
            .join(users, users.c.id == B.c.user_id)
            .where(*conds)
            .order_by(B.c.episodes.desc(), B.c.day, B.c.profile_id, B.c.title_id, B.c.start)
            .limit(limit)
        )
        return [tuple(r) for r in rows]

"""Roll raw plays up into analytics_hourly, analytics_daily, analytics_ttff_daily and
analytics_rungs, and the narrower tables the long ranges read (plays per hour, viewers per day,
per-file, per-title and per-rung days, and per device, browser and method: viewers per day and
plays per hour).

The per-file, per-title and per-rung day rows are then summed into their weeks and months, and
the binge sessions around the rebuilt days are found again (see rollup_periods, rollup_binges).

Incremental: the watermark "plays_updated_at" says up to when reported plays were rolled up.
Each run finds the UTC days of plays reported since, and rebuilds those days whole from the raw
plays (delete, then insert), so a re-run, or a play reported again later, never counts twice.
Days older than the raw plays are kept (housekeeping.keep_plays_days) are never rebuilt: their
rollups are all that remains of them.
"""

from __future__ import annotations

import bisect
import time
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.analytics.agents import parse_agent
from mediaserver.analytics.rollup_binges import rebuild_binges
from mediaserver.analytics.rollup_periods import refresh_periods
from mediaserver.analytics.state import get_mark, set_mark
from mediaserver.db.analytics_schema import (
    analytics_daily,
    analytics_file_periods,
    analytics_hour_cells,
    analytics_hourly,
    analytics_hours,
    analytics_rung_periods,
    analytics_rungs,
    analytics_title_periods,
    analytics_ttff_daily,
    analytics_viewer_cells,
    analytics_viewer_days,
)
from mediaserver.db.catalog_schema import episodes, media_files
from mediaserver.db.engine import Database
from mediaserver.db.viewer_schema import plays

HOUR = 3600.0
DAY = 86400.0
# Reports can commit a little after the time they carry (they are written in batches): plays
# reported in the last LAG seconds are looked at again next run.
LAG = 300.0
# A play that reached this share of its file counts as completed.
COMPLETE_FRACTION = 0.9
# Upper edges (ms) of the time-to-first-frame histogram buckets; the last catches the rest.
TTFF_EDGES = (250, 500, 750, 1000, 1500, 2000, 3000, 4000, 6000, 8000, 12000, 20000, 600000)
MEASURES = (
    "plays",
    "seconds_watched",
    "completed",
    "ttff_count",
    "ttff_ms_sum",
    "rebuffer_seconds",
    "rung_switches",
    "fatal_errors",
)
MARK = "plays_updated_at"


def ttff_bucket(ms: float) -> int:
    return TTFF_EDGES[min(bisect.bisect_left(TTFF_EDGES, ms), len(TTFF_EDGES) - 1)]


def _measures(row: Any) -> list[float]:
    duration = row.duration_seconds
    reached = max(row.position_seconds or 0.0, 0.0)
    completed = bool(duration) and reached >= COMPLETE_FRACTION * duration
    ttff = row.time_to_first_frame_ms
    return [
        1,
        float(row.seconds_watched or 0.0),
        int(completed),
        int(ttff is not None),
        float(ttff or 0),
        float(row.rebuffer_seconds or 0.0),
        int(row.rung_switches or 0),
        int(row.fatal_error is not None),
    ]


def _add(into: list[float], values: list[float]) -> None:
    for i, value in enumerate(values):
        into[i] += value


def _day_query(day: float) -> sa.Select:
    return (
        sa.select(
            plays.c.started_at,
            plays.c.user_id,
            plays.c.profile_id,
            plays.c.media_file_id,
            plays.c.method,
            plays.c.client,
            plays.c.seconds_watched,
            plays.c.position_seconds,
            plays.c.time_to_first_frame_ms,
            plays.c.rebuffer_seconds,
            plays.c.rung_switches,
            plays.c.fatal_error,
            plays.c.rungs,
            media_files.c.library_id,
            sa.func.coalesce(media_files.c.title_id, episodes.c.series_id).label("title_id"),
            media_files.c.duration_seconds,
        )
        .select_from(plays)
        .join(media_files, media_files.c.id == plays.c.media_file_id)
        .outerjoin(episodes, episodes.c.id == media_files.c.episode_id)
        .where(plays.c.started_at >= day, plays.c.started_at < day + DAY)
    )


def aggregate_day(rows: Iterable[Any], day: float) -> dict[str, list[dict[str, Any]]]:
    """The rollup rows of one day's plays, per table."""
    hourly: dict[tuple, list[float]] = defaultdict(lambda: [0.0] * len(MEASURES))
    daily: dict[tuple, list[float]] = defaultdict(lambda: [0.0] * len(MEASURES))
    viewers: dict[tuple, set[int]] = defaultdict(set)
    ttff: dict[tuple, int] = defaultdict(int)
    rungs: dict[tuple, int] = defaultdict(int)
    files: dict[tuple, list[float]] = defaultdict(lambda: [0, 0.0, 0])
    viewer_days: dict[tuple, int] = defaultdict(int)
    hours: dict[tuple, list[float]] = defaultdict(lambda: [0, 0.0])
    # Keyed by (dimension, value, ...): "" for all plays, else device, browser or method.
    title_days: dict[tuple, list[float]] = defaultdict(lambda: [0, 0.0, 0])
    viewer_cells: dict[tuple, int] = defaultdict(int)
    hour_cells: dict[tuple, int] = defaultdict(int)
    for row in rows:
        device, browser = parse_agent(row.client)
        hour = row.started_at - row.started_at % HOUR
        dims = (row.library_id, row.title_id, row.media_file_id, row.user_id, row.profile_id)
        cell = (row.library_id, row.method, device, browser)
        values = _measures(row)
        _add(hourly[(hour, *dims, row.method, device, browser)], values)
        _add(daily[cell], values)
        viewers[cell].add(row.profile_id)
        if row.time_to_first_frame_ms is not None:
            ttff[(*cell, ttff_bucket(row.time_to_first_frame_ms))] += 1
        for rung in row.rungs or []:
            rungs[(row.media_file_id, str(rung)[:32])] += 1
        _add(files[(row.library_id, row.title_id, row.media_file_id)], [1, values[1], values[2]])
        viewer_days[(row.library_id, row.profile_id)] += 1
        _add(hours[(hour, row.library_id)], [1, values[1]])
        counted = [1, values[1], values[2]]
        _add(title_days[("", "", row.library_id, row.title_id)], counted)
        for cut in (("device", device), ("browser", browser), ("method", row.method)):
            _add(title_days[(*cut, row.library_id, row.title_id)], counted)
            viewer_cells[(*cut, row.library_id, row.profile_id)] += 1
            hour_cells[(*cut, hour, row.library_id)] += 1
    hourly_keys = ("hour", "library_id", "title_id", "media_file_id", "user_id", "profile_id")
    cell_keys = ("library_id", "method", "device", "browser")
    return {
        "hourly": [
            dict(zip(hourly_keys + cell_keys[1:], key, strict=True))
            | dict(zip(MEASURES, values, strict=True))
            for key, values in hourly.items()
        ],
        "daily": [
            {"day": day, "viewers": len(viewers[key])}
            | dict(zip(cell_keys, key, strict=True))
            | dict(zip(MEASURES, values, strict=True))
            for key, values in daily.items()
        ],
        "ttff": [
            {"day": day, "bucket_ms": key[4], "plays": count}
            | dict(zip(cell_keys, key[:4], strict=True))
            for key, count in ttff.items()
        ],
        "rungs": [
            {"day": day, "media_file_id": key[0], "rung": key[1], "plays": count}
            for key, count in rungs.items()
        ],
        "file_days": [
            {"grain": "d", "period": day, "library_id": lib, "title_id": title}
            | {"media_file_id": file, "plays": n, "seconds_watched": watched, "completed": done}
            for (lib, title, file), (n, watched, done) in files.items()
        ],
        "rung_days": [
            {"grain": "d", "period": day, "media_file_id": key[0], "rung": key[1], "plays": count}
            for key, count in rungs.items()
        ],
        "viewer_days": [
            {"day": day, "library_id": lib, "profile_id": profile, "plays": count}
            for (lib, profile), count in viewer_days.items()
        ],
        "hours": [
            {"hour": hour, "library_id": lib, "plays": n, "seconds_watched": watched}
            for (hour, lib), (n, watched) in hours.items()
        ],
        "title_days": [
            {"dimension": dim, "value": value, "grain": "d", "period": day, "library_id": lib}
            | {"title_id": title, "plays": n, "seconds_watched": watched, "completed": done}
            for (dim, value, lib, title), (n, watched, done) in title_days.items()
        ],
        "viewer_cells": [
            {"dimension": dim, "value": value, "day": day, "library_id": lib}
            | {"profile_id": profile, "plays": count}
            for (dim, value, lib, profile), count in viewer_cells.items()
        ],
        "hour_cells": [
            {"dimension": dim, "value": value, "hour": hour, "library_id": lib, "plays": count}
            for (dim, value, hour, lib), count in hour_cells.items()
        ],
    }


async def rebuild_day(conn: AsyncConnection, day: float) -> int:
    """Replace one UTC day's rollups with what its raw plays say; returns the plays counted."""
    rows = (await conn.execute(_day_query(day))).all()
    built = aggregate_day(rows, day)
    end = day + DAY
    await conn.execute(
        analytics_hourly.delete().where(
            analytics_hourly.c.hour >= day, analytics_hourly.c.hour < end
        )
    )
    for table in (analytics_hours, analytics_hour_cells):
        await conn.execute(table.delete().where(table.c.hour >= day, table.c.hour < end))
    for table in (
        analytics_daily,
        analytics_ttff_daily,
        analytics_rungs,
        analytics_viewer_days,
        analytics_viewer_cells,
    ):
        await conn.execute(table.delete().where(table.c.day == day))
    for table in (analytics_file_periods, analytics_rung_periods, analytics_title_periods):
        await conn.execute(table.delete().where(table.c.grain == "d", table.c.period == day))
    for table, key in (
        (analytics_hourly, "hourly"),
        (analytics_daily, "daily"),
        (analytics_ttff_daily, "ttff"),
        (analytics_rungs, "rungs"),
        (analytics_file_periods, "file_days"),
        (analytics_rung_periods, "rung_days"),
        (analytics_viewer_days, "viewer_days"),
        (analytics_hours, "hours"),
        (analytics_title_periods, "title_days"),
        (analytics_viewer_cells, "viewer_cells"),
        (analytics_hour_cells, "hour_cells"),
    ):
        if built[key]:
            await conn.execute(table.insert(), built[key])
    return len(rows)


def day_of(db: Database, column: sa.ColumnElement[float]) -> sa.ColumnElement[Any]:
    """The UTC day start of an epoch column, in SQL (SQLite truncates a cast; PostgreSQL
    rounds it, so it floors instead)."""
    if db.is_sqlite:
        return sa.cast(column / DAY, sa.Integer) * DAY
    return sa.func.floor(column / DAY) * DAY


async def roll_up_plays(db: Database, keep_plays_days: float, now: float | None = None) -> int:
    """Rebuild the days with plays reported since the last run; returns how many days."""
    now = time.time() if now is None else now
    mark = await get_mark(db, MARK)
    async with db.read() as conn:
        newest = (
            await conn.execute(
                sa.select(sa.func.max(plays.c.updated_at)).where(plays.c.updated_at > mark)
            )
        ).scalar()
        if newest is None:
            return 0
        days = (
            await conn.execute(
                sa.select(day_of(db, plays.c.started_at))
                .where(plays.c.updated_at > mark)
                .distinct()
            )
        ).scalars()
        days = sorted(float(d) for d in days)
    oldest_whole = now - keep_plays_days * DAY + DAY
    rebuilt: list[float] = []
    for day in days:
        if day < oldest_whole:
            continue  # some of its raw plays are gone: its rollups are the record now
        async with db.write() as conn:
            await rebuild_day(conn, day)
        rebuilt.append(day)
    await refresh_periods(db, rebuilt)
    await rebuild_binges(db, rebuilt)
    await set_mark(db, MARK, max(mark, min(float(newest), now - LAG)))
    return len(rebuilt)

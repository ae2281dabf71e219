"""Bulk rollups for bench_analytics: the day rows the plays rollup would write, computed in
process from the generated plays with the rollup's own aggregation (rollup_plays.aggregate_day),
and the heartbeats' reach and position rows computed with numpy, written with sqlite3
executemany / PostgreSQL COPY. The weeks, months and binge sessions are then made by the server's
own code (refresh_periods, rebuild_binges), and the watermarks set as a finished rollup leaves
them. Used because the rollup job, which writes through SQLAlchemy a day at a time, takes far
longer than the generator at a million plays; its results are the same (tests/analytics)."""

from __future__ import annotations

import json
from collections import defaultdict
from types import SimpleNamespace

import numpy as np

from mediaserver.analytics.rollup_binges import rebuild_binges
from mediaserver.analytics.rollup_periods import refresh_periods
from mediaserver.analytics.rollup_plays import aggregate_day
from mediaserver.analytics.state import set_mark
from mediaserver.db.engine import Database

DAY = 86400.0
TABLES = {
    "hourly": "analytics_hourly",
    "daily": "analytics_daily",
    "ttff": "analytics_ttff_daily",
    "rungs": "analytics_rungs",
    "file_days": "analytics_file_periods",
    "rung_days": "analytics_rung_periods",
    "viewer_days": "analytics_viewer_days",
    "hours": "analytics_hours",
    "title_days": "analytics_title_periods",
    "viewer_cells": "analytics_viewer_cells",
    "hour_cells": "analytics_hour_cells",
}


def day_rows(plays, files, episodes) -> tuple[dict[str, list[dict]], list[float]]:  # noqa: ANN001
    """Every day's rollup rows, per table, and the days."""
    series_of = {e[0]: e[1] for e in episodes}
    owner = {f[0]: (f[1] or series_of.get(f[2]), f[3]) for f in files}  # id -> (title, duration)
    by_day: dict[float, list] = defaultdict(list)
    for p in plays:
        title, duration = owner[p[3]]
        row = SimpleNamespace(
            started_at=p[6], user_id=p[1], profile_id=p[2], media_file_id=p[3], method=p[4],
            client=p[5], seconds_watched=p[12], position_seconds=p[13],
            time_to_first_frame_ms=p[8], rebuffer_seconds=p[9], rung_switches=p[10],
            fatal_error="boom" if p[14] else None, rungs=json.loads(p[11]), library_id=1,
            title_id=title, duration_seconds=duration,
        )  # fmt: skip
        by_day[p[6] - p[6] % DAY].append(row)
    out: dict[str, list[dict]] = defaultdict(list)
    for day, rows in by_day.items():
        for key, built in aggregate_day(rows, day).items():
            out[key].extend(built)
    return out, sorted(by_day)


def reach_rows(plays, files, per_play: int) -> tuple[list[tuple], list[tuple]]:  # noqa: ANN001
    """analytics_reach (one row per play) and analytics_positions (heartbeats per day, file and
    hundredth), from the heartbeats the bench writes (evenly from 0 to how far a play got)."""
    duration = {f[0]: f[3] for f in files}
    ids = np.fromiter((p[0] for p in plays), np.int64, len(plays))
    file_ids = np.fromiter((p[3] for p in plays), np.int64, len(plays))
    started = np.fromiter((p[6] for p in plays), np.float64, len(plays))
    reached = np.fromiter((p[13] for p in plays), np.float64, len(plays))
    durations = np.fromiter((duration[p[3]] for p in plays), np.float64, len(plays))
    days = started - started % DAY
    reach = [
        (int(i), float(d), int(f), int(p[2]), float(r), per_play)
        for i, d, f, p, r in zip(ids, days, file_ids, plays, reached, strict=True)
    ]
    steps = np.arange(per_play) / max(per_play - 1, 1)
    buckets = np.clip(np.floor(np.outer(reached, steps) * 100 / durations[:, None]), 0, 99).astype(
        np.int64
    )
    day_index = np.repeat(((days - days.min()) / DAY).astype(np.int64), per_play)
    keys = (day_index * 1_000_000 + np.repeat(file_ids, per_play)) * 100 + buckets.ravel()
    uniq, counts = np.unique(keys, return_counts=True)
    base = days.min()
    positions = [
        (float(base + (k // 100 // 1_000_000) * DAY), int(k // 100 % 1_000_000), int(k % 100),
         int(c))
        for k, c in zip(uniq.tolist(), counts.tolist(), strict=True)
    ]  # fmt: skip
    return reach, positions


def as_tables(built: dict[str, list[dict]], reach, positions) -> dict[str, tuple[str, list]]:  # noqa: ANN001
    """The rows as (columns, tuples) per table name, for the bench's loaders."""
    out: dict[str, tuple[str, list]] = {}
    for key, table in TABLES.items():
        rows = built.get(key) or []
        if not rows:
            continue
        cols = list(rows[0])
        out_rows = [tuple(r[c] for c in cols) for r in rows]
        if table in out:
            out[table][1].extend(out_rows)
        else:
            out[table] = (", ".join(cols), out_rows)
    out["analytics_reach"] = (
        "play_id, day, media_file_id, profile_id, max_position, heartbeats",
        reach,
    )
    out["analytics_positions"] = ("day, media_file_id, bucket, heartbeats", positions)
    return out


async def finish(db: Database, days: list[float], newest_update: float, top_beat: int) -> None:
    """Weeks, months and binges by the server's code; watermarks where a rollup leaves them."""
    await refresh_periods(db, days)
    await rebuild_binges(db, days)
    await set_mark(db, "plays_updated_at", newest_update)
    await set_mark(db, "heartbeat_id", float(top_beat))

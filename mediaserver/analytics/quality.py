"""Quality of experience from the plays' beacons: time to first frame (p50, p95), rebuffering
ratio, rung switches and fatal errors by browser and by method; and ladder rungs nobody played."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa

from mediaserver.analytics.filters import Filters, conditions
from mediaserver.analytics.periods import in_range
from mediaserver.analytics.rollup_plays import TTFF_EDGES
from mediaserver.analytics.tables import Column, Table
from mediaserver.db.analytics_schema import (
    analytics_daily,
    analytics_hourly,
    analytics_rung_periods,
    analytics_ttff_daily,
)
from mediaserver.db.catalog_schema import episodes, media_files, titles
from mediaserver.db.engine import Database
from mediaserver.db.packaging_schema import ladders

COLUMNS = (
    Column("plays", "Plays", "int"),
    Column("ttff_p50", "First frame p50 (ms)", "ms"),
    Column("ttff_p95", "First frame p95 (ms)", "ms"),
    Column("rebuffer", "Rebuffering %", "percent"),
    Column("switches", "Rung switches / play", "float"),
    Column("fatal", "Fatal errors", "int"),
)


def percentile(histogram: dict[float, int], q: float) -> int | None:
    """The value below which `q` of the weight lies (histogram: value -> weight)."""
    total = sum(histogram.values())
    if not total:
        return None
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= q * total:
            return int(value)
    return int(max(histogram))


async def by(db: Database, f: Filters, dimension: str) -> Table:
    """QoE per browser or per method."""
    source = analytics_hourly if f.fine else analytics_daily
    time_col = "hour" if f.fine else "day"
    dim = source.c[dimension]
    async with db.read() as conn:
        rows = (
            await conn.execute(
                sa.select(
                    dim,
                    sa.func.sum(source.c.plays),
                    sa.func.sum(source.c.rebuffer_seconds),
                    sa.func.sum(source.c.seconds_watched),
                    sa.func.sum(source.c.rung_switches),
                    sa.func.sum(source.c.fatal_errors),
                )
                .where(*conditions(source, f, time_col))
                .group_by(dim)
                .order_by(sa.func.sum(source.c.plays).desc())
            )
        ).all()
        histograms: dict[str, dict[float, int]] = defaultdict(lambda: defaultdict(int))
        if f.fine:
            # Per-hour averages stand in for single plays (an hour of one viewer is mostly one).
            hist = await conn.execute(
                sa.select(dim, source.c.ttff_ms_sum, source.c.ttff_count).where(
                    *conditions(source, f, time_col), source.c.ttff_count > 0
                )
            )
            for key, total, count in hist:
                histograms[key][total / count] += int(count)
        else:
            T = analytics_ttff_daily
            hist = await conn.execute(
                sa.select(T.c[dimension], T.c.bucket_ms, sa.func.sum(T.c.plays))
                .where(*conditions(T, f, "day"))
                .group_by(T.c[dimension], T.c.bucket_ms)
            )
            for key, bucket, count in hist:
                histograms[key][bucket] += int(count)
    out: list[tuple[Any, ...]] = []
    for key, plays, rebuffer, watched, switches, fatal in rows:
        plays = int(plays or 0)
        buffered, played = float(rebuffer or 0), float(watched or 0)
        out.append(
            (
                key,
                plays,
                percentile(histograms[key], 0.5),
                percentile(histograms[key], 0.95),
                round(100 * buffered / (buffered + played), 2) if buffered + played else 0.0,
                round(int(switches or 0) / plays, 2) if plays else 0.0,
                int(fatal or 0),
            )
        )
    label = "Browser" if dimension == "browser" else "Method"
    note = (
        "First frame percentiles are read from a histogram (upper bucket edges: "
        + ", ".join(str(e) for e in TTFF_EDGES[:-1])
        + " ms)."
        if not f.fine
        else "With a title, user or profile filter, percentiles are of hourly averages."
    )
    return Table(
        f"qoe_{dimension}",
        f"Quality by {label.lower()}",
        (Column(dimension, label), *COLUMNS),
        out,
        links=[{dimension: r[0]} for r in out],
        note=note,
    )


async def unplayed_rungs(db: Database, f: Filters) -> Table:
    """Rungs of ready ladders that no play in the range used, with the storage they take
    (estimated from their bandwidth and the ladder's duration), largest first."""
    label = sa.func.coalesce(titles.c.title, media_files.c.display_path)
    conds = [ladders.c.status == "ready"]
    if f.library is not None:
        conds.append(media_files.c.library_id == f.library)
    if f.title is not None:
        conds.append(sa.or_(media_files.c.title_id == f.title, episodes.c.series_id == f.title))
    async with db.read() as conn:
        packaged = (
            await conn.execute(
                sa.select(
                    ladders.c.media_file_id,
                    ladders.c.rungs,
                    ladders.c.duration_seconds,
                    label.label("label"),
                    episodes.c.season_number,
                    episodes.c.episode_number,
                )
                .select_from(ladders)
                .join(media_files, media_files.c.id == ladders.c.media_file_id)
                .outerjoin(episodes, episodes.c.id == media_files.c.episode_id)
                .outerjoin(
                    titles,
                    titles.c.id == sa.func.coalesce(media_files.c.title_id, episodes.c.series_id),
                )
                .where(*conds)
            )
        ).all()
        # Summed months, weeks and days of the files that have a ladder.
        R = analytics_rung_periods
        played = set()
        if packaged:
            ready = sa.select(ladders.c.media_file_id).where(ladders.c.status == "ready")
            played = {
                (r.media_file_id, r.rung)
                for r in await conn.execute(
                    sa.select(R.c.media_file_id, R.c.rung)
                    .where(in_range(R, f.start, f.end), R.c.media_file_id.in_(ready))
                    .distinct()
                )
            }
    rows = []
    for ladder in packaged:
        name = ladder.label
        if ladder.season_number is not None:
            name = f"{name} · S{ladder.season_number}E{ladder.episode_number}"
        for rung in ladder.rungs or []:
            rung_name = str(rung.get("name", ""))
            if (ladder.media_file_id, rung_name) in played:
                continue
            size = float(rung.get("bandwidth") or 0) * float(ladder.duration_seconds or 0) / 8
            rows.append((name, rung_name, round(size / 2**20, 1)))
    rows.sort(key=lambda r: -r[2])
    return Table(
        "unplayed_rungs",
        "Rungs never played",
        (
            Column("title", "Title"),
            Column("rung", "Rung"),
            Column("mib", "Size (MiB, est.)", "float"),
        ),
        rows[:200],
        note="Storage that deleting these rungs could save; sizes are estimated from bandwidth.",
    )

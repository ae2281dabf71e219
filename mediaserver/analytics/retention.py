"""Retention of a media file: the share of its viewers still watching at each hundredth of it
(from how far each play got, rolled up from the heartbeats), its biggest drop-offs, and the
parts watched again more than the rest (rewatch hotspots)."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

import sqlalchemy as sa

from mediaserver.analytics import long_range
from mediaserver.analytics.filters import Filters
from mediaserver.analytics.labels import file_label
from mediaserver.analytics.tables import Column, Table
from mediaserver.db.analytics_schema import analytics_positions, analytics_reach
from mediaserver.db.catalog_schema import episodes, media_files, titles
from mediaserver.db.engine import Database

R = analytics_reach
POINTS = 100
DROPOFFS = 3
MIN_DROP = 5.0  # percentage points lost at one hundredth for it to be marked
HOTSPOT_FACTOR = 1.5  # watched this many times more than the typical part


@dataclass(frozen=True, slots=True)
class Retention:
    media_file_id: int
    label: str
    duration_seconds: float
    viewers: int
    curve: Table  # percent of the file -> share of viewers still watching
    dropoffs: list[tuple[int, float]]  # (percent, percentage points lost there), biggest first
    hotspots: Table


def _file_conditions(f: Filters) -> list[sa.ColumnElement[bool]]:
    found = [R.c.day >= f.start, R.c.day < f.end]
    if f.profile is not None:
        found.append(R.c.profile_id == f.profile)
    if f.title is not None:
        found.append(sa.or_(media_files.c.title_id == f.title, episodes.c.series_id == f.title))
    if f.library is not None:
        found.append(media_files.c.library_id == f.library)
    return found


def _joined(select: sa.Select) -> sa.Select:
    return (
        select.select_from(R)
        .join(media_files, media_files.c.id == R.c.media_file_id)
        .outerjoin(episodes, episodes.c.id == media_files.c.episode_id)
        .join(titles, titles.c.id == sa.func.coalesce(media_files.c.title_id, episodes.c.series_id))
    )


async def watched_files(db: Database, f: Filters, limit: int = 20) -> Table:
    """The most played files in the range (with their viewers), to pick a retention curve from.

    Ranked from the per-file day / week / month rollup; with a profile filter, from that
    profile's plays with heartbeats."""
    if f.profile is None:
        top = await long_range.top_files(db, f, limit)
    else:
        plays = sa.func.count().label("plays")
        async with db.read() as conn:
            top = [
                (int(r[0]), int(r[1]), 1)
                for r in await conn.execute(
                    _joined(sa.select(R.c.media_file_id, plays))
                    .where(*_file_conditions(f))
                    .group_by(R.c.media_file_id)
                    .order_by(plays.desc(), R.c.media_file_id)
                    .limit(limit)
                )
            ]
    async with db.read() as conn:
        labels = dict(
            (
                await conn.execute(
                    sa.select(media_files.c.id, file_label())
                    .select_from(media_files)
                    .outerjoin(episodes, episodes.c.id == media_files.c.episode_id)
                    .join(
                        titles,
                        titles.c.id
                        == sa.func.coalesce(media_files.c.title_id, episodes.c.series_id),
                    )
                    .where(media_files.c.id.in_([t[0] for t in top]))
                )
            ).all()
        )
    shown = [t for t in top if t[0] in labels]
    return Table(
        "files",
        "Most watched files",
        (
            Column("title", "Title"),
            Column("plays", "Plays", "int"),
            Column("viewers", "Viewers", "int"),
        ),
        [(labels[file], plays, viewers) for file, plays, viewers in shown],
        links=[{"file": file} for file, _, _ in shown],
        note="Viewers: profiles whose plays reported their progress.",
    )


def curve_points(reached: list[float]) -> list[float]:
    """Share (%) of viewers still watching at each hundredth 0..100, from how far each got (%)."""
    n = len(reached)
    counts = [0] * (POINTS + 2)
    for pct in reached:
        # A hair of tolerance: 40% of a runtime stored as 39.99999 still reached 40%.
        counts[min(POINTS, max(0, math.floor(pct + 1e-6)))] += 1
    still, shares = n, []
    for p in range(POINTS + 1):
        shares.append(round(100 * still / n, 2) if n else 0.0)
        still -= counts[p]
    return shares


def biggest_dropoffs(shares: list[float]) -> list[tuple[int, float]]:
    """The hundredths where the most viewers stopped (percentage points lost just after)."""
    drops = [(p, round(shares[p] - shares[p + 1], 2)) for p in range(len(shares) - 1)]
    marked = sorted((d for d in drops if d[1] >= MIN_DROP), key=lambda d: (-d[1], d[0]))
    return marked[:DROPOFFS]


def _clock(seconds: float) -> str:
    s = int(seconds)
    return (
        f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
    )


async def retention(db: Database, f: Filters, media_file_id: int) -> Retention | None:
    async with db.read() as conn:
        head = (
            await conn.execute(
                sa.select(file_label().label("label"), media_files.c.duration_seconds)
                .select_from(media_files)
                .outerjoin(episodes, episodes.c.id == media_files.c.episode_id)
                .join(
                    titles,
                    titles.c.id == sa.func.coalesce(media_files.c.title_id, episodes.c.series_id),
                )
                .where(media_files.c.id == media_file_id)
            )
        ).first()
        if head is None or not head.duration_seconds:
            return None
        conds = [R.c.media_file_id == media_file_id, R.c.day >= f.start, R.c.day < f.end]
        if f.profile is not None:
            conds.append(R.c.profile_id == f.profile)
        per_play = (
            await conn.execute(sa.select(R.c.profile_id, R.c.max_position).where(*conds))
        ).all()
        P = analytics_positions
        beats = (
            await conn.execute(
                sa.select(P.c.bucket, sa.func.sum(P.c.heartbeats))
                .where(P.c.media_file_id == media_file_id, P.c.day >= f.start, P.c.day < f.end)
                .group_by(P.c.bucket)
            )
        ).all()
    duration = float(head.duration_seconds)
    furthest: dict[int, float] = {}
    for profile_id, position in per_play:
        furthest[profile_id] = max(furthest.get(profile_id, 0.0), position)
    shares = curve_points([100 * p / duration for p in furthest.values()])
    curve = Table(
        "retention",
        "Viewers still watching",
        (
            Column("percent", "Point of the file (%)", "int"),
            Column("at", "Time"),
            Column("share", "Still watching (%)", "percent"),
        ),
        [(p, _clock(duration * p / POINTS), shares[p]) for p in range(POINTS + 1)],
    )
    plays_reaching = curve_points([100 * p / duration for _, p in per_play])
    return Retention(
        media_file_id,
        head.label,
        duration,
        len(furthest),
        curve,
        biggest_dropoffs(shares),
        _hotspots(dict(beats), plays_reaching, len(per_play), duration),
    )


def _hotspots(beats: dict[int, int], reaching: list[float], plays: int, duration: float) -> Table:
    """Hundredths with more heartbeats per play reaching them than the typical one: rewound to
    and watched again."""
    density = {
        b: n / (reaching[b] * plays / 100)
        for b, n in beats.items()
        if 0 <= b < POINTS and reaching[b] > 0
    }
    rows = []
    if density:
        typical = statistics.median(density.values())
        hot = [
            (b, d / typical)
            for b, d in density.items()
            if typical and d / typical >= HOTSPOT_FACTOR
        ]
        for b, factor in sorted(hot, key=lambda h: -h[1])[:10]:
            start, end = duration * b / POINTS, duration * (b + 1) / POINTS
            rows.append((f"{_clock(start)}–{_clock(end)}", b, round(factor, 1)))
    return Table(
        "hotspots",
        "Rewatch hotspots",
        (
            Column("span", "Part of the file"),
            Column("percent", "At (%)", "int"),
            Column("factor", "Watched × the typical part", "float"),
        ),
        rows,
    )

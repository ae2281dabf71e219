"""Binge sessions: a profile watching episodes of one series with gaps under 2 hours between the
hours they started, 3 or more episodes in a session; stored by the day each session started.

Found from the hourly rollup, the same way the page would find them over a range: the rows of a
profile and series in hour order, a new session after each long gap. When days are rebuilt, the
sessions starting on them and on the days either side are found again (a session can run past
midnight, and a new play can join two sessions or split one).

Each is found over all plays (dimension "" and value "") and again over the plays on each
device, browser and method alone, as the page would find them with that filter.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa

from mediaserver.db.analytics_schema import analytics_binges, analytics_hourly
from mediaserver.db.catalog_schema import titles
from mediaserver.db.engine import Database

H = analytics_hourly
DAY = 86400.0
BINGE_EPISODES = 3  # episodes of one series in a row that make a binge
BINGE_GAP = 2 * 3600.0  # a longer pause ends the session
BLOCK_DAYS = 31  # days of sessions found per query
CUTS = ("device", "browser", "method")


@dataclass(slots=True)
class Session:
    profile_id: int
    title_id: int
    user_id: int
    start: float
    last: float
    files: set[int] = field(default_factory=set)
    seconds: float = 0.0


def sessions(rows: Iterable[tuple[int, int, int, float, int, float]]) -> list[Session]:
    """Sessions from (profile, title, user, hour, media file, seconds) rows in any order."""
    by_key: dict[tuple[int, int], list[tuple]] = defaultdict(list)
    for row in rows:
        by_key[(row[0], row[1])].append(row)
    found: list[Session] = []
    for (profile, title), items in by_key.items():
        items.sort(key=lambda r: r[3])
        current: Session | None = None
        for _, _, user, hour, file, seconds in items:
            if current is None or hour - current.last > BINGE_GAP:
                current = Session(profile, title, user, hour, hour)
                found.append(current)
            current.user_id = min(current.user_id, user)
            current.last = hour
            current.files.add(file)
            current.seconds += float(seconds or 0.0)
    return found


def cut_sessions(rows: list[sa.Row]) -> list[tuple[str, str, Session]]:
    """(dimension, value, session) over all the rows, and over each device, browser and method's
    rows alone; rows are (profile, title, user, hour, media file, seconds, device, browser,
    method)."""
    found = [("", "", s) for s in sessions(r[:6] for r in rows)]
    for i, dimension in enumerate(CUTS, 6):
        by_value: dict[str, list[tuple]] = defaultdict(list)
        for r in rows:
            by_value[r[i]].append(r[:6])
        for value, picked in by_value.items():
            found += [(dimension, value, s) for s in sessions(picked)]
    return found


def _blocks(days: list[float]) -> list[tuple[float, float]]:
    """Contiguous runs [first, end) of days, each at most BLOCK_DAYS long."""
    out: list[tuple[float, float]] = []
    for day in sorted(set(days)):
        if out and out[-1][1] == day and day - out[-1][0] < BLOCK_DAYS * DAY:
            out[-1] = (out[-1][0], day + DAY)
        else:
            out.append((day, day + DAY))
    return out


async def rebuild_binges(db: Database, days: Iterable[float]) -> int:
    """Find again the binge sessions starting on `days` and the days either side; returns how
    many binges (over all plays) those days hold now."""
    around = [day + k * DAY for day in days for k in (-1, 0, 1)]
    total = 0
    for first, end in _blocks(around):
        async with db.write() as conn:
            # A day before: whether the first hours continue a session; a day after: how far
            # the last sessions go.
            rows = (
                await conn.execute(
                    sa.select(
                        H.c.profile_id,
                        H.c.title_id,
                        H.c.user_id,
                        H.c.hour,
                        H.c.media_file_id,
                        H.c.seconds_watched,
                        *(H.c[name] for name in CUTS),
                    )
                    .join(titles, titles.c.id == H.c.title_id)
                    .where(H.c.hour >= first - DAY, H.c.hour < end + DAY, titles.c.kind == "series")
                )
            ).all()
            binges = [
                (dimension, value, s)
                for dimension, value, s in cut_sessions(rows)
                if first <= s.start < end and len(s.files) >= BINGE_EPISODES
            ]
            await conn.execute(
                analytics_binges.delete().where(
                    analytics_binges.c.day >= first, analytics_binges.c.day < end
                )
            )
            if binges:
                await conn.execute(
                    analytics_binges.insert(),
                    [
                        {
                            "dimension": dimension,
                            "value": value,
                            "day": s.start - s.start % DAY,
                            "start": s.start,
                            "profile_id": s.profile_id,
                            "title_id": s.title_id,
                            "user_id": s.user_id,
                            "episodes": len(s.files),
                            "seconds_watched": s.seconds,
                        }
                        for dimension, value, s in binges
                    ],
                )
            total += sum(1 for dimension, _, _ in binges if not dimension)
    return total

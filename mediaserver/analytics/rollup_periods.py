"""Sum the per-file, per-title and per-rung day rows into their weeks and months.

After days are rebuilt, each week and month holding one of them is replaced by the sum of its
day rows (INSERT ... SELECT ... GROUP BY, in the database): a re-run gives the same rows, and day
rows kept past the raw plays' retention still count.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from mediaserver.analytics.periods import affected, period_end
from mediaserver.db.analytics_schema import (
    analytics_file_periods,
    analytics_rung_periods,
    analytics_title_periods,
)
from mediaserver.db.engine import Database

# Each period table: the columns a row is keyed by, and the columns summed.
SPECS: tuple[tuple[sa.Table, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        analytics_file_periods,
        ("library_id", "title_id", "media_file_id"),
        ("plays", "seconds_watched", "completed"),
    ),
    (analytics_rung_periods, ("media_file_id", "rung"), ("plays",)),
    (
        analytics_title_periods,
        ("dimension", "value", "library_id", "title_id"),
        ("plays", "seconds_watched", "completed"),
    ),
)


def _sum_days(table: sa.Table, keys: tuple[str, ...], sums: tuple[str, ...], grain: str,
              start: float) -> sa.Insert:  # fmt: skip
    """INSERT the period's rows: its day rows summed per key."""
    end = period_end(grain, start)
    select = (
        sa.select(
            sa.literal(grain, sa.String).label("grain"),
            sa.literal(start, sa.Float).label("period"),
            *(table.c[k] for k in keys),
            *(sa.func.sum(table.c[s]).label(s) for s in sums),
        )
        .where(table.c.grain == "d", table.c.period >= start, table.c.period < end)
        .group_by(*(table.c[k] for k in keys))
    )
    return table.insert().from_select(["grain", "period", *keys, *sums], select)


async def refresh_periods(db: Database, days: Iterable[float]) -> int:
    """Rebuild the weeks and months that hold any of `days`; returns how many periods."""
    days = list(days)
    done = 0
    for grain in ("w", "m"):
        for start in affected(grain, days):
            async with db.write() as conn:
                for table, keys, sums in SPECS:
                    await conn.execute(
                        table.delete().where(table.c.grain == grain, table.c.period == start)
                    )
                    await conn.execute(_sum_days(table, keys, sums, grain, start))
            done += 1
    return done

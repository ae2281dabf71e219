"""Day, week and month periods of the additive rollups: which period a day belongs to, and how a
date range splits into whole months, whole weeks and single days (the fewest rows to sum)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa

DAY = 86400.0
WEEK = 7 * DAY
# 1970-01-01 was a Thursday: weeks from Monday 00:00 UTC start 4 days into the epoch's week.
WEEK_OFFSET = 4 * DAY
GRAINS = ("d", "w", "m")


def week_of(at: float) -> float:
    return at - (at - WEEK_OFFSET) % WEEK


def month_of(at: float) -> float:
    day = dt.datetime.fromtimestamp(at, dt.UTC)
    return dt.datetime(day.year, day.month, 1, tzinfo=dt.UTC).timestamp()


def next_month(at: float) -> float:
    day = dt.datetime.fromtimestamp(month_of(at), dt.UTC)
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return dt.datetime(year, month, 1, tzinfo=dt.UTC).timestamp()


def period_of(grain: str, day: float) -> float:
    if grain == "w":
        return week_of(day)
    if grain == "m":
        return month_of(day)
    return day - day % DAY


def period_end(grain: str, start: float) -> float:
    if grain == "w":
        return start + WEEK
    if grain == "m":
        return next_month(start)
    return start + DAY


def spans(start: float, end: float) -> list[tuple[str, float, float]]:
    """[start, end) (whole UTC days) as runs of whole months, whole weeks and days: (grain,
    first period, end). A week is taken across a month's start only where no whole month
    follows, so the walk reaches the months."""
    pieces: list[tuple[str, float, float]] = []
    at = start
    while at < end:
        month_end = next_month(at)
        if month_of(at) == at and month_end <= end:
            grain, upto = "m", month_end
        elif (
            week_of(at) == at
            and at + WEEK <= end
            and (at + WEEK <= month_end or next_month(month_end) > end)
        ):
            grain, upto = "w", at + WEEK
        else:
            grain, upto = "d", at + DAY
        if pieces and pieces[-1][0] == grain and pieces[-1][2] == at:
            pieces[-1] = (grain, pieces[-1][1], upto)
        else:
            pieces.append((grain, at, upto))
        at = upto
    return pieces


def in_range(table: sa.Table, start: float, end: float) -> sa.ColumnElement[bool]:
    """Rows of a period table that together cover [start, end) exactly once."""
    return sa.or_(
        *(
            sa.and_(table.c.grain == grain, table.c.period >= lo, table.c.period < hi)
            for grain, lo, hi in spans(start, end)
        )
    )


def rows_in_range(
    table: sa.Table,
    start: float,
    end: float,
    columns: list[sa.ColumnElement],
    *where: sa.ColumnElement[bool],
) -> sa.Subquery:
    """`columns` of the rows that cover [start, end) exactly once and match `where`, as one
    SELECT per run of periods (UNION ALL): an index led by `where`'s equalities, grain and
    period then seeks each run, where SQLite would read all of `where`'s rows for an OR."""
    return sa.union_all(
        *(
            sa.select(*columns).where(
                *where, table.c.grain == grain, table.c.period >= lo, table.c.period < hi
            )
            for grain, lo, hi in spans(start, end)
        )
    ).subquery()


def affected(grain: str, days: Iterable[float]) -> list[float]:
    """The periods of a grain that hold any of these days."""
    return sorted({period_of(grain, day) for day in days})

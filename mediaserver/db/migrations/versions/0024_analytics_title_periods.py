"""analytics: title-level period rollups

Plays per title at day, week and month grains (all plays, and per device, browser and method),
who watched each day per device, browser and method, plays per hour per device, browser and
method, and binge sessions over each device, browser and method's plays alone; filled here from
the hourly rollup, which holds the whole history. The hourly title
index gains the profile, library, device, browser and method, so a title's unique viewers (with
those filters or not) read the index alone.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 03:20:00
"""

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
DAY = 86400
WEEK = 7 * DAY
WEEK_OFFSET = 4 * DAY  # 1970-01-01 was a Thursday: weeks start on Monday 00:00 UTC
DIMENSIONS = ("device", "browser", "method")
SUMS = "sum(plays), sum(seconds_watched), sum(completed)"
BINGE_EPISODES = 3
BINGE_GAP = 2 * 3600
BLOCK = 31 * DAY


def _month(at: float) -> tuple[float, float]:
    day = dt.datetime.fromtimestamp(at, dt.UTC)
    start = dt.datetime(day.year, day.month, 1, tzinfo=dt.UTC)
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return start.timestamp(), dt.datetime(year, month, 1, tzinfo=dt.UTC).timestamp()


def _create() -> None:
    op.create_table(
        "analytics_title_periods",
        sa.Column("id", BigId, nullable=False),
        sa.Column("dimension", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=16), nullable=False),
        sa.Column("grain", sa.String(length=1), nullable=False),
        sa.Column("period", sa.Float(), nullable=False),
        sa.Column("library_id", sa.Integer(), nullable=True),
        sa.Column("title_id", sa.Integer(), nullable=True),
        sa.Column("plays", sa.Integer(), nullable=False),
        sa.Column("seconds_watched", sa.Float(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_title_periods")),
    )
    op.create_index(
        "ix_analytics_title_periods_grain",
        "analytics_title_periods",
        ["dimension", "value", "grain", "period", "title_id", "library_id", "plays",
         "seconds_watched", "completed"],
    )  # fmt: skip
    op.create_table(
        "analytics_viewer_cells",
        sa.Column("dimension", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Float(), nullable=False),
        sa.Column("library_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("profile_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("plays", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "dimension", "value", "day", "library_id", "profile_id",
            name=op.f("pk_analytics_viewer_cells"),
        ),
    )  # fmt: skip
    op.create_table(
        "analytics_hour_cells",
        sa.Column("dimension", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=16), nullable=False),
        sa.Column("hour", sa.Float(), nullable=False),
        sa.Column("library_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("plays", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "dimension", "value", "hour", "library_id", name=op.f("pk_analytics_hour_cells")
        ),
    )


def _fill() -> None:
    """The new rows from the hourly rollup (the whole history: raw plays may be gone)."""
    bind = op.get_bind()
    day = (
        "CAST(hour / 86400 AS INTEGER) * 86400.0"
        if bind.dialect.name == "sqlite"
        else "floor(hour / 86400) * 86400"
    )
    title_cols = (
        "dimension, value, grain, period, library_id, title_id, plays, seconds_watched, completed"
    )
    for dim, value in (("''", "''"), *((f"'{d}'", d) for d in DIMENSIONS)):
        keys = "" if value == "''" else f", {value}"
        op.execute(
            f"INSERT INTO analytics_title_periods ({title_cols}) "
            f"SELECT {dim}, {value}, 'd', {day}, library_id, title_id, {SUMS} "
            f"FROM analytics_hourly GROUP BY {day}, library_id, title_id{keys}"
        )
    for d in DIMENSIONS:
        op.execute(
            "INSERT INTO analytics_viewer_cells "
            "(dimension, value, day, library_id, profile_id, plays) "
            f"SELECT '{d}', {d}, {day}, library_id, profile_id, sum(plays) "
            f"FROM analytics_hourly GROUP BY {d}, {day}, library_id, profile_id"
        )
        op.execute(
            "INSERT INTO analytics_hour_cells (dimension, value, hour, library_id, plays) "
            f"SELECT '{d}', {d}, hour, library_id, sum(plays) "
            f"FROM analytics_hourly GROUP BY {d}, hour, library_id"
        )
    days = [
        float(r[0])
        for r in bind.execute(
            sa.text("SELECT DISTINCT period FROM analytics_title_periods WHERE grain = 'd'")
        )
    ]
    periods = {("w", d - (d - WEEK_OFFSET) % WEEK) for d in days} | {
        ("m", _month(d)[0]) for d in days
    }
    for grain, start in sorted(periods):
        end = start + WEEK if grain == "w" else _month(start)[1]
        op.execute(
            f"INSERT INTO analytics_title_periods ({title_cols}) "
            f"SELECT dimension, value, '{grain}', {start!r}, library_id, title_id, {SUMS} "
            "FROM analytics_title_periods "
            f"WHERE grain = 'd' AND period >= {start!r} AND period < {end!r} "
            "GROUP BY dimension, value, library_id, title_id"
        )


def _sessions(rows: list[tuple]) -> list[tuple]:
    """Binge sessions (profile, title, user, start, episodes, seconds) from (profile, title,
    user, hour, media file, seconds) rows: as analytics.rollup_binges finds them (frozen)."""
    by_key: dict[tuple, list[tuple]] = defaultdict(list)
    for row in rows:
        by_key[(row[0], row[1])].append(row)
    found = []
    for (profile, title), items in by_key.items():
        items.sort(key=lambda r: r[3])
        current: list | None = None
        for _, _, user, hour, file, seconds in items:
            if current is None or hour - current[4] > BINGE_GAP:
                current = [profile, title, user, hour, hour, set(), 0.0]
                found.append(current)
            current[2] = min(current[2], user)
            current[4] = hour
            current[5].add(file)
            current[6] += float(seconds or 0.0)
    return [
        (p, t, u, start, len(files), sec)
        for p, t, u, start, _, files, sec in found
        if len(files) >= BINGE_EPISODES
    ]


def _fill_binges() -> None:
    """Binge sessions over each device, browser and method's plays alone, a month at a time
    (with a day either side, as the rollup reads them)."""
    bind = op.get_bind()
    first, last = bind.execute(sa.text("SELECT min(hour), max(hour) FROM analytics_hourly")).one()
    if first is None:
        return
    start = float(first) - float(first) % DAY
    cols = "profile_id, title_id, user_id, hour, media_file_id, seconds_watched"
    insert = sa.text(
        "INSERT INTO analytics_binges (dimension, value, day, start, profile_id, user_id, "
        "title_id, episodes, seconds_watched) VALUES (:dimension, :value, :day, :start, "
        ":profile_id, :user_id, :title_id, :episodes, :seconds)"
    )
    while start <= float(last):
        end = start + BLOCK
        rows = bind.execute(
            sa.text(
                f"SELECT {cols}, device, browser, method FROM analytics_hourly h "
                "JOIN titles t ON t.id = h.title_id "
                "WHERE h.hour >= :lo AND h.hour < :hi AND t.kind = 'series'"
            ),
            {"lo": start - DAY, "hi": end + DAY},
        ).all()
        found = []
        for i, dimension in enumerate(DIMENSIONS, 6):
            by_value: dict[str, list[tuple]] = defaultdict(list)
            for r in rows:
                by_value[r[i]].append(tuple(r[:6]))
            for value, picked in by_value.items():
                found += [
                    {"dimension": dimension, "value": value, "day": s[3] - s[3] % DAY,
                     "start": s[3], "profile_id": s[0], "user_id": s[2], "title_id": s[1],
                     "episodes": s[4], "seconds": s[5]}
                    for s in _sessions(picked)
                    if start <= s[3] < end
                ]  # fmt: skip
        if found:
            bind.execute(insert, found)
        start = end


def upgrade() -> None:
    _create()
    _fill()
    with op.batch_alter_table("analytics_binges") as batch_op:
        batch_op.add_column(
            sa.Column("dimension", sa.String(length=8), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("value", sa.String(length=16), server_default="", nullable=False)
        )
    op.drop_index("ix_analytics_binges_day", table_name="analytics_binges")
    op.create_index("ix_analytics_binges_day", "analytics_binges", ["dimension", "value", "day"])
    _fill_binges()
    # Planner statistics for the tables just filled (a year of history is millions of rows).
    for table in (
        "analytics_title_periods", "analytics_viewer_cells", "analytics_hour_cells",
        "analytics_binges", "analytics_hourly",
    ):  # fmt: skip
        op.execute(f"ANALYZE {table}")
    op.drop_index("ix_analytics_hourly_title_id", table_name="analytics_hourly")
    op.create_index(
        "ix_analytics_hourly_title_id",
        "analytics_hourly",
        ["title_id", "hour", "profile_id", "library_id", "device", "browser", "method"],
    )


def downgrade() -> None:
    op.execute("DELETE FROM analytics_binges WHERE dimension <> ''")
    op.drop_index("ix_analytics_binges_day", table_name="analytics_binges")
    with op.batch_alter_table("analytics_binges") as batch_op:
        batch_op.drop_column("value")
        batch_op.drop_column("dimension")
    op.create_index("ix_analytics_binges_day", "analytics_binges", ["day"])
    op.drop_index("ix_analytics_hourly_title_id", table_name="analytics_hourly")
    op.create_index("ix_analytics_hourly_title_id", "analytics_hourly", ["title_id", "hour"])
    op.drop_table("analytics_hour_cells")
    op.drop_table("analytics_viewer_cells")
    op.drop_index("ix_analytics_title_periods_grain", table_name="analytics_title_periods")
    op.drop_table("analytics_title_periods")

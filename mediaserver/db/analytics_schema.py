"""Analytics tables: raw progress heartbeats, and the hourly and daily rollups the analytics pages
read (so they stay fast as history grows), with the watermarks that make the rollup incremental.

Rollups keep plain ids without foreign keys: they outlive the plays, users and titles they count
(a deleted user's hours still add up). Times are UTC epoch seconds; `hour` and `day` are the
start of the UTC hour or day. Every change here needs an Alembic migration.
"""

from __future__ import annotations

import sqlalchemy as sa

from mediaserver.db.metadata import metadata

# BIGINT on PostgreSQL (tens of millions of rows); SQLite needs INTEGER for a rowid key.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# One row per position report of a play (every ~10 s while playing, on pause, on close).
play_heartbeats = sa.Table(
    "play_heartbeats",
    metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("play_id", sa.Integer, sa.ForeignKey("plays.id", ondelete="CASCADE"), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("position_seconds", sa.Float, nullable=False),
    sa.Column("paused", sa.Boolean, nullable=False, server_default=sa.false()),
)
sa.Index("ix_play_heartbeats_play_id", play_heartbeats.c.play_id)
sa.Index("ix_play_heartbeats_at", play_heartbeats.c.at)

# What the rollups and their filters break plays down by.
DIMENSIONS = (
    "library_id",
    "title_id",  # the movie, or the series of an episode
    "media_file_id",
    "user_id",
    "profile_id",
    "method",
    "device",
    "browser",
)


def _dimension_columns() -> list[sa.Column]:
    return [
        sa.Column("library_id", sa.Integer, nullable=True),
        sa.Column("title_id", sa.Integer, nullable=True),
        sa.Column("media_file_id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("profile_id", sa.Integer, nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("device", sa.String(16), nullable=False),
        sa.Column("browser", sa.String(16), nullable=False),
    ]


def _measure_columns() -> list[sa.Column]:
    return [
        sa.Column("plays", sa.Integer, nullable=False),
        sa.Column("seconds_watched", sa.Float, nullable=False),
        # Plays that reached 90% of the file.
        sa.Column("completed", sa.Integer, nullable=False),
        sa.Column("ttff_count", sa.Integer, nullable=False),
        sa.Column("ttff_ms_sum", sa.Float, nullable=False),
        sa.Column("rebuffer_seconds", sa.Float, nullable=False),
        sa.Column("rung_switches", sa.Integer, nullable=False),
        sa.Column("fatal_errors", sa.Integer, nullable=False),
    ]


# Plays by the hour they started, broken down by every dimension.
analytics_hourly = sa.Table(
    "analytics_hourly",
    metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("hour", sa.Float, nullable=False),
    *_dimension_columns(),
    *_measure_columns(),
)
sa.Index("ix_analytics_hourly_hour", analytics_hourly.c.hour)
# With the profile and the filters' columns: a title's unique viewers over a range, filtered or
# not, read the index alone.
sa.Index(
    "ix_analytics_hourly_title_id",
    analytics_hourly.c.title_id,
    analytics_hourly.c.hour,
    analytics_hourly.c.profile_id,
    analytics_hourly.c.library_id,
    analytics_hourly.c.device,
    analytics_hourly.c.browser,
    analytics_hourly.c.method,
)
sa.Index("ix_analytics_hourly_user_id", analytics_hourly.c.user_id, analytics_hourly.c.hour)
sa.Index("ix_analytics_hourly_profile_id", analytics_hourly.c.profile_id, analytics_hourly.c.hour)

# Plays by the day they started, without title, user and profile: the long-range charts read it.
analytics_daily = sa.Table(
    "analytics_daily",
    metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("day", sa.Float, nullable=False),
    sa.Column("library_id", sa.Integer, nullable=True),
    sa.Column("method", sa.String(16), nullable=False),
    sa.Column("device", sa.String(16), nullable=False),
    sa.Column("browser", sa.String(16), nullable=False),
    # Distinct profiles that day in this cell (not additive across days or cells).
    sa.Column("viewers", sa.Integer, nullable=False),
    *_measure_columns(),
)
sa.Index("ix_analytics_daily_day", analytics_daily.c.day)

# Time to first frame as a histogram per day, so its percentiles need no raw plays.
analytics_ttff_daily = sa.Table(
    "analytics_ttff_daily",
    metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("day", sa.Float, nullable=False),
    sa.Column("library_id", sa.Integer, nullable=True),
    sa.Column("method", sa.String(16), nullable=False),
    sa.Column("device", sa.String(16), nullable=False),
    sa.Column("browser", sa.String(16), nullable=False),
    # Upper edge of the bucket in milliseconds (see analytics.rollup.TTFF_EDGES).
    sa.Column("bucket_ms", sa.Integer, nullable=False),
    sa.Column("plays", sa.Integer, nullable=False),
)
sa.Index("ix_analytics_ttff_daily_day", analytics_ttff_daily.c.day)

# How far each play got (from its heartbeats), for retention curves; one row per play.
analytics_reach = sa.Table(
    "analytics_reach",
    metadata,
    sa.Column("play_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("day", sa.Float, nullable=False),
    sa.Column("media_file_id", sa.Integer, nullable=False),
    sa.Column("profile_id", sa.Integer, nullable=False),
    sa.Column("max_position", sa.Float, nullable=False),
    sa.Column("heartbeats", sa.Integer, nullable=False),
)
sa.Index("ix_analytics_reach_media_file_id", analytics_reach.c.media_file_id, analytics_reach.c.day)

# Heartbeats per day and hundredth of a file: parts watched more often than reached are rewatched.
analytics_positions = sa.Table(
    "analytics_positions",
    metadata,
    sa.Column("day", sa.Float, primary_key=True),
    sa.Column("media_file_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("bucket", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("heartbeats", sa.Integer, nullable=False),
)
sa.Index(
    "ix_analytics_positions_media_file_id",
    analytics_positions.c.media_file_id,
    analytics_positions.c.day,
)

# Plays per day, media file and ladder rung played (rungs never played could be dropped).
analytics_rungs = sa.Table(
    "analytics_rungs",
    metadata,
    sa.Column("day", sa.Float, primary_key=True),
    sa.Column("media_file_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("rung", sa.String(32), primary_key=True),
    sa.Column("plays", sa.Integer, nullable=False),
)

# Rollup watermarks ("plays_updated_at", "heartbeat_id") and when they last ran ("last_run").
analytics_state = sa.Table(
    "analytics_state",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("value", sa.Float, nullable=False),
)

# Additive rollups at three grains ("d": a UTC day, "w": a week from Monday, "m": a calendar
# month; `period` is its start), so a long range sums a few months, weeks and days of rows
# instead of a row per play: viewing is spread thin over files and hours, so a day x file row
# is barely fewer than the plays themselves.
analytics_file_periods = sa.Table(
    "analytics_file_periods",
    metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("grain", sa.String(1), nullable=False),
    sa.Column("period", sa.Float, nullable=False),
    sa.Column("library_id", sa.Integer, nullable=True),
    sa.Column("title_id", sa.Integer, nullable=True),
    sa.Column("media_file_id", sa.Integer, nullable=False),
    sa.Column("plays", sa.Integer, nullable=False),
    sa.Column("seconds_watched", sa.Float, nullable=False),
    sa.Column("completed", sa.Integer, nullable=False),
)
# Every column, so a range's sums read the index alone (SQLite would otherwise fetch each row).
sa.Index(
    "ix_analytics_file_periods_grain",
    analytics_file_periods.c.grain,
    analytics_file_periods.c.period,
    analytics_file_periods.c.title_id,
    analytics_file_periods.c.media_file_id,
    analytics_file_periods.c.library_id,
    analytics_file_periods.c.plays,
    analytics_file_periods.c.seconds_watched,
    analytics_file_periods.c.completed,
)

# Plays per period, media file and ladder rung played, at the same three grains.
analytics_rung_periods = sa.Table(
    "analytics_rung_periods",
    metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("grain", sa.String(1), nullable=False),
    sa.Column("period", sa.Float, nullable=False),
    sa.Column("media_file_id", sa.Integer, nullable=False),
    sa.Column("rung", sa.String(32), nullable=False),
    sa.Column("plays", sa.Integer, nullable=False),
)
sa.Index(
    "ix_analytics_rung_periods_grain",
    analytics_rung_periods.c.grain,
    analytics_rung_periods.c.period,
)

# Who watched on each day (profiles are few): unique viewers of any range without the hours.
analytics_viewer_days = sa.Table(
    "analytics_viewer_days",
    metadata,
    sa.Column("day", sa.Float, primary_key=True),
    sa.Column("library_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("profile_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("plays", sa.Integer, nullable=False),
)

# Plays per hour and library, without the other dimensions: the heatmap and the dashboard.
analytics_hours = sa.Table(
    "analytics_hours",
    metadata,
    sa.Column("hour", sa.Float, primary_key=True),
    sa.Column("library_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("plays", sa.Integer, nullable=False),
    sa.Column("seconds_watched", sa.Float, nullable=False),
)

# Binge sessions (episodes of one series in a row), by the UTC day they started: over all plays
# (dimension "" and value ""), and over the plays on each device, browser and method alone.
analytics_binges = sa.Table(
    "analytics_binges",
    metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("day", sa.Float, nullable=False),
    sa.Column("start", sa.Float, nullable=False),
    sa.Column("profile_id", sa.Integer, nullable=False),
    sa.Column("user_id", sa.Integer, nullable=False),
    sa.Column("title_id", sa.Integer, nullable=False),
    sa.Column("episodes", sa.Integer, nullable=False),
    sa.Column("seconds_watched", sa.Float, nullable=False),
    sa.Column("dimension", sa.String(8), nullable=False, server_default=""),
    sa.Column("value", sa.String(16), nullable=False, server_default=""),
)
sa.Index(
    "ix_analytics_binges_day",
    analytics_binges.c.dimension,
    analytics_binges.c.value,
    analytics_binges.c.day,
)

# Plays per period and title (the movie, or the series of an episode), at the same three grains:
# a year of the top titles sums about 20 rows per title instead of a row per file and day.
# `dimension` is "" for all plays, else "device", "browser" or "method" with its `value`, so a
# range filtered by one of those reads that value's rows alone (dimension "" has value "").
analytics_title_periods = sa.Table(
    "analytics_title_periods",
    metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("dimension", sa.String(8), nullable=False),
    sa.Column("value", sa.String(16), nullable=False),
    sa.Column("grain", sa.String(1), nullable=False),
    sa.Column("period", sa.Float, nullable=False),
    sa.Column("library_id", sa.Integer, nullable=True),
    sa.Column("title_id", sa.Integer, nullable=True),
    sa.Column("plays", sa.Integer, nullable=False),
    sa.Column("seconds_watched", sa.Float, nullable=False),
    sa.Column("completed", sa.Integer, nullable=False),
)
# Every column, so a range's sums read the index alone.
sa.Index(
    "ix_analytics_title_periods_grain",
    analytics_title_periods.c.dimension,
    analytics_title_periods.c.value,
    analytics_title_periods.c.grain,
    analytics_title_periods.c.period,
    analytics_title_periods.c.title_id,
    analytics_title_periods.c.library_id,
    analytics_title_periods.c.plays,
    analytics_title_periods.c.seconds_watched,
    analytics_title_periods.c.completed,
)

# Who watched on each day on a device, browser or method (as analytics_title_periods names
# them): unique viewers of a long range filtered by one of those.
analytics_viewer_cells = sa.Table(
    "analytics_viewer_cells",
    metadata,
    sa.Column("dimension", sa.String(8), primary_key=True),
    sa.Column("value", sa.String(16), primary_key=True),
    sa.Column("day", sa.Float, primary_key=True),
    sa.Column("library_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("profile_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("plays", sa.Integer, nullable=False),
)

# Plays per hour, library and device, browser or method: the heatmap of a filtered range.
analytics_hour_cells = sa.Table(
    "analytics_hour_cells",
    metadata,
    sa.Column("dimension", sa.String(8), primary_key=True),
    sa.Column("value", sa.String(16), primary_key=True),
    sa.Column("hour", sa.Float, primary_key=True),
    sa.Column("library_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("plays", sa.Integer, nullable=False),
)

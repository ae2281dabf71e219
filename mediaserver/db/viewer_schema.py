"""What a viewer's profile owns: My List, watch progress (history), plays with QoE, preferences;
and the skip markers (intro / credits) of a media file.

Every row belongs to one profile (never read across profiles). Times are UTC epoch seconds.
Every change here needs an Alembic migration.
"""

from __future__ import annotations

import sqlalchemy as sa

from mediaserver.db.metadata import metadata

MARKER_KINDS = ("intro", "credits")

my_list = sa.Table(
    "my_list",
    metadata,
    sa.Column(
        "profile_id",
        sa.Integer,
        sa.ForeignKey("profiles.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "title_id", sa.Integer, sa.ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("added_at", sa.Float, nullable=False),
)
sa.Index("ix_my_list_profile_added", my_list.c.profile_id, my_list.c.added_at)

# One row per (profile, media file) the profile has started: resume position, watched flag, and
# the Watch History (removing a history entry deletes the row).
watch_progress = sa.Table(
    "watch_progress",
    metadata,
    sa.Column(
        "profile_id",
        sa.Integer,
        sa.ForeignKey("profiles.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "media_file_id",
        sa.Integer,
        sa.ForeignKey("media_files.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    # Denormalised from media_files so rows (Continue Watching, Next Up) need no join to find them.
    sa.Column(
        "title_id", sa.Integer, sa.ForeignKey("titles.id", ondelete="CASCADE"), nullable=True
    ),
    sa.Column(
        "episode_id", sa.Integer, sa.ForeignKey("episodes.id", ondelete="CASCADE"), nullable=True
    ),
    sa.Column("position_seconds", sa.Float, nullable=False),
    sa.Column("duration_seconds", sa.Float, nullable=True),
    # True once 95% was watched; position is then kept but "Resume" is no longer offered.
    sa.Column("watched", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("updated_at", sa.Float, nullable=False),
)
sa.Index(
    "ix_watch_progress_profile_updated", watch_progress.c.profile_id, watch_progress.c.updated_at
)
sa.Index("ix_watch_progress_title", watch_progress.c.title_id)

# One row per playback started (a "play"), with the quality-of-experience the player reported.
plays = sa.Table(
    "plays",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column(
        "profile_id", sa.Integer, sa.ForeignKey("profiles.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(
        "media_file_id",
        sa.Integer,
        sa.ForeignKey("media_files.id", ondelete="CASCADE"),
        nullable=False,
    ),
    # ladder | direct | remux | transcode: what the playback decision chose.
    sa.Column("method", sa.String(16), nullable=False),
    sa.Column("client", sa.String(200), nullable=True),
    sa.Column("started_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.Column("ended_at", sa.Float, nullable=True),
    sa.Column("time_to_first_frame_ms", sa.Integer, nullable=True),
    sa.Column("rebuffer_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rebuffer_seconds", sa.Float, nullable=False, server_default="0"),
    sa.Column("rung_switches", sa.Integer, nullable=False, server_default="0"),
    # The rungs played, in order of first use (["720p", "1080p"]).
    sa.Column("rungs", sa.JSON, nullable=False),
    sa.Column("seconds_watched", sa.Float, nullable=False, server_default="0"),
    # The fatal error the player reported, if any (its words, shown escaped, capped in length).
    sa.Column("fatal_error", sa.Text, nullable=True),
    # The latest position the player reported (seconds) and whether it was paused then; raw
    # reports are appended to play_heartbeats (analytics_schema).
    sa.Column("position_seconds", sa.Float, nullable=True),
    sa.Column("paused", sa.Boolean, nullable=False, server_default=sa.false()),
)
sa.Index("ix_plays_updated_at", plays.c.updated_at)
sa.Index("ix_plays_started_at", plays.c.started_at)
sa.Index("ix_plays_media_file", plays.c.media_file_id)
sa.Index("ix_plays_profile_started", plays.c.profile_id, plays.c.started_at)

# Skip Intro / Skip Credits: found from chapter names at scan time, or set by an admin (wins).
media_markers = sa.Table(
    "media_markers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "media_file_id",
        sa.Integer,
        sa.ForeignKey("media_files.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("start_seconds", sa.Float, nullable=False),
    sa.Column("end_seconds", sa.Float, nullable=False),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.UniqueConstraint("media_file_id", "kind", name="uq_media_markers_file_kind"),
    sa.CheckConstraint("kind IN ('intro', 'credits')", name="kind"),
    sa.CheckConstraint("source IN ('chapter', 'admin', 'detected')", name="source"),
    sa.CheckConstraint("end_seconds > start_seconds", name="span"),
)

# Player settings remembered per profile: {"volume", "muted", "subtitle_size",
# "subtitle_background", "subtitle_language", "audio_language", "speed"}.
profile_preferences = sa.Table(
    "profile_preferences",
    metadata,
    sa.Column(
        "profile_id",
        sa.Integer,
        sa.ForeignKey("profiles.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("player", sa.JSON, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)

"""Tables of poster A/B tests and of intro/credits detection, in SQLAlchemy Core (one schema for
SQLite and PostgreSQL)."""

from __future__ import annotations

import sqlalchemy as sa

from mediaserver.db.metadata import metadata


def _fk(target: str) -> sa.ForeignKey:
    return sa.ForeignKey(f"{target}.id", ondelete="CASCADE")


# One row per poster candidate (an images row) that has been shown: its running totals.
artwork_ab_arms = sa.Table(
    "artwork_ab_arms",
    metadata,
    sa.Column("image_id", sa.Integer, _fk("images"), primary_key=True),
    sa.Column("title_id", sa.Integer, _fk("titles"), nullable=False),
    sa.Column("impressions", sa.Integer, nullable=False, server_default="0"),
    sa.Column("plays", sa.Integer, nullable=False, server_default="0"),
    sa.Column("updated_at", sa.Float, nullable=False),
)
sa.Index("ix_artwork_ab_arms_title", artwork_ab_arms.c.title_id)

# A title's test: a pinned candidate (the admin's) or a decided winner (probability best >= the
# threshold) is served to everyone and ends the exploration.
artwork_ab_tests = sa.Table(
    "artwork_ab_tests",
    metadata,
    sa.Column("title_id", sa.Integer, _fk("titles"), primary_key=True),
    sa.Column("pinned_image_id", sa.Integer, sa.ForeignKey("images.id", ondelete="SET NULL")),
    sa.Column("winner_image_id", sa.Integer, sa.ForeignKey("images.id", ondelete="SET NULL")),
    sa.Column("decided_at", sa.Float, nullable=True),
    sa.Column("updated_at", sa.Float, nullable=False),
)

# Which candidate a profile sees for a title, kept for a while so posters do not flicker.
artwork_ab_assignments = sa.Table(
    "artwork_ab_assignments",
    metadata,
    sa.Column("profile_id", sa.Integer, _fk("profiles"), primary_key=True),
    sa.Column("title_id", sa.Integer, _fk("titles"), primary_key=True),
    sa.Column("image_id", sa.Integer, _fk("images"), nullable=False),
    sa.Column("assigned_at", sa.Float, nullable=False),
)

# Impressions already counted, one per page view and title (the dedup key), purged after a day.
artwork_ab_seen = sa.Table(
    "artwork_ab_seen",
    metadata,
    sa.Column("view_id", sa.String(64), primary_key=True),
    sa.Column("title_id", sa.Integer, _fk("titles"), primary_key=True),
    sa.Column("created_at", sa.Float, nullable=False),
)
sa.Index("ix_artwork_ab_seen_created", artwork_ab_seen.c.created_at)

# The last card a profile opened per title, with its candidate: a play that starts soon after
# is credited to that candidate once.
artwork_ab_clicks = sa.Table(
    "artwork_ab_clicks",
    metadata,
    sa.Column("profile_id", sa.Integer, _fk("profiles"), primary_key=True),
    sa.Column("title_id", sa.Integer, _fk("titles"), primary_key=True),
    sa.Column("image_id", sa.Integer, _fk("images"), nullable=False),
    sa.Column("clicked_at", sa.Float, nullable=False),
)

# What intro/credits detection found per episode file, and which kinds an admin corrected
# (locked: detection never writes that kind of marker for the file again).
intro_detections = sa.Table(
    "intro_detections",
    metadata,
    sa.Column("media_file_id", sa.Integer, _fk("media_files"), primary_key=True),
    sa.Column("season_id", sa.Integer, _fk("seasons"), nullable=True),
    sa.Column("intro_start", sa.Float, nullable=True),
    sa.Column("intro_end", sa.Float, nullable=True),
    sa.Column("credits_start", sa.Float, nullable=True),
    sa.Column("credits_end", sa.Float, nullable=True),
    sa.Column("intro_locked", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("credits_locked", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("detected_at", sa.Float, nullable=True),
)
sa.Index("ix_intro_detections_season", intro_detections.c.season_id)

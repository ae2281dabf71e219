"""Clip table: a named range of a media file that a profile cut and shares by link.

Times are UTC epoch seconds; start and end are seconds in the title's timeline. Every change
here needs an Alembic migration.
"""

from __future__ import annotations

import sqlalchemy as sa

from mediaserver.db.metadata import metadata


def _fk(target: str) -> sa.ForeignKey:
    return sa.ForeignKey(f"{target}.id", ondelete="CASCADE")


clips = sa.Table(
    "clips",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # What the link /c/<slug> names: random, so clip links cannot be counted through.
    sa.Column("slug", sa.String(32), nullable=False, unique=True),
    sa.Column("user_id", sa.Integer, _fk("users"), nullable=False),
    sa.Column("profile_id", sa.Integer, _fk("profiles"), nullable=False),
    sa.Column("media_file_id", sa.Integer, _fk("media_files"), nullable=False),
    # The movie or series the file belongs to (listed on that title's page).
    sa.Column("title_id", sa.Integer, _fk("titles"), nullable=True),
    sa.Column("start_seconds", sa.Float, nullable=False),
    sa.Column("end_seconds", sa.Float, nullable=False),
    # As typed (minus invisible direction and zero-width characters); escaped wherever shown.
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("visibility", sa.String(10), nullable=False),  # "users" | "public"
    sa.Column("status", sa.String(10), nullable=False),  # "queued" | "ready" | "failed"
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("storage_prefix", sa.String(200), nullable=True),
    sa.Column("duration_seconds", sa.Float, nullable=True),
    sa.Column("width", sa.Integer, nullable=True),
    sa.Column("height", sa.Integer, nullable=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("ready_at", sa.Float, nullable=True),
)
sa.Index("ix_clips_title", clips.c.title_id, clips.c.id)
sa.Index("ix_clips_profile", clips.c.profile_id, clips.c.id)

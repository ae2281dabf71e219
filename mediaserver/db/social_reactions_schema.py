"""Player reactions and in-player timestamped comments ("moments").

`reaction_seconds` keeps one count per (file, whole second of the title) and is updated in the
same transaction as each reaction, so the strip above the seek bar reads at most one row per
second of runtime however many reactions there are. Times are UTC epoch seconds. Every change
here needs an Alembic migration.
"""

from __future__ import annotations

import sqlalchemy as sa

from mediaserver.db.metadata import metadata


def _fk(target: str) -> sa.ForeignKey:
    return sa.ForeignKey(f"{target}.id", ondelete="CASCADE")


reactions = sa.Table(
    "reactions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("profile_id", sa.Integer, _fk("profiles"), nullable=False),
    sa.Column("media_file_id", sa.Integer, _fk("media_files"), nullable=False),
    # Whole seconds into the title: a profile's repeat of an emoji within one second counts once.
    sa.Column("second", sa.Integer, nullable=False),
    sa.Column("emoji", sa.String(16), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.UniqueConstraint("media_file_id", "second", "profile_id", "emoji", name="uq_reactions_once"),
)
# The per-minute limit counts a profile's latest reactions.
sa.Index("ix_reactions_profile_created", reactions.c.profile_id, reactions.c.created_at)

reaction_seconds = sa.Table(
    "reaction_seconds",
    metadata,
    sa.Column("media_file_id", sa.Integer, _fk("media_files"), primary_key=True),
    sa.Column("second", sa.Integer, primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
)

moments = sa.Table(
    "reaction_moments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, _fk("users"), nullable=False),
    sa.Column("profile_id", sa.Integer, _fk("profiles"), nullable=False),
    sa.Column("media_file_id", sa.Integer, _fk("media_files"), nullable=False),
    sa.Column("position_seconds", sa.Float, nullable=False),
    # As typed (minus invisible direction and zero-width characters); escaped wherever shown.
    sa.Column("text", sa.String(500), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)
sa.Index("ix_reaction_moments_file", moments.c.media_file_id, moments.c.position_seconds)
sa.Index("ix_reaction_moments_profile", moments.c.profile_id, moments.c.created_at)

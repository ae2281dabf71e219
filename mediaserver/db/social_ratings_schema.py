"""Ratings and reviews: each profile's star rating of a title (in half stars), one review per
profile and title with the helpful marks others give it, each title's rating aggregate (what
search and rows sort and filter by, without reaching into the social layer), and whether a
profile's page is public.

Times are UTC epoch seconds. Every change here needs an Alembic migration.
"""

from __future__ import annotations

import sqlalchemy as sa

from mediaserver.db.metadata import metadata


def _fk(target: str) -> sa.ForeignKey:
    return sa.ForeignKey(f"{target}.id", ondelete="CASCADE")


ratings = sa.Table(
    "ratings",
    metadata,
    sa.Column("profile_id", sa.Integer, _fk("profiles"), primary_key=True),
    sa.Column("title_id", sa.Integer, _fk("titles"), primary_key=True),
    sa.Column("user_id", sa.Integer, _fk("users"), nullable=False),
    # Half stars: 1 is half a star, 10 is five stars.
    sa.Column("value", sa.SmallInteger, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.CheckConstraint("value BETWEEN 1 AND 10", name="value_half_stars"),
)
# A title's raters; a profile's ratings newest first (its page, and recommendations later).
sa.Index("ix_ratings_title_id", ratings.c.title_id)
sa.Index("ix_ratings_profile_updated", ratings.c.profile_id, ratings.c.updated_at)

# Kept in step with `ratings` in the same transaction as every change to it.
title_ratings = sa.Table(
    "title_ratings",
    metadata,
    sa.Column("title_id", sa.Integer, _fk("titles"), primary_key=True),
    sa.Column("count", sa.Integer, nullable=False, server_default="0"),
    # Sum of the values in half stars: the average in stars is total / count / 2.
    sa.Column("total", sa.Integer, nullable=False, server_default="0"),
    # How many ratings round up to 1..5 whole stars (half a star counts as one).
    *(sa.Column(f"stars_{n}", sa.Integer, nullable=False, server_default="0") for n in range(1, 6)),
)

reviews = sa.Table(
    "reviews",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("title_id", sa.Integer, _fk("titles"), nullable=False),
    sa.Column("profile_id", sa.Integer, _fk("profiles"), nullable=False),
    sa.Column("user_id", sa.Integer, _fk("users"), nullable=False),
    # Plain text as typed (minus invisible direction and zero-width characters); escaped
    # wherever it is shown.
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("spoiler", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    # Kept in step with review_helpful, so a page sorts by it unjoined.
    sa.Column("helpful_count", sa.Integer, nullable=False, server_default="0"),
    sa.UniqueConstraint("profile_id", "title_id", name="uq_reviews_profile_title"),
)
sa.Index("ix_reviews_title_helpful", reviews.c.title_id, reviews.c.helpful_count, reviews.c.id)
sa.Index("ix_reviews_title_created", reviews.c.title_id, reviews.c.created_at)

review_helpful = sa.Table(
    "review_helpful",
    metadata,
    sa.Column("review_id", sa.Integer, _fk("reviews"), primary_key=True),
    sa.Column("profile_id", sa.Integer, _fk("profiles"), primary_key=True),
    sa.Column("created_at", sa.Float, nullable=False),
)

# A profile's page is seen by its own account; by others only once made public here.
profile_pages = sa.Table(
    "profile_pages",
    metadata,
    sa.Column("profile_id", sa.Integer, _fk("profiles"), primary_key=True),
    sa.Column("public", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("updated_at", sa.Float, nullable=False),
)

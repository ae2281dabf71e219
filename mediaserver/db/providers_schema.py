"""Tables of the providers feature, in SQLAlchemy Core (one schema for SQLite and PostgreSQL):
each title's match, what the providers wrote, cached provider answers, failures, cast photos,
studios and collections. Times are UTC epoch seconds (float)."""

from __future__ import annotations

import sqlalchemy as sa

from mediaserver.db.metadata import metadata

metadata_matches = sa.Table(
    "metadata_matches",
    metadata,
    sa.Column(
        "title_id", sa.Integer, sa.ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True
    ),
    # matched (applied) | to_confirm (waits for an admin) | unmatched | failed
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("provider", sa.String(32), nullable=True),
    sa.Column("provider_id", sa.String(64), nullable=True),
    # How the match was made: id (NFO or folder name), search (title + year) or admin.
    sa.Column("method", sa.String(16), nullable=True),
    sa.Column("confidence", sa.Float, nullable=True),
    sa.Column("candidate_title", sa.String(500), nullable=True),
    sa.Column("candidate_year", sa.Integer, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    # Provider values replace NFO values (an admin's choice on the Identify page).
    sa.Column("prefer_provider", sa.Boolean, nullable=False, server_default=sa.false()),
    # The title's fields as the provider last wrote them: a refresh may update these.
    sa.Column("written", sa.JSON, nullable=False),
    sa.Column("airing", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.Column("next_refresh_at", sa.Float, nullable=True),
    # The image languages the artwork was last asked for, comma-separated ("*": the provider
    # has no languages); a profile choosing another one queues the title again.
    sa.Column("art_languages", sa.String(200), nullable=True),
    sa.CheckConstraint("status IN ('matched', 'to_confirm', 'unmatched', 'failed')", name="status"),
)
sa.Index("ix_metadata_matches_status", metadata_matches.c.status)
sa.Index("ix_metadata_matches_refresh", metadata_matches.c.next_refresh_at)

provider_cache = sa.Table(
    "provider_cache",
    metadata,
    # sha256 of the provider name and the request URL without its key.
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("provider", sa.String(32), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("fetched_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
)
sa.Index("ix_provider_cache_expires", provider_cache.c.expires_at)

provider_failures = sa.Table(
    "provider_failures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("provider", sa.String(32), nullable=False),
    sa.Column(
        "title_id", sa.Integer, sa.ForeignKey("titles.id", ondelete="CASCADE"), nullable=True
    ),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("at", sa.Float, nullable=False),
)
sa.Index("ix_provider_failures_at", provider_failures.c.at)

person_photos = sa.Table(
    "person_photos",
    metadata,
    sa.Column(
        "person_id", sa.Integer, sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    ),
    # Storage key of the stored WebP (a JPEG sits beside it).
    sa.Column("location", sa.Text, nullable=False),
    sa.Column("source_url", sa.Text, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

title_studios = sa.Table(
    "title_studios",
    metadata,
    sa.Column(
        "title_id", sa.Integer, sa.ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
)

title_collections = sa.Table(
    "title_collections",
    metadata,
    sa.Column(
        "title_id", sa.Integer, sa.ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("provider", sa.String(32), nullable=False),
    sa.Column("collection_id", sa.String(64), nullable=False),
    sa.Column("name", sa.String(500), nullable=False),
)
sa.Index("ix_title_collections_collection", title_collections.c.collection_id)

# Where a stored provider image came from, so a refresh does not download it again.
provider_images = sa.Table(
    "provider_images",
    metadata,
    sa.Column(
        "image_id", sa.Integer, sa.ForeignKey("images.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("source_url", sa.Text, nullable=False),
    sa.Column("language", sa.String(12), nullable=True),
)

"""Tables of the tagging feature, in SQLAlchemy Core (one schema for SQLite and PostgreSQL).

`title_tags` holds every tag suggested for a title, by the offline analysis, by Claude or typed by
an admin, with its review status; only accepted ones are shown, searched and used for similarity.
`title_tag_analyses` keeps what the last analysis of a title measured and answered."""

from __future__ import annotations

import sqlalchemy as sa

from mediaserver.db.metadata import metadata

title_tags = sa.Table(
    "title_tags",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "title_id", sa.Integer, sa.ForeignKey("titles.id", ondelete="CASCADE"), nullable=False
    ),
    # Lower-case words joined by hyphens: "slow-burn", "strong-language".
    sa.Column("tag", sa.String(40), nullable=False),
    # mood | theme | style | content (a content note)
    sa.Column("kind", sa.String(16), nullable=False),
    # offline | claude | admin
    sa.Column("source", sa.String(16), nullable=False),
    # suggested | accepted | rejected
    sa.Column("status", sa.String(16), nullable=False, server_default="suggested"),
    # How strongly the analysis suggests it, 0..1 (1 for an admin's own tag).
    sa.Column("score", sa.Float, nullable=False, server_default="0"),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("reviewed_at", sa.Float, nullable=True),
    sa.CheckConstraint("kind IN ('mood', 'theme', 'style', 'content')", name="kind"),
    sa.CheckConstraint("source IN ('offline', 'claude', 'admin')", name="source"),
    sa.CheckConstraint("status IN ('suggested', 'accepted', 'rejected')", name="status"),
    sa.UniqueConstraint("title_id", "tag", name="uq_title_tags_title_tag"),
)
sa.Index("ix_title_tags_tag_status", title_tags.c.tag, title_tags.c.status)
sa.Index("ix_title_tags_status", title_tags.c.status)

title_tag_analyses = sa.Table(
    "title_tag_analyses",
    metadata,
    sa.Column(
        "title_id", sa.Integer, sa.ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column(
        "media_file_id",
        sa.Integer,
        sa.ForeignKey("media_files.id", ondelete="SET NULL"),
        nullable=True,
    ),
    # The measured features (shots per minute, luma, motion, speech share, loudness ...).
    sa.Column("features", sa.JSON, nullable=False),
    # offline | claude: who made the suggestions of the last run.
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("summary", sa.Text, nullable=True),
    sa.Column("suggested_rating", sa.String(16), nullable=True),
    # Why Claude's answer was not used, when it was asked and fell back.
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("seconds", sa.Float, nullable=False),
    sa.Column("analysed_at", sa.Float, nullable=False),
)

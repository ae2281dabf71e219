"""Comment tables: comments (one level of replies) on titles and episodes, likes, reports, and
the moderation switches (comments off per library or per title, users blocked from commenting).

Times are UTC epoch seconds. Every change here needs an Alembic migration.
"""

from __future__ import annotations

import sqlalchemy as sa

from mediaserver.db.metadata import metadata


def _fk(target: str, ondelete: str = "CASCADE") -> sa.ForeignKey:
    return sa.ForeignKey(f"{target}.id", ondelete=ondelete)


comments = sa.Table(
    "comments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("title_id", sa.Integer, _fk("titles"), nullable=False),
    # Set for a comment on one episode of a series; NULL for the title itself.
    sa.Column("episode_id", sa.Integer, _fk("episodes"), nullable=True),
    # A reply's top-level comment (replies go one level deep).
    sa.Column("parent_id", sa.Integer, _fk("comments"), nullable=True),
    sa.Column("user_id", sa.Integer, _fk("users"), nullable=False),
    sa.Column("profile_id", sa.Integer, _fk("profiles"), nullable=False),
    # Plain text as typed (minus invisible direction and zero-width characters); escaped
    # wherever it is shown. Emptied when the comment is deleted.
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("edited_at", sa.Float, nullable=True),
    sa.Column("deleted_at", sa.Float, nullable=True),
    sa.Column("hidden_at", sa.Float, nullable=True),
    # Kept in step with comment_likes and the replies, so a page sorts and shows them unjoined.
    sa.Column("like_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("reply_count", sa.Integer, nullable=False, server_default="0"),
)
# A thread's pages, newest first or by likes: keyset scans of these partial indexes. (A NULL
# test cannot give an index its order on PostgreSQL, so the title-level and episode threads
# each get their own, with the NULL tests in the index predicate.)
_TITLE_TOPS = sa.and_(comments.c.parent_id.is_(None), comments.c.episode_id.is_(None))
_EPISODE_TOPS = sa.and_(comments.c.parent_id.is_(None), comments.c.episode_id.is_not(None))
for _name, _columns, _where in (
    ("ix_comments_title_new", (comments.c.title_id, comments.c.id), _TITLE_TOPS),
    ("ix_comments_title_top", (comments.c.title_id, comments.c.like_count, comments.c.id),
     _TITLE_TOPS),
    ("ix_comments_episode_new", (comments.c.episode_id, comments.c.id), _EPISODE_TOPS),
    ("ix_comments_episode_top", (comments.c.episode_id, comments.c.like_count, comments.c.id),
     _EPISODE_TOPS),
):  # fmt: skip
    sa.Index(_name, *_columns, postgresql_where=_where, sqlite_where=_where)
sa.Index("ix_comments_parent_id", comments.c.parent_id, comments.c.id)
# The per-profile rate limit counts a profile's last minute.
sa.Index("ix_comments_profile_created", comments.c.profile_id, comments.c.created_at)

comment_likes = sa.Table(
    "comment_likes",
    metadata,
    sa.Column("comment_id", sa.Integer, _fk("comments"), primary_key=True),
    sa.Column("profile_id", sa.Integer, _fk("profiles"), primary_key=True),
    sa.Column("created_at", sa.Float, nullable=False),
)

comment_reports = sa.Table(
    "comment_reports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("comment_id", sa.Integer, _fk("comments"), nullable=False),
    sa.Column("profile_id", sa.Integer, _fk("profiles"), nullable=False),
    sa.Column("reason", sa.String(500), nullable=False, server_default=""),
    sa.Column("created_at", sa.Float, nullable=False),
    # Set when an admin dealt with it (hid, deleted or dismissed).
    sa.Column("resolved_at", sa.Float, nullable=True),
    sa.UniqueConstraint("comment_id", "profile_id", name="uq_comment_reports_comment_profile"),
)
sa.Index("ix_comment_reports_open", comment_reports.c.resolved_at, comment_reports.c.comment_id)

# Comments turned off for one library or one title (exactly one of the two is set).
comments_off = sa.Table(
    "comments_off",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("library_id", sa.Integer, _fk("libraries"), nullable=True, unique=True),
    sa.Column("title_id", sa.Integer, _fk("titles"), nullable=True, unique=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.CheckConstraint("(library_id IS NULL) <> (title_id IS NULL)", name="one_subject"),
)

comment_blocks = sa.Table(
    "comment_blocks",
    metadata,
    sa.Column("user_id", sa.Integer, _fk("users"), primary_key=True),
    sa.Column("created_at", sa.Float, nullable=False),
)

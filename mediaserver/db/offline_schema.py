"""Downloads table: each MP4 handed out and each title saved in a browser for offline viewing.

A row is what the account holds at once (counted against "downloads at once"); it stays while
the download is valid and is checked again at every check-in. Times are UTC epoch seconds.
Every change here needs an Alembic migration.
"""

from __future__ import annotations

import sqlalchemy as sa

from mediaserver.db.metadata import metadata


def _fk(target: str) -> sa.ForeignKey:
    return sa.ForeignKey(f"{target}.id", ondelete="CASCADE")


offline_downloads = sa.Table(
    "offline_downloads",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, _fk("users"), nullable=False),
    sa.Column("profile_id", sa.Integer, _fk("profiles"), nullable=False),
    sa.Column("media_file_id", sa.Integer, _fk("media_files"), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),  # "file" | "browser"
    sa.Column("rung", sa.String(32), nullable=False),  # the ladder's video folder
    sa.Column("height", sa.Integer, nullable=False),
    sa.Column("audio", sa.String(64), nullable=True),  # the ladder's audio folder, or none
    sa.Column("subtitles", sa.JSON, nullable=False),  # the ladder's subtitle folders
    sa.Column("size", sa.BigInteger, nullable=True),  # bytes of the MP4, once laid out
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("checked_in_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),  # the next check-in is due by then
    sa.Column("revoked_at", sa.Float, nullable=True),
    sa.Column("revoked_reason", sa.String(200), nullable=True),
)
sa.Index("ix_offline_downloads_user", offline_downloads.c.user_id, offline_downloads.c.id)
sa.Index("ix_offline_downloads_created", offline_downloads.c.created_at)

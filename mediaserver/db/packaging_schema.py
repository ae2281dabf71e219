"""Packaging tables: one `ladders` row per media file that has (or is getting) an ABR ladder.

The ladder itself lives in storage under "ladders/<media_file_id>/" (published in one step); the
row says what is there. Times are UTC epoch seconds. Every change here needs an Alembic migration.
"""

from __future__ import annotations

import sqlalchemy as sa

from mediaserver.db.metadata import metadata

ladders = sa.Table(
    "ladders",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "media_file_id",
        sa.Integer,
        sa.ForeignKey("media_files.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    # queued | running | ready | failed. A re-package keeps serving the old ladder (status stays
    # "ready" with the old contents until the new one is published in one step).
    sa.Column("status", sa.String(16), nullable=False),
    # The "media.package" job that made (or is making) it; jobs are purged, so no foreign key.
    sa.Column("job_id", sa.Integer, nullable=True),
    # Why it failed, in words a person can act on.
    sa.Column("error", sa.Text, nullable=True),
    # Storage prefix of the published ladder ("ladders/42"); NULL until first published.
    sa.Column("storage_prefix", sa.String(200), nullable=True),
    # [{"name": "720p", "width", "height", "bandwidth", "average_bandwidth", "codecs", ...}]
    sa.Column("rungs", sa.JSON, nullable=False),
    # [{"index", "language", "name", "channels", "codecs", "default"}]
    sa.Column("audio", sa.JSON, nullable=False),
    # [{"language", "name", "forced", "default", "source", "key" | null, "burn_in_only": bool}]
    sa.Column("subtitles", sa.JSON, nullable=False),
    # [{"key", "time", "score", "width", "height", "webp", "jpeg"}], best first
    sa.Column("posters", sa.JSON, nullable=False),
    # Storage key of the automatically chosen poster candidate.
    sa.Column("poster_key", sa.String(300), nullable=True),
    # {"vtt": key, "sheets": [keys], "interval", "tile_width", "tile_height", "columns", "rows"}
    sa.Column("trickplay", sa.JSON, nullable=True),
    sa.Column("duration_seconds", sa.Float, nullable=True),
    # The video encoder that made it ("libx264", "h264_nvenc").
    sa.Column("encoder", sa.String(32), nullable=True),
    # Size and mtime of the source the ladder was made from: a changed file needs a new one.
    sa.Column("source_size", sa.BigInteger, nullable=True),
    sa.Column("source_mtime", sa.Float, nullable=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.Column("published_at", sa.Float, nullable=True),
    sa.CheckConstraint("status IN ('queued', 'running', 'ready', 'failed')", name="status"),
)
sa.Index("ix_ladders_status", ladders.c.status)

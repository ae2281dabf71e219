"""ladders (packaging)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 03:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ladders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("media_file_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("storage_prefix", sa.String(length=200), nullable=True),
        sa.Column("rungs", sa.JSON(), nullable=False),
        sa.Column("audio", sa.JSON(), nullable=False),
        sa.Column("subtitles", sa.JSON(), nullable=False),
        sa.Column("posters", sa.JSON(), nullable=False),
        sa.Column("poster_key", sa.String(length=300), nullable=True),
        sa.Column("trickplay", sa.JSON(), nullable=True),
        sa.Column("duration_seconds", sa.Float(), nullable=True),
        sa.Column("encoder", sa.String(length=32), nullable=True),
        sa.Column("source_size", sa.BigInteger(), nullable=True),
        sa.Column("source_mtime", sa.Float(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.Column("published_at", sa.Float(), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'ready', 'failed')", name=op.f("ck_ladders_status")
        ),
        sa.ForeignKeyConstraint(
            ["media_file_id"],
            ["media_files.id"],
            name=op.f("fk_ladders_media_file_id_media_files"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ladders")),
        sa.UniqueConstraint("media_file_id", name=op.f("uq_ladders_media_file_id")),
    )
    with op.batch_alter_table("ladders", schema=None) as batch_op:
        batch_op.create_index("ix_ladders_status", ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ladders", schema=None) as batch_op:
        batch_op.drop_index("ix_ladders_status")
    op.drop_table("ladders")

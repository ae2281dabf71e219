"""tags: suggested and accepted title tags, and each title's last analysis

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 00:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "title_tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="suggested", nullable=False),
        sa.Column("score", sa.Float(), server_default="0", nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("reviewed_at", sa.Float(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('mood', 'theme', 'style', 'content')", name=op.f("ck_title_tags_kind")
        ),
        sa.CheckConstraint(
            "source IN ('offline', 'claude', 'admin')", name=op.f("ck_title_tags_source")
        ),
        sa.CheckConstraint(
            "status IN ('suggested', 'accepted', 'rejected')", name=op.f("ck_title_tags_status")
        ),
        sa.ForeignKeyConstraint(
            ["title_id"], ["titles.id"], name=op.f("fk_title_tags_title_id_titles"),
            ondelete="CASCADE",
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name=op.f("pk_title_tags")),
        sa.UniqueConstraint("title_id", "tag", name=op.f("uq_title_tags_title_tag")),
    )
    with op.batch_alter_table("title_tags", schema=None) as batch_op:
        batch_op.create_index("ix_title_tags_tag_status", ["tag", "status"], unique=False)
        batch_op.create_index("ix_title_tags_status", ["status"], unique=False)

    op.create_table(
        "title_tag_analyses",
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("media_file_id", sa.Integer(), nullable=True),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("suggested_rating", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("analysed_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["title_id"], ["titles.id"], name=op.f("fk_title_tag_analyses_title_id_titles"),
            ondelete="CASCADE",
        ),  # fmt: skip
        sa.ForeignKeyConstraint(
            ["media_file_id"], ["media_files.id"],
            name=op.f("fk_title_tag_analyses_media_file_id_media_files"), ondelete="SET NULL",
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("title_id", name=op.f("pk_title_tag_analyses")),
    )


def downgrade() -> None:
    op.drop_table("title_tag_analyses")
    with op.batch_alter_table("title_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_title_tags_status")
        batch_op.drop_index("ix_title_tags_tag_status")
    op.drop_table("title_tags")

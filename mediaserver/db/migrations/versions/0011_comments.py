"""comments, replies, likes, reports and comment moderation

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 20:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("edited_at", sa.Float(), nullable=True),
        sa.Column("deleted_at", sa.Float(), nullable=True),
        sa.Column("hidden_at", sa.Float(), nullable=True),
        sa.Column("like_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("reply_count", sa.Integer(), server_default="0", nullable=False),
        _fk("comments", "title_id", "titles"),
        _fk("comments", "episode_id", "episodes"),
        _fk("comments", "parent_id", "comments"),
        _fk("comments", "user_id", "users"),
        _fk("comments", "profile_id", "profiles"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    title_tops = sa.text("parent_id IS NULL AND episode_id IS NULL")
    episode_tops = sa.text("parent_id IS NULL AND episode_id IS NOT NULL")
    for name, columns, where in (
        ("ix_comments_title_new", ["title_id", "id"], title_tops),
        ("ix_comments_title_top", ["title_id", "like_count", "id"], title_tops),
        ("ix_comments_episode_new", ["episode_id", "id"], episode_tops),
        ("ix_comments_episode_top", ["episode_id", "like_count", "id"], episode_tops),
    ):
        op.create_index(name, "comments", columns, postgresql_where=where, sqlite_where=where)
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index("ix_comments_parent_id", ["parent_id", "id"], unique=False)
        batch_op.create_index(
            "ix_comments_profile_created", ["profile_id", "created_at"], unique=False
        )

    op.create_table(
        "comment_likes",
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        _fk("comment_likes", "comment_id", "comments"),
        _fk("comment_likes", "profile_id", "profiles"),
        sa.PrimaryKeyConstraint("comment_id", "profile_id", name=op.f("pk_comment_likes")),
    )

    op.create_table(
        "comment_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), server_default="", nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("resolved_at", sa.Float(), nullable=True),
        _fk("comment_reports", "comment_id", "comments"),
        _fk("comment_reports", "profile_id", "profiles"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_reports")),
        sa.UniqueConstraint("comment_id", "profile_id", name="uq_comment_reports_comment_profile"),
    )
    with op.batch_alter_table("comment_reports", schema=None) as batch_op:
        batch_op.create_index(
            "ix_comment_reports_open", ["resolved_at", "comment_id"], unique=False
        )

    op.create_table(
        "comments_off",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("library_id", sa.Integer(), nullable=True),
        sa.Column("title_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.CheckConstraint(
            "(library_id IS NULL) <> (title_id IS NULL)", name=op.f("ck_comments_off_one_subject")
        ),
        _fk("comments_off", "library_id", "libraries"),
        _fk("comments_off", "title_id", "titles"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments_off")),
        sa.UniqueConstraint("library_id", name=op.f("uq_comments_off_library_id")),
        sa.UniqueConstraint("title_id", name=op.f("uq_comments_off_title_id")),
    )

    op.create_table(
        "comment_blocks",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        _fk("comment_blocks", "user_id", "users"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_comment_blocks")),
    )


def downgrade() -> None:
    op.drop_table("comment_blocks")
    op.drop_table("comments_off")
    with op.batch_alter_table("comment_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_comment_reports_open")
    op.drop_table("comment_reports")
    op.drop_table("comment_likes")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        for name in (
            "ix_comments_profile_created",
            "ix_comments_parent_id",
            "ix_comments_episode_top",
            "ix_comments_episode_new",
            "ix_comments_title_top",
            "ix_comments_title_new",
        ):
            batch_op.drop_index(name)
    op.drop_table("comments")

"""viewer: my list, progress, plays, markers, preferences

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 22:27:40.789024
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "my_list",
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profiles.id"],
            name=op.f("fk_my_list_profile_id_profiles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["title_id"], ["titles.id"], name=op.f("fk_my_list_title_id_titles"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("profile_id", "title_id", name=op.f("pk_my_list")),
    )
    with op.batch_alter_table("my_list", schema=None) as batch_op:
        batch_op.create_index("ix_my_list_profile_added", ["profile_id", "added_at"], unique=False)

    op.create_table(
        "profile_preferences",
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("player", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profiles.id"],
            name=op.f("fk_profile_preferences_profile_id_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("profile_id", name=op.f("pk_profile_preferences")),
    )
    op.create_table(
        "media_markers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("media_file_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("start_seconds", sa.Float(), nullable=False),
        sa.Column("end_seconds", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.CheckConstraint("kind IN ('intro', 'credits')", name=op.f("ck_media_markers_kind")),
        sa.CheckConstraint("source IN ('chapter', 'admin')", name=op.f("ck_media_markers_source")),
        sa.CheckConstraint("end_seconds > start_seconds", name=op.f("ck_media_markers_span")),
        sa.ForeignKeyConstraint(
            ["media_file_id"],
            ["media_files.id"],
            name=op.f("fk_media_markers_media_file_id_media_files"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_markers")),
        sa.UniqueConstraint("media_file_id", "kind", name="uq_media_markers_file_kind"),
    )
    op.create_table(
        "plays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("media_file_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("client", sa.String(length=200), nullable=True),
        sa.Column("started_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.Column("ended_at", sa.Float(), nullable=True),
        sa.Column("time_to_first_frame_ms", sa.Integer(), nullable=True),
        sa.Column("rebuffer_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rebuffer_seconds", sa.Float(), server_default="0", nullable=False),
        sa.Column("rung_switches", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rungs", sa.JSON(), nullable=False),
        sa.Column("seconds_watched", sa.Float(), server_default="0", nullable=False),
        sa.Column("fatal_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["media_file_id"],
            ["media_files.id"],
            name=op.f("fk_plays_media_file_id_media_files"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profiles.id"],
            name=op.f("fk_plays_profile_id_profiles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_plays_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plays")),
    )
    with op.batch_alter_table("plays", schema=None) as batch_op:
        batch_op.create_index("ix_plays_media_file", ["media_file_id"], unique=False)
        batch_op.create_index(
            "ix_plays_profile_started", ["profile_id", "started_at"], unique=False
        )

    op.create_table(
        "watch_progress",
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("media_file_id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=True),
        sa.Column("episode_id", sa.Integer(), nullable=True),
        sa.Column("position_seconds", sa.Float(), nullable=False),
        sa.Column("duration_seconds", sa.Float(), nullable=True),
        sa.Column("watched", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episodes.id"],
            name=op.f("fk_watch_progress_episode_id_episodes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["media_file_id"],
            ["media_files.id"],
            name=op.f("fk_watch_progress_media_file_id_media_files"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profiles.id"],
            name=op.f("fk_watch_progress_profile_id_profiles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["title_id"],
            ["titles.id"],
            name=op.f("fk_watch_progress_title_id_titles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("profile_id", "media_file_id", name=op.f("pk_watch_progress")),
    )
    with op.batch_alter_table("watch_progress", schema=None) as batch_op:
        batch_op.create_index(
            "ix_watch_progress_profile_updated", ["profile_id", "updated_at"], unique=False
        )
        batch_op.create_index("ix_watch_progress_title", ["title_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("watch_progress", schema=None) as batch_op:
        batch_op.drop_index("ix_watch_progress_title")
        batch_op.drop_index("ix_watch_progress_profile_updated")

    op.drop_table("watch_progress")
    with op.batch_alter_table("plays", schema=None) as batch_op:
        batch_op.drop_index("ix_plays_profile_started")
        batch_op.drop_index("ix_plays_media_file")

    op.drop_table("plays")
    op.drop_table("media_markers")
    op.drop_table("profile_preferences")
    with op.batch_alter_table("my_list", schema=None) as batch_op:
        batch_op.drop_index("ix_my_list_profile_added")

    op.drop_table("my_list")

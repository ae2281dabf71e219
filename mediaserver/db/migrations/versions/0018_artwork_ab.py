"""poster A/B tests, intro/credits detection, and "detected" skip markers

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 00:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _set_marker_sources(sources: str) -> None:
    with op.batch_alter_table("media_markers", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_media_markers_source"), type_="check")
        batch_op.create_check_constraint("source", f"source IN ({sources})")


def upgrade() -> None:
    op.create_table(
        "artwork_ab_arms",
        sa.Column("image_id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("impressions", sa.Integer(), server_default="0", nullable=False),
        sa.Column("plays", sa.Integer(), server_default="0", nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        _fk("artwork_ab_arms", "image_id", "images"),
        _fk("artwork_ab_arms", "title_id", "titles"),
        sa.PrimaryKeyConstraint("image_id", name=op.f("pk_artwork_ab_arms")),
    )
    with op.batch_alter_table("artwork_ab_arms", schema=None) as batch_op:
        batch_op.create_index("ix_artwork_ab_arms_title", ["title_id"], unique=False)
    op.create_table(
        "artwork_ab_tests",
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("pinned_image_id", sa.Integer(), nullable=True),
        sa.Column("winner_image_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.Float(), nullable=True),
        sa.Column("updated_at", sa.Float(), nullable=False),
        _fk("artwork_ab_tests", "title_id", "titles"),
        _fk("artwork_ab_tests", "pinned_image_id", "images", "SET NULL"),
        _fk("artwork_ab_tests", "winner_image_id", "images", "SET NULL"),
        sa.PrimaryKeyConstraint("title_id", name=op.f("pk_artwork_ab_tests")),
    )
    op.create_table(
        "artwork_ab_assignments",
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("image_id", sa.Integer(), nullable=False),
        sa.Column("assigned_at", sa.Float(), nullable=False),
        _fk("artwork_ab_assignments", "profile_id", "profiles"),
        _fk("artwork_ab_assignments", "title_id", "titles"),
        _fk("artwork_ab_assignments", "image_id", "images"),
        sa.PrimaryKeyConstraint("profile_id", "title_id", name=op.f("pk_artwork_ab_assignments")),
    )
    op.create_table(
        "artwork_ab_seen",
        sa.Column("view_id", sa.String(length=64), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        _fk("artwork_ab_seen", "title_id", "titles"),
        sa.PrimaryKeyConstraint("view_id", "title_id", name=op.f("pk_artwork_ab_seen")),
    )
    with op.batch_alter_table("artwork_ab_seen", schema=None) as batch_op:
        batch_op.create_index("ix_artwork_ab_seen_created", ["created_at"], unique=False)
    op.create_table(
        "artwork_ab_clicks",
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("image_id", sa.Integer(), nullable=False),
        sa.Column("clicked_at", sa.Float(), nullable=False),
        _fk("artwork_ab_clicks", "profile_id", "profiles"),
        _fk("artwork_ab_clicks", "title_id", "titles"),
        _fk("artwork_ab_clicks", "image_id", "images"),
        sa.PrimaryKeyConstraint("profile_id", "title_id", name=op.f("pk_artwork_ab_clicks")),
    )
    op.create_table(
        "intro_detections",
        sa.Column("media_file_id", sa.Integer(), nullable=False),
        sa.Column("season_id", sa.Integer(), nullable=True),
        sa.Column("intro_start", sa.Float(), nullable=True),
        sa.Column("intro_end", sa.Float(), nullable=True),
        sa.Column("credits_start", sa.Float(), nullable=True),
        sa.Column("credits_end", sa.Float(), nullable=True),
        sa.Column("intro_locked", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("credits_locked", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("detected_at", sa.Float(), nullable=True),
        _fk("intro_detections", "media_file_id", "media_files"),
        _fk("intro_detections", "season_id", "seasons"),
        sa.PrimaryKeyConstraint("media_file_id", name=op.f("pk_intro_detections")),
    )
    with op.batch_alter_table("intro_detections", schema=None) as batch_op:
        batch_op.create_index("ix_intro_detections_season", ["season_id"], unique=False)
    _set_marker_sources("'chapter', 'admin', 'detected'")


def downgrade() -> None:
    op.execute("DELETE FROM media_markers WHERE source = 'detected'")
    _set_marker_sources("'chapter', 'admin'")
    op.drop_table("intro_detections")
    op.drop_table("artwork_ab_clicks")
    op.drop_table("artwork_ab_seen")
    op.drop_table("artwork_ab_assignments")
    op.drop_table("artwork_ab_tests")
    op.drop_table("artwork_ab_arms")

"""analytics rollups more: periods (day, week, month) per file and per rung, viewers per day,
plays per hour, binge sessions

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 00:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "analytics_file_periods",
        sa.Column("id", BigId, nullable=False),
        sa.Column("grain", sa.String(length=1), nullable=False),
        sa.Column("period", sa.Float(), nullable=False),
        sa.Column("library_id", sa.Integer(), nullable=True),
        sa.Column("title_id", sa.Integer(), nullable=True),
        sa.Column("media_file_id", sa.Integer(), nullable=False),
        sa.Column("plays", sa.Integer(), nullable=False),
        sa.Column("seconds_watched", sa.Float(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_file_periods")),
    )
    op.create_index(
        "ix_analytics_file_periods_grain",
        "analytics_file_periods",
        ["grain", "period", "title_id", "media_file_id", "library_id", "plays",
         "seconds_watched", "completed"],
    )  # fmt: skip
    op.create_table(
        "analytics_rung_periods",
        sa.Column("id", BigId, nullable=False),
        sa.Column("grain", sa.String(length=1), nullable=False),
        sa.Column("period", sa.Float(), nullable=False),
        sa.Column("media_file_id", sa.Integer(), nullable=False),
        sa.Column("rung", sa.String(length=32), nullable=False),
        sa.Column("plays", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_rung_periods")),
    )
    op.create_index(
        "ix_analytics_rung_periods_grain", "analytics_rung_periods", ["grain", "period"]
    )
    op.create_table(
        "analytics_viewer_days",
        sa.Column("day", sa.Float(), nullable=False),
        sa.Column("library_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("profile_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("plays", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "library_id", "profile_id", name=op.f("pk_analytics_viewer_days")
        ),
    )
    op.create_table(
        "analytics_hours",
        sa.Column("hour", sa.Float(), nullable=False),
        sa.Column("library_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("plays", sa.Integer(), nullable=False),
        sa.Column("seconds_watched", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("hour", "library_id", name=op.f("pk_analytics_hours")),
    )
    op.create_table(
        "analytics_binges",
        sa.Column("id", BigId, nullable=False),
        sa.Column("day", sa.Float(), nullable=False),
        sa.Column("start", sa.Float(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("episodes", sa.Integer(), nullable=False),
        sa.Column("seconds_watched", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_binges")),
    )
    op.create_index("ix_analytics_binges_day", "analytics_binges", ["day"])
    # Existing history is rolled into the new tables by the next rollup: every day with plays
    # is due again.
    op.execute("DELETE FROM analytics_state WHERE name = 'plays_updated_at'")


def downgrade() -> None:
    op.drop_index("ix_analytics_binges_day", table_name="analytics_binges")
    op.drop_table("analytics_binges")
    op.drop_table("analytics_hours")
    op.drop_table("analytics_viewer_days")
    op.drop_index("ix_analytics_rung_periods_grain", table_name="analytics_rung_periods")
    op.drop_table("analytics_rung_periods")
    op.drop_index("ix_analytics_file_periods_grain", table_name="analytics_file_periods")
    op.drop_table("analytics_file_periods")

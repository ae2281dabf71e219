"""analytics events and hourly/daily rollups

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 20:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _dimensions() -> list[sa.Column]:
    return [
        sa.Column("library_id", sa.Integer(), nullable=True),
        sa.Column("title_id", sa.Integer(), nullable=True),
        sa.Column("media_file_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("device", sa.String(length=16), nullable=False),
        sa.Column("browser", sa.String(length=16), nullable=False),
    ]


def _measures() -> list[sa.Column]:
    return [
        sa.Column("plays", sa.Integer(), nullable=False),
        sa.Column("seconds_watched", sa.Float(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("ttff_count", sa.Integer(), nullable=False),
        sa.Column("ttff_ms_sum", sa.Float(), nullable=False),
        sa.Column("rebuffer_seconds", sa.Float(), nullable=False),
        sa.Column("rung_switches", sa.Integer(), nullable=False),
        sa.Column("fatal_errors", sa.Integer(), nullable=False),
    ]


def _cells() -> list[sa.Column]:
    return [
        sa.Column("library_id", sa.Integer(), nullable=True),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("device", sa.String(length=16), nullable=False),
        sa.Column("browser", sa.String(length=16), nullable=False),
    ]


def upgrade() -> None:
    with op.batch_alter_table("plays", schema=None) as batch_op:
        batch_op.add_column(sa.Column("position_seconds", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("paused", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_index("ix_plays_updated_at", ["updated_at"], unique=False)
        batch_op.create_index("ix_plays_started_at", ["started_at"], unique=False)

    op.create_table(
        "play_heartbeats",
        sa.Column("id", BigId, nullable=False),
        sa.Column("play_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("position_seconds", sa.Float(), nullable=False),
        sa.Column("paused", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["play_id"],
            ["plays.id"],
            name=op.f("fk_play_heartbeats_play_id_plays"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_play_heartbeats")),
    )
    op.create_index("ix_play_heartbeats_play_id", "play_heartbeats", ["play_id"])
    op.create_index("ix_play_heartbeats_at", "play_heartbeats", ["at"])

    op.create_table(
        "analytics_hourly",
        sa.Column("id", BigId, nullable=False),
        sa.Column("hour", sa.Float(), nullable=False),
        *_dimensions(),
        *_measures(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_hourly")),
    )
    op.create_index("ix_analytics_hourly_hour", "analytics_hourly", ["hour"])
    for column in ("title_id", "user_id", "profile_id"):
        op.create_index(f"ix_analytics_hourly_{column}", "analytics_hourly", [column, "hour"])

    op.create_table(
        "analytics_daily",
        sa.Column("id", BigId, nullable=False),
        sa.Column("day", sa.Float(), nullable=False),
        *_cells(),
        sa.Column("viewers", sa.Integer(), nullable=False),
        *_measures(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_daily")),
    )
    op.create_index("ix_analytics_daily_day", "analytics_daily", ["day"])

    op.create_table(
        "analytics_ttff_daily",
        sa.Column("id", BigId, nullable=False),
        sa.Column("day", sa.Float(), nullable=False),
        *_cells(),
        sa.Column("bucket_ms", sa.Integer(), nullable=False),
        sa.Column("plays", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_ttff_daily")),
    )
    op.create_index("ix_analytics_ttff_daily_day", "analytics_ttff_daily", ["day"])

    op.create_table(
        "analytics_reach",
        sa.Column("play_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Float(), nullable=False),
        sa.Column("media_file_id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("max_position", sa.Float(), nullable=False),
        sa.Column("heartbeats", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("play_id", name=op.f("pk_analytics_reach")),
    )
    op.create_index("ix_analytics_reach_media_file_id", "analytics_reach", ["media_file_id", "day"])

    op.create_table(
        "analytics_positions",
        sa.Column("day", sa.Float(), nullable=False),
        sa.Column("media_file_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("bucket", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("heartbeats", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "media_file_id", "bucket", name=op.f("pk_analytics_positions")
        ),
    )
    op.create_index(
        "ix_analytics_positions_media_file_id", "analytics_positions", ["media_file_id", "day"]
    )

    op.create_table(
        "analytics_rungs",
        sa.Column("day", sa.Float(), nullable=False),
        sa.Column("media_file_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("rung", sa.String(length=32), nullable=False),
        sa.Column("plays", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "media_file_id", "rung", name=op.f("pk_analytics_rungs")),
    )

    op.create_table(
        "analytics_state",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_analytics_state")),
    )


def downgrade() -> None:
    op.drop_table("analytics_state")
    op.drop_table("analytics_rungs")
    op.drop_index("ix_analytics_positions_media_file_id", table_name="analytics_positions")
    op.drop_table("analytics_positions")
    op.drop_index("ix_analytics_reach_media_file_id", table_name="analytics_reach")
    op.drop_table("analytics_reach")
    op.drop_index("ix_analytics_ttff_daily_day", table_name="analytics_ttff_daily")
    op.drop_table("analytics_ttff_daily")
    op.drop_index("ix_analytics_daily_day", table_name="analytics_daily")
    op.drop_table("analytics_daily")
    for column in ("profile_id", "user_id", "title_id"):
        op.drop_index(f"ix_analytics_hourly_{column}", table_name="analytics_hourly")
    op.drop_index("ix_analytics_hourly_hour", table_name="analytics_hourly")
    op.drop_table("analytics_hourly")
    op.drop_index("ix_play_heartbeats_at", table_name="play_heartbeats")
    op.drop_index("ix_play_heartbeats_play_id", table_name="play_heartbeats")
    op.drop_table("play_heartbeats")
    with op.batch_alter_table("plays", schema=None) as batch_op:
        batch_op.drop_index("ix_plays_started_at")
        batch_op.drop_index("ix_plays_updated_at")
        batch_op.drop_column("paused")
        batch_op.drop_column("position_seconds")

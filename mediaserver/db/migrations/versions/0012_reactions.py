"""timestamped reactions, their per-second counts, and in-player moments

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 20:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "reactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("media_file_id", sa.Integer(), nullable=False),
        sa.Column("second", sa.Integer(), nullable=False),
        sa.Column("emoji", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        _fk("reactions", "profile_id", "profiles"),
        _fk("reactions", "media_file_id", "media_files"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reactions")),
        sa.UniqueConstraint(
            "media_file_id", "second", "profile_id", "emoji", name="uq_reactions_once"
        ),
    )
    with op.batch_alter_table("reactions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reactions_profile_created", ["profile_id", "created_at"], unique=False
        )
    op.create_table(
        "reaction_seconds",
        sa.Column("media_file_id", sa.Integer(), nullable=False),
        sa.Column("second", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        _fk("reaction_seconds", "media_file_id", "media_files"),
        sa.PrimaryKeyConstraint("media_file_id", "second", name=op.f("pk_reaction_seconds")),
    )
    op.create_table(
        "reaction_moments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("media_file_id", sa.Integer(), nullable=False),
        sa.Column("position_seconds", sa.Float(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        _fk("reaction_moments", "user_id", "users"),
        _fk("reaction_moments", "profile_id", "profiles"),
        _fk("reaction_moments", "media_file_id", "media_files"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reaction_moments")),
    )
    with op.batch_alter_table("reaction_moments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reaction_moments_file", ["media_file_id", "position_seconds"], unique=False
        )
        batch_op.create_index(
            "ix_reaction_moments_profile", ["profile_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("reaction_moments", schema=None) as batch_op:
        batch_op.drop_index("ix_reaction_moments_profile")
        batch_op.drop_index("ix_reaction_moments_file")
    op.drop_table("reaction_moments")
    op.drop_table("reaction_seconds")
    with op.batch_alter_table("reactions", schema=None) as batch_op:
        batch_op.drop_index("ix_reactions_profile_created")
    op.drop_table("reactions")

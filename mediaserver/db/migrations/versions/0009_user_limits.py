"""per-user limits (libraries, quality, streams, downloads)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 20:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_limits",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("all_libraries", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("max_height", sa.Integer(), nullable=True),
        sa.Column("max_streams", sa.Integer(), nullable=True),
        sa.Column("may_download", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_limits_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_limits")),
    )
    op.create_table(
        "user_library_access",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("library_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["library_id"],
            ["libraries.id"],
            name=op.f("fk_user_library_access_library_id_libraries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_library_access_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "library_id", name="pk_user_library_access"),
    )


def downgrade() -> None:
    op.drop_table("user_library_access")
    op.drop_table("user_limits")

"""offline downloads

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 00:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def _fk(column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_offline_downloads_{column}_{target}"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "offline_downloads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("media_file_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("rung", sa.String(length=32), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("audio", sa.String(length=64), nullable=True),
        sa.Column("subtitles", sa.JSON(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("checked_in_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.Column("revoked_at", sa.Float(), nullable=True),
        sa.Column("revoked_reason", sa.String(length=200), nullable=True),
        _fk("user_id", "users"),
        _fk("profile_id", "profiles"),
        _fk("media_file_id", "media_files"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offline_downloads")),
    )
    with op.batch_alter_table("offline_downloads", schema=None) as batch_op:
        batch_op.create_index("ix_offline_downloads_user", ["user_id", "id"], unique=False)
        batch_op.create_index("ix_offline_downloads_created", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("offline_downloads", schema=None) as batch_op:
        batch_op.drop_index("ix_offline_downloads_created")
        batch_op.drop_index("ix_offline_downloads_user")
    op.drop_table("offline_downloads")

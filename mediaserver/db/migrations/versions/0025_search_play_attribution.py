"""recommend: searches that led to a play

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05 03:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

TABLE = "search_play_attribution"


def _fk(column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{TABLE}_{column}_{target}"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("query", sa.String(length=200), nullable=False),
        sa.Column("opened_at", sa.Float(), nullable=False),
        sa.Column("played_at", sa.Float(), nullable=True),
        _fk("profile_id", "profiles"),
        _fk("title_id", "titles"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{TABLE}")),
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index(
            "ix_search_play_attribution_profile_title", ["profile_id", "title_id"], unique=False
        )
        batch_op.create_index("ix_search_play_attribution_opened_at", ["opened_at"], unique=False)


def downgrade() -> None:
    op.drop_table(TABLE)

"""recommendations

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 00:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete="CASCADE"
    )


def _profile_titles(name: str) -> None:
    op.create_table(
        name,
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        _fk(name, "profile_id", "profiles"),
        _fk(name, "title_id", "titles"),
        sa.PrimaryKeyConstraint("profile_id", "title_id", name=op.f(f"pk_{name}")),
    )


def upgrade() -> None:
    _profile_titles("reco_not_interested")
    _profile_titles("reco_liked")
    op.create_table(
        "reco_picks",
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("list", sa.String(length=8), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("because_title_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("list IN ('top', 'new')", name=op.f("ck_reco_picks_list")),
        _fk("reco_picks", "profile_id", "profiles"),
        _fk("reco_picks", "title_id", "titles"),
        _fk("reco_picks", "because_title_id", "titles"),
        sa.PrimaryKeyConstraint("profile_id", "list", "rank", name=op.f("pk_reco_picks")),
    )
    op.create_table(
        "reco_similar",
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        _fk("reco_similar", "title_id", "titles"),
        _fk("reco_similar", "other_id", "titles"),
        sa.PrimaryKeyConstraint("title_id", "rank", name=op.f("pk_reco_similar")),
    )
    op.create_table(
        "reco_trending",
        sa.Column("rank", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        _fk("reco_trending", "title_id", "titles"),
        sa.PrimaryKeyConstraint("rank", name=op.f("pk_reco_trending")),
    )
    op.create_table(
        "reco_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finished_at", sa.Float(), nullable=False),
        sa.Column("profiles", sa.Integer(), nullable=False),
        sa.Column("titles", sa.Integer(), nullable=False),
        sa.Column("interactions", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reco_runs")),
    )
    with op.batch_alter_table("reco_runs", schema=None) as batch_op:
        batch_op.create_index("ix_reco_runs_finished_at", ["finished_at"], unique=False)


def downgrade() -> None:
    for name in (
        "reco_runs",
        "reco_trending",
        "reco_similar",
        "reco_picks",
        "reco_liked",
        "reco_not_interested",
    ):
        op.drop_table(name)

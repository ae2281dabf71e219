"""ratings, reviews and helpful marks

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 20:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete="CASCADE"
    )


def _count(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), server_default="0", nullable=False)


def upgrade() -> None:
    op.create_table(
        "ratings",
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.SmallInteger(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.CheckConstraint("value BETWEEN 1 AND 10", name=op.f("ck_ratings_value_half_stars")),
        _fk("ratings", "profile_id", "profiles"),
        _fk("ratings", "title_id", "titles"),
        _fk("ratings", "user_id", "users"),
        sa.PrimaryKeyConstraint("profile_id", "title_id", name=op.f("pk_ratings")),
    )
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.create_index("ix_ratings_title_id", ["title_id"], unique=False)
        batch_op.create_index(
            "ix_ratings_profile_updated", ["profile_id", "updated_at"], unique=False
        )

    op.create_table(
        "title_ratings",
        sa.Column("title_id", sa.Integer(), nullable=False),
        _count("count"),
        _count("total"),
        *(_count(f"stars_{n}") for n in range(1, 6)),
        _fk("title_ratings", "title_id", "titles"),
        sa.PrimaryKeyConstraint("title_id", name=op.f("pk_title_ratings")),
    )

    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("spoiler", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        _count("helpful_count"),
        _fk("reviews", "title_id", "titles"),
        _fk("reviews", "profile_id", "profiles"),
        _fk("reviews", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("profile_id", "title_id", name="uq_reviews_profile_title"),
    )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reviews_title_helpful", ["title_id", "helpful_count", "id"], unique=False
        )
        batch_op.create_index("ix_reviews_title_created", ["title_id", "created_at"], unique=False)

    op.create_table(
        "review_helpful",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        _fk("review_helpful", "review_id", "reviews"),
        _fk("review_helpful", "profile_id", "profiles"),
        sa.PrimaryKeyConstraint("review_id", "profile_id", name=op.f("pk_review_helpful")),
    )

    op.create_table(
        "profile_pages",
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("public", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        _fk("profile_pages", "profile_id", "profiles"),
        sa.PrimaryKeyConstraint("profile_id", name=op.f("pk_profile_pages")),
    )


def downgrade() -> None:
    op.drop_table("profile_pages")
    op.drop_table("review_helpful")
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index("ix_reviews_title_created")
        batch_op.drop_index("ix_reviews_title_helpful")
    op.drop_table("reviews")
    op.drop_table("title_ratings")
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.drop_index("ix_ratings_profile_updated")
        batch_op.drop_index("ix_ratings_title_id")
    op.drop_table("ratings")

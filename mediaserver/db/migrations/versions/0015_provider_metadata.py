"""provider metadata

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 00:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "metadata_matches",
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=True),
        sa.Column("provider_id", sa.String(length=64), nullable=True),
        sa.Column("method", sa.String(length=16), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("candidate_title", sa.String(length=500), nullable=True),
        sa.Column("candidate_year", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("prefer_provider", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("written", sa.JSON(), nullable=False),
        sa.Column("airing", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.Column("next_refresh_at", sa.Float(), nullable=True),
        sa.CheckConstraint(
            "status IN ('matched', 'to_confirm', 'unmatched', 'failed')",
            name=op.f("ck_metadata_matches_status"),
        ),
        _fk("metadata_matches", "title_id", "titles"),
        sa.PrimaryKeyConstraint("title_id", name=op.f("pk_metadata_matches")),
    )
    with op.batch_alter_table("metadata_matches", schema=None) as batch_op:
        batch_op.create_index("ix_metadata_matches_status", ["status"], unique=False)
        batch_op.create_index("ix_metadata_matches_refresh", ["next_refresh_at"], unique=False)

    op.create_table(
        "provider_cache",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("fetched_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_provider_cache")),
    )
    with op.batch_alter_table("provider_cache", schema=None) as batch_op:
        batch_op.create_index("ix_provider_cache_expires", ["expires_at"], unique=False)

    op.create_table(
        "provider_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        _fk("provider_failures", "title_id", "titles"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_failures")),
    )
    with op.batch_alter_table("provider_failures", schema=None) as batch_op:
        batch_op.create_index("ix_provider_failures_at", ["at"], unique=False)

    op.create_table(
        "person_photos",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        _fk("person_photos", "person_id", "people"),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_person_photos")),
    )

    op.create_table(
        "title_studios",
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        _fk("title_studios", "title_id", "titles"),
        sa.PrimaryKeyConstraint("title_id", "position", name=op.f("pk_title_studios")),
    )

    op.create_table(
        "title_collections",
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("collection_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        _fk("title_collections", "title_id", "titles"),
        sa.PrimaryKeyConstraint("title_id", name=op.f("pk_title_collections")),
    )
    with op.batch_alter_table("title_collections", schema=None) as batch_op:
        batch_op.create_index("ix_title_collections_collection", ["collection_id"], unique=False)

    op.create_table(
        "provider_images",
        sa.Column("image_id", sa.Integer(), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=12), nullable=True),
        sa.ForeignKeyConstraint(
            ["image_id"],
            ["images.id"],
            name=op.f("fk_provider_images_image_id_images"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("image_id", name=op.f("pk_provider_images")),
    )


def downgrade() -> None:
    op.drop_table("provider_images")
    with op.batch_alter_table("title_collections", schema=None) as batch_op:
        batch_op.drop_index("ix_title_collections_collection")
    op.drop_table("title_collections")
    op.drop_table("title_studios")
    op.drop_table("person_photos")
    with op.batch_alter_table("provider_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_provider_failures_at")
    op.drop_table("provider_failures")
    with op.batch_alter_table("provider_cache", schema=None) as batch_op:
        batch_op.drop_index("ix_provider_cache_expires")
    op.drop_table("provider_cache")
    with op.batch_alter_table("metadata_matches", schema=None) as batch_op:
        batch_op.drop_index("ix_metadata_matches_refresh")
        batch_op.drop_index("ix_metadata_matches_status")
    op.drop_table("metadata_matches")

"""profile language: artwork and metadata in the profile's language first

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 03:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("profiles") as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=12), nullable=True))
    with op.batch_alter_table("images") as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=12), nullable=True))
    # Provider images stored before kept their language beside them; the catalog reads it from
    # the image row now (the primary tag, lower case: "pt-BR" -> "pt").
    op.execute(
        "UPDATE images SET language = (SELECT lower(substr(pi.language, 1, 2)) "
        "FROM provider_images pi WHERE pi.image_id = images.id) "
        "WHERE source = 'provider' AND EXISTS (SELECT 1 FROM provider_images pi "
        "WHERE pi.image_id = images.id AND pi.language IS NOT NULL AND pi.language <> '')"
    )


def downgrade() -> None:
    with op.batch_alter_table("images") as batch_op:
        batch_op.drop_column("language")
    with op.batch_alter_table("profiles") as batch_op:
        batch_op.drop_column("language")
